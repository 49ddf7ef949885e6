"""An assessment as OSCAL 1.1.3 JSON: its assessment results, a plan of action and milestones from
its findings and remediation plan, or the catalogue version it was assessed against.

Assessment results hold one result for the assessment: a finding per validation row (compliant is
satisfied; partial and non-compliant are not; not assessed is not satisfied, for nothing was
concluded; not applicable is satisfied with an implementation status of not-applicable and the
reason), an observation per answer and per evidence link, and the risks that bear on a material
increase in security risk (answers marked material, a material decision, open register risks at or
above the organisation's threshold) and the review's findings. Each evidence version is a
back-matter resource carrying its SHA-256. secassure keeps no OSCAL assessment plan, so ``import-ap``
points at a back-matter resource that describes the assessment as planned and its catalogue.

Every uuid is a version-5 uuid of a fixed namespace and the object's kind and key, so exporting the
same objects twice gives the same uuids. ``last-modified`` is the latest change recorded on what the
document holds, and the document's own uuid is derived from its content: two exports of unchanged
data are byte-identical, and a changed document gets a new uuid, as OSCAL asks.

Each document is read in a fixed number of queries, however many rows, answers, links, findings and
actions there are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.db.models import OuterRef, Prefetch, Subquery

from secassure import __version__
from secassure.assessments.choices import AssessmentType, Compliance, Decision, regime_of
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, StatusChange, ValidationRow
from secassure.assessments.services import register_of, with_details
from secassure.catalogue.models import Obligation
from secassure.catalogue.oscal_export import (
    _UUID_NS,
    NS,
    OSCAL_VERSION,
    _Ids,
    _one_line,
    _prop,
    build_catalog,
    write_json,
)
from secassure.errors import ActionError
from secassure.evidence.models import DocumentVersion
from secassure.review.choices import ActionStatus, FindingStatus
from secassure.review.choices import Decision as SscDecision
from secassure.review.models import Finding, Outcome, RemediationAction, RemediationPlan
from secassure.review.services import comments as review_comments
from secassure.wording import in_sentence

MODELS = ("assessment-results", "poam", "catalog")

ROLES = {
    "prepared-by": "Prepared by (the User whose assessment this is)",
    "content-approver": "Signed off and submitted by",
    "materiality-decider": "Decided whether security risk materially increased",
    "cio-reviewer": "User CIO reviewer",
    "ssc": "Security Sub-Committee (SSC)",
    "action-owner": "Remediation action owner",
}

# A row's compliance as an OSCAL objective status: (state, reason, implementation status or None).
OBJECTIVE = {
    Compliance.COMPLIANT: ("satisfied", "pass", "implemented"),
    Compliance.PARTIAL: ("not-satisfied", "fail", "partial"),
    Compliance.NON_COMPLIANT: ("not-satisfied", "fail", None),
    Compliance.NOT_APPLICABLE: ("satisfied", "other", "not-applicable"),
    Compliance.NOT_ASSESSED: ("not-satisfied", "other", None),
}

RISK_STATUS = {
    FindingStatus.OPEN: "open",
    FindingStatus.RESPONSE_DRAFTED: "open",
    FindingStatus.ACTION_PLANNED: "remediating",
    FindingStatus.IN_REMEDIATION: "remediating",
    FindingStatus.EVIDENCE_SUBMITTED: "remediating",
    FindingStatus.CLOSED: "closed",
    FindingStatus.RISK_ACCEPTED: "deviation-approved",
}

LIFECYCLE = {ActionStatus.PLANNED: "planned", ActionStatus.IN_PROGRESS: "planned", ActionStatus.DONE: "completed",
             ActionStatus.CANCELLED: "cancelled"}


# --- small helpers ------------------------------------------------------------------------------


def _when(value: dt.date | dt.datetime | None, *, end_of_day: bool = False) -> str | None:
    """An OSCAL date-time with its time zone: datetimes in UTC, dates at the start (or end) of the day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    return f"{value.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}+00:00"


def _props(*pairs: tuple[str, object]) -> list[dict]:
    """Properties in secassure's namespace, leaving out empty values (OSCAL values are one line)."""
    out = []
    for name, value in pairs:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out.append(_prop(name, _one_line(str(value))))
    return out


def _put(target: dict, key: str, value) -> None:
    """Set an optional field only when it has content: OSCAL arrays hold at least one item."""
    if value not in (None, "", [], {}):
        target[key] = value


def _text(*parts: str | None) -> str:
    """Markup-multiline text from paragraphs, skipping empty ones."""
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def _token(raw: str, prefix: str) -> str:
    """An OSCAL token made from our text, as the catalog export makes its ids."""
    return _Ids().make(raw, prefix)


def _short(text: str, limit: int = 120) -> str:
    """A one-line title of at most about ``limit`` characters, cut at a word."""
    line = _one_line(text)
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + " ..."


class _Context:
    """What one document collects while it is built: uuids, parties and roles, and timestamps."""

    def __init__(self, assessment: Assessment):
        self.assessment = assessment
        self.org = assessment.organisation
        self.parties: dict[str, dict] = {}
        self.roles: dict[str, list[str]] = {}
        self.times: list[dt.datetime] = []
        self.controls = _Ids()
        self.control_ids: dict[int, str] = {}

    def uuid(self, kind: str, key: object) -> str:
        """The uuid of an object of this assessment's document: stable for the same kind and key."""
        return str(uuid.uuid5(_UUID_NS, f"secassure:assessment:{self.assessment.pk}:{kind}:{key}"))

    def seen(self, *stamps: dt.datetime | None) -> None:
        self.times.extend(s for s in stamps if isinstance(s, dt.datetime))

    def control_id(self, obligation: Obligation) -> str:
        """The obligation's id as the catalog export gives it."""
        if obligation.pk not in self.control_ids:
            self.control_ids[obligation.pk] = self.controls.make(obligation.uid, "c")
        return self.control_ids[obligation.pk]

    def _party(self, key: str, party: dict, role: str | None) -> str:
        party_uuid = str(uuid.uuid5(_UUID_NS, f"secassure:party:{key}"))
        self.parties.setdefault(party_uuid, {"uuid": party_uuid, **party})
        if role:
            holders = self.roles.setdefault(role, [])
            if party_uuid not in holders:
                holders.append(party_uuid)
        return party_uuid

    def organisation(self, role: str | None = None) -> str:
        """The organisation's party uuid (one uuid for it in every document)."""
        org = self.org
        party = {"type": "organization", "name": _one_line(org.name), "short-name": org.slug}
        _put(party, "props", _props(("sec-party-id", org.sec_party_id), ("party-category", org.category)))
        return self._party(f"organisation:{org.pk}", party, role)

    def person(self, user, role: str | None = None) -> str | None:
        """A person's party uuid, or None for nobody."""
        if user is None:
            return None
        # Named, not addressed: strict OSCAL tools reject addresses at reserved domains.
        party = {"type": "person", "name": _one_line(user.get_full_name() or user.email or f"user {user.pk}")}
        return self._party(f"person:{user.pk}", party, role)

    def ssc(self) -> str:
        """The SSC's party uuid."""
        return self._party("ssc", {"type": "organization", "name": "Smart Energy Code Security Sub-Committee",
                                   "short-name": "SSC"}, "ssc")

    def actor(self) -> list[dict]:
        """The organisation as the origin of what it recorded about itself."""
        return [{"actors": [{"type": "party", "actor-uuid": self.organisation()}]}]

    def last_modified(self) -> dt.datetime:
        """The latest change recorded on what the document holds (never the time of export)."""
        return max(self.times, default=self.assessment.created_at)

    def metadata(self, title: str, version: str, props: list[dict], published: dt.datetime | None) -> dict:
        """The document's metadata, once everything else is built (it lists the parties met on the way)."""
        self.organisation("prepared-by")
        metadata: dict = {"title": _one_line(title)}
        _put(metadata, "published", _when(published))
        metadata.update({"last-modified": _when(self.last_modified()), "version": version,
                         "oscal-version": OSCAL_VERSION})
        metadata["props"] = props + _props(("exported-by", f"secassure {__version__}"))
        metadata["roles"] = [{"id": role, "title": title} for role, title in ROLES.items() if role in self.roles]
        metadata["parties"] = list(self.parties.values())
        metadata["responsible-parties"] = [{"role-id": role, "party-uuids": self.roles[role]}
                                           for role in ROLES if role in self.roles]
        return metadata


def _document(ctx: _Context, root: str, body: dict) -> dict:
    """The document with a uuid derived from its content: unchanged data, unchanged uuid."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return {root: {"uuid": ctx.uuid(root, digest), **body}}


def _load(assessment: Assessment) -> Assessment:
    """The assessment afresh, with what every document names: one query."""
    return (Assessment.objects.select_related("organisation", "catalogue__framework", "submitted_by", "decided_by")
            .get(pk=assessment.pk))


# --- review findings and remediation actions, shared by both documents --------------------------


def _findings_and_actions(assessment: Assessment) -> tuple[list[Finding], list[RemediationAction]]:
    """The assessment's findings and its plan's actions (with the findings they address): two queries."""
    org_id = assessment.organisation_id
    findings = list(Finding.objects.filter(assessment=assessment, organisation_id=org_id)
                    .select_related("responded_by").order_by("ref", "pk"))
    actions = list(RemediationAction.objects.filter(plan__assessment=assessment, plan__organisation_id=org_id)
                   .select_related("owner", "finding").order_by("target_date", "pk"))
    known = {f.pk for f in findings}
    for action in actions:  # a plan may address a finding raised elsewhere in the organisation
        if action.finding_id and action.finding_id not in known and action.finding.organisation_id == org_id:
            known.add(action.finding_id)
            findings.append(action.finding)
    return findings, actions


def poam_has_content(assessment: Assessment) -> bool:
    """Whether a plan of action and milestones would list anything: the assessment has a finding or
    its plan an action (a finding raised elsewhere comes in only through an action). Two small
    queries, for pages that offer the download only when it can be made."""
    org_id = assessment.organisation_id
    return (Finding.objects.filter(assessment=assessment, organisation_id=org_id).exists()
            or RemediationAction.objects.filter(plan__assessment=assessment, plan__organisation_id=org_id).exists())


def _remediation(ctx: _Context, action: RemediationAction) -> dict:
    """An action as an OSCAL response, its target date a milestone task owned by its owner."""
    ctx.seen(action.closed_at)
    task: dict = {"uuid": ctx.uuid("milestone", action.pk), "type": "milestone",
                  "title": f"Target date {action.target_date.isoformat()}",
                  "timing": {"on-date": {"date": _when(action.target_date, end_of_day=True)}}}
    owner = ctx.person(action.owner, "action-owner")
    if owner:
        task["responsible-roles"] = [{"role-id": "action-owner", "party-uuids": [owner]}]
    return {"uuid": ctx.uuid("action", action.pk), "lifecycle": LIFECYCLE.get(action.status, "planned"),
                "title": _short(action.description), "description": action.description,
                "props": _props(("action-status", action.status), ("target-date", action.target_date),
                                ("clause", action.clause), ("closed-at", _when(action.closed_at))),
                "tasks": [task]}


def _finding_risk(ctx: _Context, finding: Finding, actions: list[RemediationAction]) -> dict:
    """A review finding as an OSCAL risk, its actions as remediations with target dates as milestones."""
    ctx.seen(finding.created_at, finding.responded_at)
    risk: dict = {
        "uuid": ctx.uuid("finding-risk", finding.pk),
        "title": _short(f"{finding.ref} {finding.get_kind_display()}: {finding.description}"),
        "description": finding.description,
        "statement": finding.response or "No management response recorded yet.",
        "props": _props(("source", "review-finding"), ("finding-ref", finding.ref), ("kind", finding.kind),
                        ("finding-source", finding.source), ("severity", finding.severity),
                        ("finding-status", finding.status), ("clause", finding.clause),
                        ("response-due", finding.response_due)),
        "status": RISK_STATUS.get(finding.status, "open"),
    }
    open_dates = [a.target_date for a in actions if a.still_open]
    _put(risk, "deadline", _when(max(open_dates), end_of_day=True) if open_dates else None)
    _put(risk, "remediations", [_remediation(ctx, a) for a in actions])
    return risk


# --- assessment results -------------------------------------------------------------------------


def _latest_versions(links: Iterable[EvidenceLink]) -> dict[int, DocumentVersion]:
    """The latest version of each document a not-yet-pinned link follows: one query (none if all pinned)."""
    unpinned = {link.document_id for link in links if link.version_id is None}
    latest = DocumentVersion.objects.filter(document=OuterRef("document")).order_by("-number").values("number")[:1]
    return {v.document_id: v for v in DocumentVersion.objects.filter(document_id__in=unpinned,
                                                                     number=Subquery(latest))}


def _evidence(ctx: _Context, rows, answers) -> tuple[dict[int, dict], dict[int, dict], dict[int, dict]]:
    """Back-matter resources per document version, an observation per link, and per link its
    relevant-evidence entry (pointing at the version's resource)."""
    links = [(row.obligation.ref, link) for row in rows for link in row.links.all()]
    links += [(answer.question.ref, link) for answer in answers for link in answer.links.all()]
    latest = _latest_versions(link for _, link in links)
    resources: dict[int, dict] = {}
    observations: dict[int, dict] = {}
    evidence_of: dict[int, dict] = {}
    for ref, link in links:
        document = link.document
        if document.organisation_id != ctx.org.pk:  # never another organisation's document, however linked
            continue
        version = link.version if link.version_id else latest.get(link.document_id)
        if version is None or version.document_id != document.pk:  # no version yet: nothing to point at
            continue
        ctx.seen(link.added_at, version.uploaded_at)
        name = f"{document.title} v{version.number}"
        if version.pk not in resources:
            resource: dict = {
                "uuid": ctx.uuid("document-version", version.pk), "title": _one_line(name),
                "description": _text(f"Version {version.number} of {document.title!r} in the organisation's "
                                     "document register.", version.note),
                "props": _props(("document-type", document.doc_type), ("classification", document.classification),
                                ("version", version.number), ("effective-date", version.effective_date),
                                ("expiry-date", version.expiry_date), ("original-name", version.original_name),
                                ("size", version.size)),
                "rlinks": [{"href": f"evidence/{version.sha256}", "media-type": version.media_type,
                            "hashes": [{"algorithm": "SHA-256", "value": version.sha256}]}],
            }
            resources[version.pk] = resource
        evidence_of[link.pk] = {"href": f"#{resources[version.pk]['uuid']}", "description": _one_line(name)}
        observation: dict = {
            "uuid": ctx.uuid("evidence-link", link.pk), "title": _one_line(f"Evidence for {ref}: {name}"),
            "description": f"{name} was offered as evidence for {ref}"
                           + (" (pinned at submission)." if link.version_id else " (its latest version)."),
            "props": _props(("evidence-for", ref), ("document-version", version.number),
                            ("carried-forward", link.carried_forward)),
            "methods": ["EXAMINE"], "types": ["control-objective"],
            "relevant-evidence": [evidence_of[link.pk]],
            "collected": _when(version.uploaded_at),
        }
        _put(observation, "expires", _when(version.expiry_date, end_of_day=True))
        observations[link.pk] = observation
    return resources, observations, evidence_of


def _comment_text(items) -> str:
    """CIO comments as paragraphs, each with its author."""
    return _text(*(f"{c.author.get_full_name() or c.author.email}: {c.text}" for c in items))


def _plan_resource(ctx: _Context, assessment: Assessment) -> dict:
    """The back-matter resource ``import-ap`` points at: the assessment as planned, and its catalogue."""
    catalogue = assessment.catalogue
    resource: dict = {
        "uuid": ctx.uuid("assessment-plan", assessment.pk),
        "title": _one_line(f"Assessment plan: {assessment.title}"),
        "description": _text(
            f"secassure keeps no OSCAL assessment plan. This resource stands for it: {ctx.org.name}'s "
            f"{assessment.get_kind_display()} against {catalogue.framework.name} ({catalogue.label}), assessing "
            "every obligation and question that applies to the organisation.",
            f"Booking reference: {assessment.booking_reference}" if assessment.booking_reference else None),
        "props": _props(("assessment-type", assessment.kind), ("catalogue", catalogue.label),
                        ("catalogue-content-hash", catalogue.content_hash), ("cycle-year", assessment.cycle_year),
                        ("planned-start", assessment.planned_start), ("planned-end", assessment.planned_end),
                        ("fieldwork-start", assessment.fieldwork_start), ("fieldwork-end", assessment.fieldwork_end),
                        ("baseline-assessment", assessment.baseline_id)),
    }
    if catalogue.source_url:
        resource["rlinks"] = [{"href": catalogue.source_url}]
    return resource


def _row_finding(ctx: _Context, row: ValidationRow, related_observations: list[str], related_risks: list[str],
                 comments: list) -> dict:
    """A validation row as an OSCAL finding on its obligation, with the objective's state."""
    ctx.seen(row.updated_at, row.checked_at)
    obligation = row.obligation
    state, reason, implementation = OBJECTIVE.get(row.status, ("not-satisfied", "other", None))
    status: dict = {"state": state, "reason": reason}
    if row.status == Compliance.NOT_ASSESSED:
        status["remarks"] = "Not assessed: no conclusion was recorded, so the objective is not shown as satisfied."
    target: dict = {"type": "objective-id", "target-id": ctx.control_id(obligation), "status": status}
    if implementation:
        target["implementation-status"] = {"state": implementation}
        if row.status == Compliance.NOT_APPLICABLE:
            target["implementation-status"]["remarks"] = row.na_reason or "Recorded as not applicable."
    finding: dict = {
        "uuid": ctx.uuid("row", row.pk), "title": _one_line(f"{obligation.ref} {obligation.title}"),
        "description": _text(row.narrative, row.na_reason if row.status == Compliance.NOT_APPLICABLE else None)
        or f"{obligation.ref}: {in_sentence(row.get_status_display())}; no narrative recorded.",
        "props": _props(("compliance", row.status), ("group", row.group_ref), ("last-tested", row.last_tested),
                        ("changed-since-baseline", row.changed), ("carried-forward", row.carried_forward),
                        ("confirmed", row.confirmed), ("checked", row.checked_by_id is not None)),
        "origins": ctx.actor(), "target": target,
    }
    _put(finding, "related-observations", [{"observation-uuid": u} for u in related_observations])
    _put(finding, "related-risks", [{"risk-uuid": u} for u in related_risks])
    _put(finding, "remarks", _text(row.change_note, _comment_text(comments) and
                                   f"The User CIO's comments:\n\n{_comment_text(comments)}"))
    return finding


def _answer_observation(ctx: _Context, answer: QuestionAnswer, evidence: list[dict], comments: list) -> dict:
    """A self-assessment answer as an OSCAL observation (an interview, in OSCAL's terms)."""
    ctx.seen(answer.updated_at, answer.checked_at)
    question = answer.question
    label = answer.shown
    observation: dict = {
        "uuid": ctx.uuid("answer", answer.pk), "title": _one_line(f"{question.ref} {question.text}"),
        "description": _text(f"Answer: {label}.", answer.narrative,
                             f"Marked as a material increase in security risk: {answer.material_rationale}"
                             if answer.material else None),
        # A question answered in words has no answer to name: its narrative is the description.
        "props": _props(("question", question.ref), ("answer-kind", question.answer_kind),
                        ("answer", answer.answer or (None if answer.is_answered else "unanswered")),
                        ("material", answer.material), ("changed-since-baseline", answer.changed),
                        ("carried-forward", answer.carried_forward), ("confirmed", answer.confirmed),
                        ("checked", answer.checked_by_id is not None)),
        "methods": ["INTERVIEW"], "types": ["control-objective"], "origins": ctx.actor(),
    }
    _put(observation, "relevant-evidence", evidence)
    observation["collected"] = _when(answer.checked_at or answer.updated_at or ctx.assessment.created_at)
    _put(observation, "remarks", _comment_text(comments) and f"The User CIO's comments:\n\n{_comment_text(comments)}")
    return observation


def _material_risks(ctx: _Context, assessment: Assessment, answers) -> tuple[list[dict], dict[int, str]]:
    """Risks for a material increase: answers marked material, a material decision, and open register
    risks at or above the organisation's threshold. Also each material answer's risk uuid."""
    risks, by_answer = [], {}
    for answer in answers:
        if not answer.material:
            continue
        risk = {"uuid": ctx.uuid("material-answer", answer.pk),
                "title": _one_line(f"Material increase in security risk: {answer.question.ref}"),
                "description": answer.question.text,
                "statement": answer.material_rationale or "Marked as a material increase in security risk.",
                "props": _props(("source", "material-answer"), ("question", answer.question.ref)),
                "status": "open", "origins": ctx.actor(),
                "related-observations": [{"observation-uuid": ctx.uuid("answer", answer.pk)}]}
        by_answer[answer.pk] = risk["uuid"]
        risks.append(risk)
    if assessment.decision == Decision.MATERIAL:
        ctx.seen(assessment.decided_at)
        risk = {"uuid": ctx.uuid("materiality-decision", assessment.pk),
                "title": "Material increase in security risk (materiality decision)",
                "description": f"The decision recorded for this {assessment.get_kind_display()}: security risk has "
                               "materially increased since the last assessment.",
                "statement": assessment.decision_reason or "No reason recorded.",
                "props": _props(("source", "materiality-decision"), ("decided-at", _when(assessment.decided_at))),
                "status": "open"}
        decider = ctx.person(assessment.decided_by, "materiality-decider")
        if decider:
            risk["origins"] = [{"actors": [{"type": "party", "actor-uuid": decider}]}]
        risks.append(risk)
    threshold = ctx.org.material_risk_threshold
    register = register_of(assessment)
    for risk_id, entry in sorted(register.items(), key=lambda item: (item[1]["ref"], item[0])):
        if entry["status"] != "open" or entry["residual_score"] < threshold:
            continue
        residual = entry.get("residual") or [None, None, entry["residual_score"]]
        inherent = entry.get("inherent") or [None, None, None]
        facets = [{"name": name, "system": NS, "value": str(value)} for name, value in (
            ("residual-likelihood", residual[0]), ("residual-impact", residual[1]),
            ("residual-score", entry["residual_score"]), ("inherent-score", inherent[2])) if value is not None]
        risks.append({
            "uuid": ctx.uuid("register-risk", risk_id),
            "title": _one_line(f"{entry['ref']} {entry['title']}"),
            "description": _text(f"Asset or scope: {entry['asset']}" if entry.get("asset") else None,
                                 f"Threat: {entry['threat']}" if entry.get("threat") else None,
                                 f"Vulnerability: {entry['vulnerability']}" if entry.get("vulnerability") else None)
            or f"{entry['title']} (from the risk register).",
            "statement": entry.get("treatment_plan") or
                         f"Residual score {entry['residual_score']}, at or above the organisation's "
                         f"material-risk threshold of {threshold}.",
            "props": _props(("source", "risk-register"), ("register-ref", entry["ref"]),
                            ("treatment", entry.get("treatment")), ("review-date", entry.get("review_date")),
                            ("material-risk-threshold", threshold),
                            ("register-as", "snapshot at submission" if assessment.submitted else "live")),
            "status": "open", "origins": ctx.actor(),
            "characterizations": [{"origin": {"actors": [{"type": "party", "actor-uuid": ctx.organisation()}]},
                                   "facets": facets}],
        })
    return risks, by_answer


def _rows_and_answers(a: Assessment) -> tuple[list[ValidationRow], list[QuestionAnswer]]:
    """The rows with their obligations and the answers with their questions, each with its evidence."""
    rows = list(with_details(ValidationRow.objects.filter(assessment=a).select_related("obligation"))
                .order_by("order", "pk"))
    answers = list(with_details(QuestionAnswer.objects.filter(assessment=a).select_related("question"))
                   .prefetch_related(Prefetch("question__obligations", queryset=Obligation.objects.only("pk")))
                   .order_by("order", "pk"))
    return rows, answers


def _comments_by_item(ctx: _Context, a: Assessment) -> tuple[dict[int, list], dict[int, list], list]:
    """The CIO's comments on each row, on each answer and on the assessment as a whole; each author a party."""
    comments = list(review_comments(a))
    ctx.seen(*(c.updated_at for c in comments))
    on_row, on_answer = {}, {}
    overall = []
    for c in comments:
        if c.row_id:
            on_row.setdefault(c.row_id, []).append(c)
        elif c.answer_id:
            on_answer.setdefault(c.answer_id, []).append(c)
        else:
            overall.append(c)
        ctx.person(c.author, "cio-reviewer")
    return on_row, on_answer, overall


def _finding_risks(ctx: _Context, findings: list[Finding], actions: list[RemediationAction]) -> list[dict]:
    """Each review finding as a risk, with the actions that address it."""
    actions_of: dict[int, list[RemediationAction]] = {}
    for action in actions:
        if action.finding_id:
            actions_of.setdefault(action.finding_id, []).append(action)
    return [_finding_risk(ctx, f, actions_of.get(f.pk, [])) for f in findings]


def _risks_by_clause(findings: list[Finding], finding_risks: list[dict]) -> dict[str, list[str]]:
    """The uuids of the findings' risks per clause they were raised against."""
    risks_by_clause: dict[str, list[str]] = {}
    for finding, risk in zip(findings, finding_risks, strict=True):
        if finding.clause:
            risks_by_clause.setdefault(finding.clause, []).append(risk["uuid"])
    return risks_by_clause


def _answer_observations(ctx: _Context, answers, evidence_obs: dict[int, dict], evidence_of: dict[int, dict],
                         on_answer: dict[int, list], material_by_answer: dict[int, str]
                         ) -> tuple[list[dict], dict[int, list[str]], dict[int, list[str]]]:
    """Each answer's observation followed by its evidence's; and per obligation the uuids of the
    observations of the answers that bear on it and of the risks of those marked material."""
    observations = []
    answer_obs_by_obligation: dict[int, list[str]] = {}
    risks_by_obligation: dict[int, list[str]] = {}
    for answer in answers:
        evidence = [evidence_of[link.pk] for link in answer.links.all() if link.pk in evidence_of]
        observation = _answer_observation(ctx, answer, evidence, on_answer.get(answer.pk, []))
        observations.append(observation)
        observations += [evidence_obs[link.pk] for link in answer.links.all() if link.pk in evidence_obs]
        for obligation in answer.question.obligations.all():
            answer_obs_by_obligation.setdefault(obligation.pk, []).append(observation["uuid"])
            if answer.pk in material_by_answer:
                risks_by_obligation.setdefault(obligation.pk, []).append(material_by_answer[answer.pk])
    return observations, answer_obs_by_obligation, risks_by_obligation


def _row_findings(ctx: _Context, rows, evidence_obs: dict[int, dict], on_row: dict[int, list],
                  answer_obs_by_obligation: dict[int, list[str]], risks_by_clause: dict[str, list[str]],
                  risks_by_obligation: dict[int, list[str]]) -> tuple[list[dict], list[dict]]:
    """The observations of the rows' evidence, and each row's finding with the observations and
    risks related to it."""
    observations, findings = [], []
    for row in rows:
        row_obs = [evidence_obs[link.pk] for link in row.links.all() if link.pk in evidence_obs]
        observations += row_obs
        related = [o["uuid"] for o in row_obs] + answer_obs_by_obligation.get(row.obligation_id, [])
        row_risks = risks_by_clause.get(row.obligation.ref, []) + risks_by_obligation.get(row.obligation_id, [])
        findings.append(_row_finding(ctx, row, related, row_risks, on_row.get(row.pk, [])))
    return observations, findings


def _assessment_log(ctx: _Context, changes: list[StatusChange]) -> list[dict]:
    """The assessment's status changes as log entries, each with its reason and who made it."""
    for change in changes:
        ctx.seen(change.at)
    log = [{"uuid": ctx.uuid("status-change", c.pk), "title": f"{c.get_from_status_display()} to "
            f"{c.get_to_status_display()}", "start": _when(c.at)} for c in changes]
    for entry, change in zip(log, changes, strict=True):
        _put(entry, "description", change.reason)
        mover = ctx.person(change.by)
        if mover:
            entry["logged-by"] = [{"party-uuid": mover}]
    return log


def _result_notes(ctx: _Context, a: Assessment, overall: list, outcome: Outcome | None) -> tuple[list[dict], list[str]]:
    """The result's properties and remarks: the materiality decision, the CIO's overall comments and
    the SSC's outcome."""
    result_props = _props(("assessment-type", a.kind), ("assessment-status", a.status),
                          ("cycle-year", a.cycle_year), ("materiality-decision", a.decision or None))
    remarks = []
    if a.decision:
        remarks.append(f"Materiality decision: {a.get_decision_display()}." +
                       (f" {a.decision_reason}" if a.decision_reason else ""))
    if overall:
        remarks.append(f"The User CIO's overall comments:\n\n{_comment_text(overall)}")
    if outcome is not None:
        ctx.seen(outcome.recorded_at)
        ctx.ssc()
        result_props += _props(("ssc-decision", outcome.decision), ("ssc-clause", outcome.clause),
                               ("ssc-rule", outcome.rule_id), ("ssc-received-on", outcome.received_on),
                               ("ssc-reference", outcome.reference), ("follow-up-assessment", outcome.follow_up_id))
        remarks.append(_text(f"The SSC's outcome: {SscDecision(outcome.decision).label}"
                             f"{f' ({outcome.clause})' if outcome.clause else ''}, received "
                             f"{outcome.received_on.isoformat()}"
                             f"{f', reference {outcome.reference}' if outcome.reference else ''}.", outcome.text))
    return result_props, remarks


def _result(ctx: _Context, a: Assessment, rows: list[ValidationRow], answers: list[QuestionAnswer],
            result_props: list[dict]) -> dict:
    """The result's heading: what was assessed, over which period, and the obligations reviewed."""
    ctx.person(a.submitted_by, "content-approver")
    if a.period_start:
        start, end = _when(a.period_start), _when(a.period_end, end_of_day=True)
    else:
        start, end = _when(a.created_at), _when(a.submitted_at)
    result: dict = {
        "uuid": ctx.uuid("result", a.pk),
        "title": _one_line(f"{a.title}: {AssessmentType(a.kind).label}"),
        "description": _text(f"{AssessmentType(a.kind).label} of {ctx.org.name} against "
                             f"{a.catalogue.framework.name} ({a.catalogue.label}): {len(rows)} obligations and "
                             f"{len(answers)} questions applied."),
        "start": start,
    }
    _put(result, "end", end)
    _put(result, "props", result_props)
    controls = [{"control-id": ctx.control_id(row.obligation)} for row in rows]
    selection: dict = {"props": _props(("catalogue", a.catalogue.label))}
    _put(selection, "include-controls", controls)
    if not controls:
        selection["remarks"] = "No obligation of the catalogue applied to the organisation."
    result["reviewed-controls"] = {"control-selections": [selection]}
    return result


def _results_body(ctx: _Context, a: Assessment, result: dict, resources: dict[int, dict]) -> dict:
    """The document around the result: metadata, the plan ``import-ap`` points at, and the back matter."""
    plan = _plan_resource(ctx, a)
    metadata = ctx.metadata(
        f"Assessment results: {a.title}", str(a.revision),
        _props(("organisation", ctx.org.slug), ("assessment-id", a.pk), ("assessment-type", a.kind),
               ("regime", regime_of(a.kind)), ("assessment-status", a.status), ("catalogue", a.catalogue.label)),
        a.submitted_at)
    return {
        "metadata": metadata,
        "import-ap": {"href": f"#{plan['uuid']}",
                      "remarks": "The assessment as planned and the catalogue it was assessed against are "
                                 "described by this back-matter resource."},
        "results": [result],
        "back-matter": {"resources": [plan, *sorted(resources.values(), key=lambda r: (r["title"], r["uuid"]))]},
    }


def _assessment_results(assessment: Assessment) -> dict:
    """The assessment-results document: twelve queries, or thirteen while evidence is not yet pinned."""
    a = _load(assessment)
    ctx = _Context(a)
    ctx.seen(a.created_at, a.submitted_at, a.decided_at)
    rows, answers = _rows_and_answers(a)
    resources, evidence_obs, evidence_of = _evidence(ctx, rows, answers)
    on_row, on_answer, overall = _comments_by_item(ctx, a)
    outcome = Outcome.objects.filter(assessment=a).first()
    findings, actions = _findings_and_actions(a)
    changes = list(StatusChange.objects.filter(assessment=a).select_related("by").order_by("at", "pk"))

    risks, material_by_answer = _material_risks(ctx, a, answers)
    finding_risks = _finding_risks(ctx, findings, actions)
    risks += finding_risks
    observations, answer_obs_by_obligation, risks_by_obligation = _answer_observations(
        ctx, answers, evidence_obs, evidence_of, on_answer, material_by_answer)
    row_observations, row_findings = _row_findings(ctx, rows, evidence_obs, on_row, answer_obs_by_obligation,
                                                   _risks_by_clause(findings, finding_risks), risks_by_obligation)
    observations += row_observations
    log = _assessment_log(ctx, changes)

    result_props, remarks = _result_notes(ctx, a, overall, outcome)
    result = _result(ctx, a, rows, answers, result_props)
    _put(result, "assessment-log", {"entries": log} if log else None)
    _put(result, "observations", observations)
    _put(result, "risks", risks)
    _put(result, "findings", row_findings)
    _put(result, "remarks", _text(*remarks))
    return _document(ctx, "assessment-results", _results_body(ctx, a, result, resources))


# --- plan of action and milestones --------------------------------------------------------------


def _poam(assessment: Assessment) -> dict:
    """The plan-of-action-and-milestones document: four queries."""
    a = _load(assessment)
    ctx = _Context(a)
    plan = RemediationPlan.objects.filter(assessment=a, organisation_id=a.organisation_id).first()
    findings, actions = _findings_and_actions(a)
    if not findings and not actions:
        raise ActionError(f"{a.title} has no findings and no remediation actions: a plan of action and "
                          "milestones would have nothing to list")
    if plan is not None:
        ctx.seen(plan.created_at)
    actions_of: dict[int, list[RemediationAction]] = {}
    loose: list[RemediationAction] = []
    for action in actions:
        (actions_of.setdefault(action.finding_id, []) if action.finding_id else loose).append(action)

    risks, oscal_findings, items = [], [], []
    for finding in findings:
        risk = _finding_risk(ctx, finding, actions_of.get(finding.pk, []))
        risks.append(risk)
        done = finding.status == FindingStatus.CLOSED
        oscal_finding: dict = {
            "uuid": ctx.uuid("review-finding", finding.pk),
            "title": _one_line(f"{finding.ref} {finding.get_kind_display()}"),
            "description": finding.description,
            "props": _props(("finding-ref", finding.ref), ("kind", finding.kind), ("severity", finding.severity),
                            ("finding-status", finding.status)),
            "target": {"type": "objective-id", "target-id": _token(finding.clause or finding.ref, "f"),
                       "status": {"state": "satisfied" if done else "not-satisfied",
                                  "reason": "pass" if done else "fail"}},
            "related-risks": [{"risk-uuid": risk["uuid"]}],
        }
        _put(oscal_finding, "remarks", finding.response and f"Management response:\n\n{finding.response}")
        oscal_findings.append(oscal_finding)
        item: dict = {
            "uuid": ctx.uuid("poam-finding", finding.pk),
            "title": _short(f"{finding.ref}: {finding.description}"),
            "description": _text(finding.description, finding.response and
                                 f"Management response: {finding.response}"),
            "props": _props(("finding-ref", finding.ref), ("severity", finding.severity),
                            ("finding-status", finding.status), ("clause", finding.clause),
                            ("response-due", finding.response_due),
                            ("actions", len(actions_of.get(finding.pk, [])))),
            "origins": ctx.actor(),
            "related-findings": [{"finding-uuid": oscal_finding["uuid"]}],
            "related-risks": [{"risk-uuid": risk["uuid"]}],
        }
        items.append(item)
    for action in loose:
        risk = {"uuid": ctx.uuid("action-risk", action.pk),
                "title": _short(f"Remediation action: {action.description}"),
                "description": action.description,
                "statement": "A remediation action of the plan that addresses no recorded finding"
                             + (f" (clause {action.clause})." if action.clause else "."),
                "props": _props(("source", "remediation-action"), ("clause", action.clause)),
                "status": "remediating" if action.still_open else "closed",
                "remediations": [_remediation(ctx, action)]}
        if action.still_open:
            risk["deadline"] = _when(action.target_date, end_of_day=True)
        risks.append(risk)
        items.append({"uuid": ctx.uuid("poam-action", action.pk), "title": _short(action.description),
                      "description": action.description,
                      "props": _props(("action-status", action.status), ("target-date", action.target_date),
                                      ("clause", action.clause)),
                      "origins": ctx.actor(), "related-risks": [{"risk-uuid": risk["uuid"]}]})

    plan_props = _props(("remediation-plan", "none")) if plan is None else _props(
        ("plan-version", plan.version), ("plan-status", plan.status), ("sent-on", plan.sent_on),
        ("sent-version", plan.sent_version), ("approved-on", plan.approved_on),
        ("approved-version", plan.approved_version), ("approval-reference", plan.approval_reference))
    metadata = ctx.metadata(
        f"Plan of action and milestones: {a.title}", str(plan.version) if plan else "0",
        _props(("organisation", ctx.org.slug), ("assessment-id", a.pk), ("assessment-type", a.kind)) + plan_props,
        None)
    body = {
        "metadata": metadata,
        "system-id": {"identifier-type": "http://ietf.org/rfc/rfc4122", "id": ctx.organisation()},
        "risks": risks,
        "poam-items": items,
    }
    _put(body, "findings", oscal_findings)
    return _document(ctx, "plan-of-action-and-milestones", body)


# --- the interface ------------------------------------------------------------------------------


def build(assessment: Assessment, model: str) -> dict:
    """The whole OSCAL document of one model for an assessment, as JSON-ready data."""
    if model == "assessment-results":
        return _assessment_results(assessment)
    if model == "poam":
        return _poam(assessment)
    if model == "catalog":
        return build_catalog(assessment.catalogue)
    raise ActionError(f"unknown OSCAL model {model!r}; use one of {', '.join(MODELS)}")


def _count_controls(node: dict) -> int:
    return sum(1 + _count_controls(c) for c in node.get("controls", [])) + sum(
        _count_controls(g) for g in node.get("groups", []))


def _counts(model: str, document: dict) -> dict:
    if model == "catalog":
        return {"controls": _count_controls(document["catalog"])}
    if model == "poam":
        poam = document["plan-of-action-and-milestones"]
        return {"poam-items": len(poam["poam-items"]), "risks": len(poam.get("risks", [])),
                "findings": len(poam.get("findings", []))}
    results = document["assessment-results"]
    result = results["results"][0]
    return {"controls": len(result["reviewed-controls"]["control-selections"][0].get("include-controls", [])),
            "findings": len(result.get("findings", [])), "observations": len(result.get("observations", [])),
            "risks": len(result.get("risks", [])), "resources": len(results["back-matter"]["resources"])}


def write(assessment: Assessment, model: str, path: Path) -> dict:
    """Write the document as JSON (UTF-8, indented) and return a short summary of what was written."""
    document = build(assessment, model)
    path = Path(path)
    write_json(document, path)
    root = next(iter(document.values()))
    return {"model": model, "path": str(path), "uuid": root["uuid"], "counts": _counts(model, document)}
