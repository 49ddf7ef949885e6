"""Demo data for a first look: the shipped catalogue and a believable story in two organisations.

- **Demo Energy Supply Ltd**, a supplier in year 3 of its cycle. Last year's VUSA, conducted by
  the User CIO, is the baseline: the CIO's report found one potential non-compliance, which was put
  right before the User's response went to the SSC, so the VUSA is closed. Its User System is
  hosted by a Shared Resource Provider that maintains two of its documents, one of whose
  acceptances has lapsed since the provider uploaded a new version. This year's self-assessment
  records a change that materially increased risk, was submitted, and is with the User CIO, who
  has raised queries and written comments.
- **Demo Northern Networks plc**, an electricity network operator also in year 3. The User CIO's
  report on its VUSA found two non-compliances that were still open when the response was sent, so
  a remediation plan followed; it is signed and sent, one action is overdue. Its year-3
  self-assessment is nearly ready: three rows and a question wait to be confirmed, checked, signed
  off and submitted, which a newcomer can finish in the browser.
- **Alice**, a consultant who runs both for her clients, is the login ``make run`` prints. Everyone
  in the story can sign in with the same published password (``DEMO_PEOPLE`` says who is who).

The story is told on a calendar counted back from the day it is loaded: the FUSA ended some
twenty months before, and every step since happened in order on a day of its own, the last of them
the day before loading.

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from secassure.assessments.declaration import DECLARATION
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.catalogue.importers import native
from secassure.catalogue.loader import load
from secassure.dates import add_months
from secassure.inbox import actions as inbox_actions
from secassure.inbox.choices import Delivery
from secassure.profile import actions as profile_actions
from secassure.profile.actions import load_rules
from secassure.profile.services import read_rules, shipped_rule_files
from secassure.tenancy import actions as tenancy_actions
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Membership, Organisation

DEMO_PASSWORD = "secassure-demo"  # noqa: S105 - published on purpose: it is the demo's password
ENERGY = ("Demo Energy Supply Ltd", "demo-energy")
NETWORKS = ("Demo Northern Networks plc", "demo-networks")
# An Other User, which also takes the privacy assessments of SEC Section I.
INSIGHTS = ("Demo Orbit Insights Ltd", "demo-insights")


@dataclass(frozen=True)
class DemoPerson:
    key: str
    email: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...]  # (organisation slug, role)
    what: str


DEMO_PEOPLE = (
    DemoPerson("alice", "alice@demo.secassure.test", "Alice", "Consultant",
               ((ENERGY[1], MemberRole.OWNER), (NETWORKS[1], MemberRole.OWNER), (INSIGHTS[1], MemberRole.OWNER)),
               "a consultant who runs the organisations' assurance (and the site's administrator)"),
    DemoPerson("ravi", "ravi@energy.demo.secassure.test", "Ravi", "Patel", ((ENERGY[1], MemberRole.CONTRIBUTOR),),
               "Demo Energy's security analyst, who prepares its assessments"),
    DemoPerson("dana", "dana@energy.demo.secassure.test", "Dana", "Okafor", ((ENERGY[1], MemberRole.APPROVER),),
               "Demo Energy's director, who signs off"),
    DemoPerson("priya", "priya@northgate.demo.secassure.test", "Priya", "Shah", ((ENERGY[1], MemberRole.PROVIDER),),
               "at Northgate, the Shared Resource Provider, who keeps Northgate's documents up to date"),
    DemoPerson("kofi", "kofi@networks.demo.secassure.test", "Kofi", "Mensah",
               ((NETWORKS[1], MemberRole.CONTRIBUTOR),), "Demo Northern Networks' security analyst"),
    DemoPerson("helen", "helen@networks.demo.secassure.test", "Helen", "Price",
               ((NETWORKS[1], MemberRole.APPROVER),), "Demo Northern Networks' director, who signs off"),
    DemoPerson("morgan", "morgan@cio.demo.secassure.test", "Morgan", "Reid",
               ((ENERGY[1], MemberRole.CIO_REVIEWER), (NETWORKS[1], MemberRole.CIO_REVIEWER),
                (INSIGHTS[1], MemberRole.CIO_REVIEWER)),
               "the independent User CIO, who conducts the VUSAs and reviews the self-assessments; as the "
               "Independent Privacy Auditor, the same organisation reviews Demo Orbit Insights' privacy "
               "self-assessment"),
    DemoPerson("nadia", "nadia@insights.demo.secassure.test", "Nadia", "Brooks",
               ((INSIGHTS[1], MemberRole.APPROVER),),
               "Demo Orbit Insights' data protection officer, who checks and signs off its privacy self-assessment"),
)
DEMO_EMAIL = DEMO_PEOPLE[0].email
# The people in the story started using the workbench this many days before the demo is loaded;
# what they record in it happens between then and the day before loading.
STORY_DAYS = 340


@contextmanager
def _on(day: dt.date) -> Iterator[None]:
    """Run one step of the story as if it were happening on ``day``, from ten in the morning.

    The product's actions stamp the moment they run (an assessment's creation and submission, a
    share with the CIO, the status history, a version's upload) and rightly take no such date from
    their callers. The demo's story happened over the past year, so its loader sets Django's clock
    to each step's day while the step runs. The clock is the whole process's, which is why this is
    for the demo loader alone: it runs before anyone uses the site it fills. The clock moves on one
    second each time it is read, so that what a step records keeps its order. The audit log is
    written with the real time (it records when the demo was loaded); its chains are ordered by
    sequence number, not by time, so they verify all the same.
    """
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    ticks = itertools.count()
    real = timezone.now
    timezone.now = lambda: start + dt.timedelta(seconds=next(ticks))
    try:
        yield
    finally:
        timezone.now = real


def load_demo(catalogue_files: list[Path], max_bytes: int) -> dict:
    lines = []
    for path in catalogue_files:
        result = load(native.parse_file(str(path), max_bytes))
        lines.append(f"{path.name}: {result.label} {result.outcome}")
    for path in shipped_rule_files():
        outcome, ruleset = load_rules(read_rules(path, max_bytes), by=None)
        lines.append(f"{path.name}: {ruleset} {outcome}")
    today = timezone.localdate()  # read once, so that a load running past midnight tells one story
    with transaction.atomic():
        with _on(today - dt.timedelta(days=STORY_DAYS)):
            people = {person.key: _user(person) for person in DEMO_PEOPLE}
            for person in people.values():
                # The story's hand-offs reach their inboxes; by e-mail, only in a daily digest (the
                # loader would otherwise print a year of e-mails at once).
                inbox_actions.set_delivery(Delivery.DIGEST, by=person)
        made = []
        for (name, slug), tell in ((ENERGY, _energy_supply), (NETWORKS, _northern_networks),
                                   (INSIGHTS, _orbit_insights)):
            if not Organisation.objects.filter(slug=slug).exists():
                tell(people, today)
                made.append(name)
        for person in DEMO_PEOPLE:  # a person added to the story after an earlier load joins here
            for slug, role in person.roles:
                org = Organisation.objects.get(slug=slug)
                if not Membership.objects.filter(organisation=org, user=people[person.key]).exists():
                    tenancy_actions.add_member(org, people[person.key], role, by=None)
    return {"catalogue": lines, "organisations": [ENERGY[1], NETWORKS[1], INSIGHTS[1]], "created": made,
            "login": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            "people": [{"email": p.email, "name": f"{p.first_name} {p.last_name}", "what": p.what,
                        "roles": [{"organisation": slug, "role": role} for slug, role in p.roles]}
                       for p in DEMO_PEOPLE]}


def _user(person: DemoPerson):
    User = get_user_model()
    user = User.objects.filter(username=person.email).first()
    if user is None:
        admin = person.key == "alice"
        # date_joined's default is bound to the clock the story does not move, so it is given here.
        user = User(username=person.email, email=person.email, first_name=person.first_name,
                    last_name=person.last_name, is_staff=admin, is_superuser=admin, date_joined=timezone.now())
        user.set_password(DEMO_PASSWORD)
        user.save()
        record(AuditEvent.AUTH_USER_CREATED, user, after={"email": user.email, "is_superuser": admin},
               reason="demo data")
    return user


def _organisation(name_slug: tuple[str, str], people: dict, *, category: str, party_id: str,
                  cycle_start: dt.date) -> Organisation:
    name, slug = name_slug
    alice = people["alice"]
    org = tenancy_actions.create_organisation(by=alice, name=name, slug=slug, category=category,
                                              sec_party_id=party_id, cycle_start=cycle_start)
    for person in DEMO_PEOPLE:
        for where, role in person.roles:
            if where == slug and person.key != "alice":
                tenancy_actions.add_member(org, people[person.key], role, by=alice)
    return org


def _pdf(title: str, edition: str = "") -> bytes:
    return (f"%PDF-1.4\n1 0 obj << /Type /Catalog /Title ({title}{edition}) >> endobj\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n").encode()


def _document(org: Organisation, *, title: str, doc_type: str, effective_date: dt.date, owner=None,
              provider=None, uploaded_by=None, review_months: int = 12, name: str = ""):
    """A document of the register with its first version, uploaded on the step's day."""
    from secassure.evidence import actions as evidence

    document = evidence.add_document(org, by=None, title=title, doc_type=doc_type, owner=owner, provider=provider,
                                     review_months=review_months, status="approved")
    evidence.add_version(document, by=uploaded_by or owner, chunks=[_pdf(title)], name=name or f"{title}.pdf",
                         effective_date=effective_date)
    return document


def _answer_everything(assessment, *, by, evidence_for: dict, default_document, narrative: str, leave=0) -> list:
    """The author answers (or confirms) every row and question but the last ``leave`` rows and the
    last question, when ``leave`` is set; returns what was left."""
    from secassure.assessments import actions as a

    rows = list(assessment.rows.select_related("obligation").order_by("order"))
    answers = list(assessment.answers.select_related("question").order_by("order"))
    left = (rows[-leave:] + answers[-1:]) if leave else []
    for row in rows:
        if row in left:
            continue
        row.assessment = assessment
        a.save_row(row, by=by, revision=row.revision, status="compliant",
                   narrative=f"{row.obligation.ref}: met as described in the ISMS; evidence linked.")
        document = evidence_for.get(row.group_ref, default_document)
        if not assessment.links.filter(row=row, document=document).exists():
            a.link_evidence(row, document, by=by)
    for answer in answers:
        if answer in left:
            continue
        answer.assessment = assessment
        a.save_answer(answer, by=by, revision=answer.revision, answer=_settled(answer.question), narrative=narrative)
    return left


def _settled(question) -> str:
    """The answer that raises no concern, for a story in which nothing has gone wrong: the other
    answer of a yes-no question, All closed for a status; none for a question answered in words."""
    from secassure.assessments.choices import Answer
    from secassure.catalogue.choices import AnswerKind, Concern

    if question.answer_kind == AnswerKind.TEXT:
        return Answer.UNANSWERED
    if question.answer_kind == AnswerKind.STATUS:
        return Answer.ALL_CLOSED
    return Answer.YES if question.concern == Concern.NO else Answer.NO


def _check_everything(assessment, *, by) -> None:
    from secassure.assessments import actions as a

    for item in [*assessment.rows.filter(confirmed=True, checked_by__isnull=True),
                 *assessment.answers.filter(confirmed=True, checked_by__isnull=True)]:
        item.assessment = assessment
        a.check_item(item, by=by, revision=item.revision)


def _submit(assessment, *, preparer, checker, approver, decision: str, reason: str,
            on: tuple[dt.date, dt.date, dt.date]) -> None:
    """Internal review on the first day, the checks and sign-off on the second, the director's
    decision and submission on the third."""
    from secassure.assessments import actions as a

    sent, checked, submitted = on
    with _on(sent):
        a.move(assessment, "internal-review", by=preparer)
    with _on(checked):
        _check_everything(assessment, by=checker)
        a.move(assessment, "sign-off", by=checker)
    with _on(submitted):
        a.decide_materiality(assessment, by=approver, decision=decision, reason=reason)
        a.move(assessment, "submitted", by=approver, declaration=DECLARATION.version)


def _record_results(assessment, *, by, found: dict[str, tuple[str, str]]) -> None:
    """The CIO's result on every row, with the evidence offered on it as examined: compliant, but for
    the obligations ``found`` names, each with its result and what was found."""
    from secassure.review import fieldwork_actions as fieldwork

    for row in assessment.rows.select_related("obligation").order_by("order"):
        result, note = found.get(row.obligation.ref, ("compliant", ""))
        examined = [link.document for link in assessment.links.filter(row=row).select_related("document")]
        fieldwork.record_result(row, by=by, result=result, note=note, examined=examined)


def _days_before(today: dt.date):
    """The story's calendar: ago(n) is the day n days before the demo is loaded."""

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)
    return ago


# --- Demo Energy Supply Ltd ------------------------------------------------------------------------
#
# Its year-1 FUSA's fieldwork ended 20 months ago, which started the cycle. It began using the
# workbench about ten months ago to prepare the year-2 VUSA, which the User CIO conducted within
# twelve months of the FUSA: the fieldwork ended some 265 days ago and the report, issued 250 days
# ago, found one potential non-compliance. That was put right, and the response went to the SSC
# some 200 days ago, before the date it set. Northgate moved the head-end two months ago; the
# year-3 self-assessment followed, was submitted 25 days ago, and has been with the User CIO for
# three weeks.


def _energy_supply(people: dict, today: dt.date) -> Organisation:
    """A supplier under the portfolio thresholds, so year 3 is a self-assessment."""
    from secassure.assessments import actions as a
    from secassure.evidence import actions as evidence
    from secassure.review import actions as review
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review import remediation_actions as remediation

    alice, ravi, dana, priya, morgan = (people[k] for k in ("alice", "ravi", "dana", "priya", "morgan"))
    ago = _days_before(today)
    cycle_start = add_months(today, -20)  # the year-1 FUSA's fieldwork ended 20 months ago

    with _on(ago(320)):
        org = _organisation(ENERGY, people, category="large-supplier", party_id="DEMO-0042",
                            cycle_start=cycle_start)
        # It went live with the DCC (the User Entry Process, whose FUSA began the cycle) at the cycle's start.
        profile_actions.update_organisation(org, {"dcc_live_since": cycle_start}, by=alice)
        profile_actions.add_role(org, "import-supplier", by=alice, user_ids=["90-B3-D5-1F-30-00-00-01"],
                                 start_date=cycle_start)
        profile_actions.add_role(org, "gas-supplier", by=alice, user_ids=["90-B3-D5-1F-30-00-00-02"],
                                 start_date=cycle_start)
        northgate = profile_actions.add_provider(
            org, by=alice, name="Northgate Shared Metering Services", kind="srp", party_id="SRP-0007",
            services="Hosts and runs the head-end integration (the User System)", relationship_start=cycle_start)
        profile_actions.add_user_system(org, by=alice, name="Head-end integration (SRP hosted)", kind="primary",
                                        hosting="srp-hosted", srp_provider=northgate, in_use_from=cycle_start)
        profile_actions.add_snapshot(org, by=alice, as_of=cycle_start - dt.timedelta(days=90), domestic=150_000,
                                     non_domestic=4_000, smets1=40_000, smets2=100_000, source="SECAS count")
        # The ISMS: a policy the board approved after the FUSA, reviewed every two years ...
        documents = {"Information Security Policy": _document(
            org, title="Information Security Policy", doc_type="policy", owner=ravi, review_months=24,
            effective_date=add_months(today, -19))}
        documents["Access Control Procedure"] = _document(
            org, title="Access Control Procedure", doc_type="procedure", owner=ravi, effective_date=ago(320))
        evidence.assign_provider_member(northgate, Membership.objects.get(organisation=org, user=priya), by=alice)
    # ... and the two documents Northgate maintains for the hosted User System, accepted by the director.
    with _on(ago(315)):
        statement = _document(org, title="Northgate Hosting Security Statement", doc_type="standard",
                              provider=northgate, uploaded_by=priya, effective_date=ago(318),
                              name="hosting-security-statement.pdf")
    with _on(ago(313)):
        evidence.accept(statement, by=dana,
                        basis="Read against G3 and G5; ISO/IEC 27001 certificate seen; controls match our ISMS.")
    with _on(ago(310)):
        documents["Risk Assessment Methodology"] = _document(
            org, title="Risk Assessment Methodology", doc_type="procedure", owner=ravi, effective_date=ago(310))
        head_end = a.add_risk(org, by=ravi, title="Compromise of the SRP-hosted head-end integration",
                              asset="Head-end integration", threat="External attacker",
                              vulnerability="Shared hosting", inherent_likelihood=4, inherent_impact=4,
                              residual_likelihood=2, residual_impact=3)
        a.add_risk(org, by=ravi, title="Misuse of privileged access by an insider",
                   asset="User System administration", inherent_likelihood=3, inherent_impact=4,
                   residual_likelihood=2, residual_impact=4)
    with _on(ago(298)):
        documents["Penetration Test Report"] = _document(
            org, title="Penetration Test Report", doc_type="report", owner=ravi, effective_date=ago(300))
    with _on(ago(296)):
        summary = _document(org, title="Northgate Penetration Test Summary", doc_type="report",
                            provider=northgate, uploaded_by=priya, effective_date=ago(300),
                            name="pen-test-summary.pdf")
    with _on(ago(295)):
        evidence.accept(summary, by=dana, basis="Scope covers the hosted head-end; no high findings open.")

    # Year 2: the VUSA, conducted by the User CIO. Ravi prepares the rows and their evidence, Morgan
    # does the fieldwork and reports one potential non-compliance, which is put right before the
    # response goes to the SSC.
    evidence_for = {"G3": documents["Penetration Test Report"], "G4": documents["Access Control Procedure"],
                    "G5": documents["Risk Assessment Methodology"]}
    with _on(ago(290)):
        vusa = a.create_assessment(org, kind="vusa", by=alice, title="VUSA (cycle year 2)", cycle_year=2).assessment
        a.move(vusa, "preparation", by=alice)
    with _on(ago(285)):
        _answer_everything(vusa, by=ravi, evidence_for=evidence_for, default_document=documents[
            "Information Security Policy"], narrative="No change of this kind since the FUSA.")
    with _on(ago(270)):  # sharing it with Morgan starts the fieldwork
        review.share(vusa, morgan, by=alice)
    with _on(ago(267)):
        first = vusa.rows.select_related("obligation").order_by("order").first()
        request = review.raise_query(vusa, first, by=morgan, purpose="evidence",
                                     text="Please send the alert log behind this obligation.")
    with _on(ago(266)):
        review.reply(request, by=ravi, text="The monthly alert report is attached.",
                     document=documents["Penetration Test Report"])
    with _on(ago(264)):  # Morgan's fieldwork: the next assessment falls due within 12 months of its end
        fieldwork.record_fieldwork(vusa, by=morgan, start=ago(268), end=ago(265))
    with _on(ago(262)):
        review.close_query(request, by=morgan, note="Seen; thank you.")
    with _on(ago(258)):
        _record_results(vusa, by=morgan, found={
            "G4.4": ("potential", "Leavers' accounts are removed promptly, but the review of leavers' access to "
                                  "the head-end console Northgate hosts was not evidenced for the period.")})
    with _on(ago(253)):
        fieldwork.write_report(vusa, by=morgan, summary="Fieldwork at the head office and by remote session with "
                                                        "Northgate. Responses are proportionate and evidenced; "
                                                        "one potential non-compliance, under G4.4.")
    with _on(ago(250)):  # the report's one non-compliant result becomes a finding
        fieldwork.issue_report(vusa, by=morgan)

    # The User's response: the finding is answered, signed off and put right before the response goes.
    with _on(ago(247)):  # the SSC set the date for the response
        fieldwork.set_response_due(vusa, by=alice, due=ago(190))
    leavers = vusa.findings.get(clause="G4.4")
    with _on(ago(244)):
        leavers = remediation.respond(leavers, by=ravi, revision=leavers.revision,
                                      response="Accepted. We will review leavers' access to the head-end console "
                                               "against HR leaver records and add the console to the monthly "
                                               "leaver check.")
    with _on(ago(242)):
        leavers = fieldwork.approve_response(leavers, by=dana, revision=leavers.revision)
    with _on(ago(240)):
        remediation.set_finding_status(leavers, by=ravi, status="action-planned")
    with _on(ago(236)):
        remediation.set_finding_status(leavers, by=ravi, status="in-remediation")
    with _on(ago(222)):
        review_record = _document(org, title="Head-end Console Leaver Review", doc_type="record", owner=ravi,
                                  effective_date=ago(223))
        remediation.link_finding_evidence(leavers, review_record, by=ravi)
        remediation.set_finding_status(leavers, by=ravi, status="evidence-submitted")
    with _on(ago(210)):
        remediation.set_finding_status(leavers, by=alice, status="closed",
                                       reason="The review record shows every leaver's console access removed.")
    with _on(ago(200)):  # no non-compliance remains, so sending the response closes the VUSA
        fieldwork.send_response(vusa, by=alice, sent_on=ago(200))

    # Since then: the policy's interim review, and Northgate's move of the head-end, with a new
    # statement not yet accepted.
    with _on(ago(148)):
        evidence.add_version(documents["Information Security Policy"],
                             chunks=[_pdf("Information Security Policy", " (reviewed)")],
                             name="Information Security Policy.pdf", by=ravi, effective_date=ago(150),
                             note="Reviewed after the VUSA: roles and responsibilities brought up to date")
    with _on(ago(60)):
        evidence.add_version(statement, chunks=[_pdf(statement.title, " (revised)")],
                             name="hosting-security-statement-v2.pdf", by=priya, effective_date=ago(62),
                             note="New data centre provider from this quarter")
    with _on(ago(56)):
        head_end = a.update_risk(head_end, by=ravi, revision=head_end.revision, residual_likelihood=4,
                                 reason="Northgate moved the head-end to a new data centre provider")
        smets1 = a.add_risk(org, by=ravi, title="More SMETS1 meters enrolled under the DCC", asset="SMETS1 estate",
                            inherent_likelihood=3, inherent_impact=4, residual_likelihood=2, residual_impact=4)
        profile_actions.add_snapshot(org, by=alice, as_of=ago(60), domestic=196_000, non_domestic=6_000,
                                     smets1=52_000, smets2=140_000, source="SECAS count")

    # Year 3: the self-assessment, submitted with a material increase and now with the CIO.
    with _on(ago(45)):
        ssa = a.create_assessment(org, kind="ssa", by=alice, baseline=vusa, title="Self-assessment (cycle year 3)",
                                  cycle_year=3).assessment
        a.move(ssa, "preparation", by=ravi)
    with _on(ago(44)):
        a.add_change(ssa, by=ravi, area="hosting", risk=head_end, changed_on=ago(62),
                     description="Northgate moved the head-end integration to a new data centre provider.")
        a.add_change(ssa, by=ravi, area="smets1", risk=smets1, changed_on=ago(60),
                     description="SMETS1 meters grew from 40,000 to 52,000 as more were enrolled under the DCC.")
    with _on(ago(40)):
        _answer_everything(ssa, by=ravi, evidence_for=evidence_for,
                           default_document=documents["Information Security Policy"],
                           narrative="No change of this kind since the VUSA, other than those in the change log.")
        hosting_row = ssa.rows.filter(group_ref="G3").select_related("obligation").order_by("order").first()
        hosting_row.assessment = ssa
        a.link_evidence(hosting_row, statement, by=ravi)
    _submit(ssa, preparer=ravi, checker=alice, approver=dana, decision="material",
            reason="The move to a new data centre raised the head-end's residual risk from 6 to 12, at our "
                   "threshold; the SMETS1 growth stays within existing controls. Compensating controls are "
                   "in the change log.",
            on=(ago(30), ago(28), ago(25)))
    with _on(ago(21)):
        review.share(ssa, morgan, by=alice)
    with _on(ago(14)):
        query = review.raise_query(ssa, hosting_row, by=morgan,
                                   text="Which certificate covers the new data centre? Please show Northgate's "
                                        "assurance of it.")
    with _on(ago(11)):
        review.reply(query, by=ravi, text="Northgate's revised hosting statement covers it; the certificate is "
                                          "appended to it.", document=statement)
    with _on(ago(9)):
        first_answer = ssa.answers.select_related("question").order_by("order").first()
        review.raise_query(ssa, first_answer, by=morgan,
                           text="The answer says nothing changed, but the change log records a new data centre "
                                "provider. Please reconcile the two.")
    with _on(ago(7)):
        review.comment(ssa, by=morgan, item=hosting_row,
                       text="The residual-risk rise is well explained; the compensating controls need evidence of "
                            "operation, not only design.")
    with _on(ago(5)):
        review.comment(ssa, by=morgan, text="A proportionate self-assessment; the material increase is identified "
                                            "and owned. Two queries remain before my comments are final.")
    return org


# --- Demo Northern Networks plc --------------------------------------------------------------------
#
# Its cycle started 21 months ago. It began using the workbench some eleven months ago to prepare
# its VUSA, which the User CIO conducted within twelve months of the FUSA. The CIO's report found
# two non-compliances; the response went to the SSC 75 days ago with both still open, which opened
# the remediation plan. The director signed the plan two months ago and it went to the SSC two days
# later; one action is done, one is overdue. The year-3 self-assessment was started a month ago.


def _northern_networks(people: dict, today: dt.date) -> Organisation:
    """A network operator whose VUSA came back with actions, and whose self-assessment is nearly done."""
    from secassure.assessments import actions as a
    from secassure.evidence import actions as evidence
    from secassure.review import actions as review
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review import remediation_actions as remediation

    alice, kofi, helen, morgan = (people[k] for k in ("alice", "kofi", "helen", "morgan"))
    ago = _days_before(today)
    cycle_start = add_months(today, -21)

    with _on(ago(335)):
        org = _organisation(NETWORKS, people, category="electricity-network", party_id="DEMO-0107",
                            cycle_start=cycle_start)
        profile_actions.add_role(org, "electricity-distributor", by=alice, user_ids=["90-B3-D5-1F-30-00-01-07"],
                                 start_date=cycle_start)
        profile_actions.add_user_system(org, by=alice, name="Network monitoring User System", kind="primary",
                                        hosting="bespoke", in_use_from=cycle_start)
        profile_actions.add_snapshot(org, by=alice, as_of=cycle_start - dt.timedelta(days=60), domestic=104_000,
                                     non_domestic=0, source="SECAS count")
        default = _document(org, title="Information Security Policy", doc_type="policy", owner=kofi,
                            review_months=24, effective_date=add_months(today, -18))
        # Its review falls due within the month.
        _document(org, title="Business Continuity Plan", doc_type="plan", owner=kofi,
                  effective_date=add_months(today, -12) + dt.timedelta(days=20), name="business-continuity-plan.pdf")
    with _on(ago(330)):
        a.add_risk(org, by=kofi, title="Stale privileged accounts on the User System", asset="User System",
                   inherent_likelihood=4, inherent_impact=3, residual_likelihood=2, residual_impact=3)
    with _on(ago(320)):
        leavers_procedure = _document(org, title="Joiners, Movers and Leavers Procedure", doc_type="procedure",
                                      owner=kofi, effective_date=ago(320))
    with _on(ago(312)):
        scan_report = _document(org, title="Vulnerability Scan Report", doc_type="report", owner=kofi,
                                effective_date=ago(315))
    evidence_for = {"G4": leavers_procedure, "G3": scan_report}

    with _on(ago(305)):
        vusa = a.create_assessment(org, kind="vusa", by=alice, title="VUSA (cycle year 2)", cycle_year=2).assessment
        a.move(vusa, "preparation", by=kofi)
    with _on(ago(300)):
        _answer_everything(vusa, by=kofi, evidence_for=evidence_for, default_document=default,
                           narrative="No change of this kind since the FUSA.")
    with _on(ago(284)):  # sharing it with Morgan starts the fieldwork
        review.share(vusa, morgan, by=alice)
    with _on(ago(276)):  # Morgan's fieldwork on site
        fieldwork.record_fieldwork(vusa, by=morgan, start=ago(281), end=ago(278))
    with _on(ago(272)):
        _record_results(vusa, by=morgan, found={
            "G4.4": ("potential", "Leaver reviews for privileged accounts are not evidenced."),
            "G3.6": ("actual", "The User System's vulnerability scan was unauthenticated, so it could not see "
                               "missing patches.")})
    with _on(ago(268)):
        fieldwork.write_report(vusa, by=morgan, summary="Fieldwork on site over four days. Two non-compliances: "
                                                        "leaver reviews for privileged accounts (G4.4) and the "
                                                        "User System's vulnerability scanning (G3.6).")
    with _on(ago(265)):  # each non-compliant result becomes a finding
        fieldwork.issue_report(vusa, by=morgan)

    # The User's response: Kofi answers each finding, Helen signs each off, and sending it with
    # non-compliance still open opens the remediation plan.
    with _on(ago(100)):  # the SSC set the date for the response
        fieldwork.set_response_due(vusa, by=alice, due=ago(72))
    leavers, scan = vusa.findings.get(clause="G4.4"), vusa.findings.get(clause="G3.6")
    with _on(ago(82)):
        leavers = remediation.respond(leavers, by=kofi, revision=leavers.revision,
                                      response="Accepted. We will review every privileged account against HR "
                                               "leaver records, then automate the check.")
        scan = remediation.respond(scan, by=kofi, revision=scan.revision,
                                   response="Accepted. An authenticated scan will be run and its findings fixed.")
    with _on(ago(79)):
        leavers = fieldwork.approve_response(leavers, by=helen, revision=leavers.revision)
        scan = fieldwork.approve_response(scan, by=helen, revision=scan.revision)
    with _on(ago(75)):
        fieldwork.send_response(vusa, by=alice, sent_on=ago(75))
    plan = vusa.remediation_plans.get()
    with _on(ago(70)):
        done = remediation.add_action(plan, by=alice, finding=scan, owner=kofi, clause="G3.6",
                                      description="Run an authenticated vulnerability scan of the User System.",
                                      target_date=ago(40))
        remediation.add_action(plan, by=alice, finding=leavers, owner=kofi, clause="G4.4",
                               description="Review every privileged account against HR leaver records.",
                               target_date=ago(10))
        remediation.add_action(plan, by=alice, finding=leavers, owner=kofi, clause="G4.4",
                               description="Automate the monthly leaver check and keep its reports.",
                               target_date=today + dt.timedelta(days=45))
        for finding in (leavers, scan):
            remediation.set_finding_status(finding, by=alice, status="action-planned")
    with _on(ago(60)):
        remediation.sign_letter(plan, by=helen, signed_on=ago(60),
                                commitments="We will complete the actions in this plan by their target dates.")
    with _on(ago(58)):
        remediation.send_plan(plan, by=alice, sent_on=ago(58))
    with _on(ago(55)):
        done.refresh_from_db()
        remediation.update_action(done, by=kofi, revision=done.revision, status="in-progress")
    with _on(ago(47)):
        evidence.add_version(scan_report, chunks=[_pdf(scan_report.title, " (authenticated)")],
                             name="Vulnerability Scan Report.pdf", by=kofi, effective_date=ago(48),
                             note="Authenticated scan of the User System; every finding fixed or accepted")
    with _on(ago(46)):
        done.refresh_from_db()
        remediation.update_action(done, by=kofi, revision=done.revision, status="done",
                                  closure_evidence=scan_report)
    with _on(ago(44)):
        profile_actions.add_snapshot(org, by=alice, as_of=ago(45), domestic=120_000, non_domestic=0,
                                     source="SECAS count")

    # Year 3: the self-assessment, carried forward, nearly ready for sign-off.
    with _on(ago(30)):
        ssa = a.create_assessment(org, kind="ssa", by=alice, baseline=vusa, title="Self-assessment (cycle year 3)",
                                  cycle_year=3).assessment
        a.move(ssa, "preparation", by=kofi)
    with _on(ago(29)):
        a.add_change(ssa, by=kofi, area="people", changed_on=ago(150),
                     description="A new Head of Security joined.")
    with _on(ago(25)):
        _answer_everything(ssa, by=kofi, evidence_for=evidence_for, default_document=default, leave=3,
                           narrative="No change of this kind since the VUSA, other than those in the change log.")
    with _on(ago(20)):
        _check_everything(ssa, by=alice)
    return org


# --- Demo Orbit Insights Ltd -----------------------------------------------------------------------
#
# An Other User: an energy insights service that obtains consumers' consumption data with their
# consent. Besides its security cycle it takes the privacy assessments of SEC Section I. Alice
# prepared its privacy self-assessment a month ago, Nadia checked and signed it off, and it is now
# under review by the Independent Privacy Auditor (Morgan, of the same organisation as the User CIO),
# who has raised one query and written one comment.


def _orbit_insights(people: dict, today: dt.date) -> Organisation:
    """An Other User whose privacy self-assessment is under review by the Independent Privacy Auditor."""
    from secassure.assessments import actions as a
    from secassure.review import actions as review

    alice, nadia, morgan = (people[k] for k in ("alice", "nadia", "morgan"))
    ago = _days_before(today)
    cycle_start = add_months(today, -14)

    with _on(ago(60)):
        org = _organisation(INSIGHTS, people, category="other-user", party_id="DEMO-0311", cycle_start=cycle_start)
        profile_actions.add_role(org, "other-user", by=alice, user_ids=["90-B3-D5-1F-30-00-03-11"],
                                 start_date=cycle_start)
        # An Other User is responsible for no Smart Metering Systems of its own: SECAS's count is nil.
        profile_actions.add_snapshot(org, by=alice, as_of=cycle_start - dt.timedelta(days=30), domestic=0,
                                     non_domestic=0, source="SECAS count")
        notice = _document(org, title="Consumer Privacy Notice", doc_type="policy", owner=nadia, uploaded_by=alice,
                           effective_date=add_months(today, -6), name="consumer-privacy-notice.pdf")
        register = _document(org, title="Consent Register Reconciliation", doc_type="report", owner=nadia,
                             uploaded_by=alice,
                             effective_date=ago(62), name="consent-register-reconciliation.pdf")
    with _on(ago(35)):
        psa = a.create_assessment(org, kind="psa", by=alice, title="Privacy self-assessment",
                                  cycle_year=2).assessment
        a.move(psa, "preparation", by=alice)
    with _on(ago(33)):
        _answer_everything(psa, by=alice, evidence_for={}, default_document=register,
                           narrative="No change of this kind since the Full Privacy Assessment.")
        notice_row = psa.rows.select_related("obligation").get(obligation__ref="I1.4")
        notice_row.assessment = psa
        a.link_evidence(notice_row, notice, by=alice)
    with _on(ago(30)):
        a.move(psa, "internal-review", by=alice)
    with _on(ago(28)):
        _check_everything(psa, by=nadia)
        a.move(psa, "sign-off", by=nadia)
    with _on(ago(27)):
        a.move(psa, "submitted", by=nadia, declaration=DECLARATION.version)
    with _on(ago(24)):
        review.share(psa, morgan, by=alice)
    with _on(ago(12)):
        consent_row = psa.rows.select_related("obligation").get(obligation__ref="I1.2")
        consent_row.assessment = psa
        review.raise_query(psa, consent_row, by=morgan,
                           text="Please show a sample of ten consents from March matched to the data requests "
                                "they allowed.")
    with _on(ago(10)):
        review.comment(psa, by=morgan, item=notice_row,
                       text="The privacy notice is current and says how to withdraw consent.")
    return org
