"""Generated organisations, people, documents and assessments, for measuring secassure at scale.

``secassure generate`` and ``bench/scale.py`` use it to fill a scratch database with as many
organisations as an installation might ever hold (a thousand, with a thousand rows each) in minutes.
Creating that through the actions, one row save at a time, would take hours and write a million
audit events; instead each organisation is written with a few bulk statements:

- the organisation, with one audit event (its chain's first, ``tenancy.organisation.created``) whose
  after-values name everything generated with it and whose reason says it was generated. That keeps
  ``secassure audit verify`` passing: every chain starts with its organisation's creation and is
  sealed as usual. The assessments, rows and answers have no event of their own, so
  ``audit verify --state`` counts them as having no audited value rather than reporting them;
- three people (an Owner, a Contributor and an Approver) with addresses at ``generated.invalid`` and
  no usable password: sign in as one with ``Client.force_login`` (the benchmark) or give one a
  password with ``secassure changepassword``;
- documents as register records without files (no versions, nothing in the blob store), which is
  all the pages and the evidence links need;
- assessments on the SEC catalogue in force, every applicable obligation and question, the rows and
  answers in a spread of states (compliant, partial, non-compliant, not applicable, not assessed)
  with some evidence linked; all but the newest assessment are submitted.

What the generator made is known by its marks (organisation slugs starting ``generated-``, people
at ``generated.invalid``): it refuses a database holding anything else unless forced, so that test
data is never mixed into real work by mistake. Running it again with a larger number adds the
missing organisations and leaves the ones already there as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from secassure.assessments import actions as assessment_actions
from secassure.assessments import inserting
from secassure.assessments.choices import Answer, AssessmentStatus, AssessmentType, Compliance, answers_for
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.catalogue.choices import PartyCategory
from secassure.catalogue.importers import native
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Membership, Organisation

SLUG_PREFIX = "generated-"
EMAIL_DOMAIN = "generated.invalid"
MEMBERS = (MemberRole.OWNER, MemberRole.CONTRIBUTOR, MemberRole.APPROVER)
CATEGORIES = (PartyCategory.LARGE_SUPPLIER, PartyCategory.SMALL_SUPPLIER, PartyCategory.ELECTRICITY_NETWORK,
              PartyCategory.GAS_NETWORK, PartyCategory.OTHER_USER)
DOC_TYPES = ("policy", "procedure", "record", "report")
# One row in twenty of each kind, in this order, round the catalogue: mostly compliant, as a real
# assessment in progress is, with some of every other state.
SPREAD = ((Compliance.COMPLIANT, 11), (Compliance.PARTIAL, 3), (Compliance.NON_COMPLIANT, 1),
          (Compliance.NOT_APPLICABLE, 2), (Compliance.NOT_ASSESSED, 3))
STATES = [state.value for state, share in SPREAD for _ in range(share)]
LINK_EVERY = 4  # a quarter of the rows have a document linked
ANALYSE_FIRST = 16  # organisations generated before the planner's statistics are first refreshed


@dataclass
class Generated:
    """What a run made; ``as_dict`` is what ``--json`` prints."""

    organisations: int = 0
    already: int = 0
    people: int = 0
    documents: int = 0
    assessments: int = 0
    rows: int = 0
    answers: int = 0
    links: int = 0
    catalogue: str = ""
    loaded: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("organisations", "already", "people", "documents", "assessments",
                                              "rows", "answers", "links", "catalogue", "loaded")}


def slug_for(number: int) -> str:
    return f"{SLUG_PREFIX}{number:04d}"


def email_for(role: str, number: int) -> str:
    return f"{role}.{number:04d}@{EMAIL_DOMAIN}"


def real_data() -> list[str]:
    """What in the database the generator did not make, in words: empty when there is nothing."""
    found = []
    orgs = Organisation.objects.exclude(slug__startswith=SLUG_PREFIX)
    if count := orgs.count():
        names = ", ".join(orgs.order_by("name").values_list("name", flat=True)[:3])
        found.append(f"{count} organisation{'s' if count != 1 else ''} ({names}{', ...' if count > 3 else ''})")
    people = get_user_model().objects.exclude(email__endswith=f"@{EMAIL_DOMAIN}")
    if count := people.count():
        emails = ", ".join(people.order_by("email").values_list("email", flat=True)[:3])
        found.append(f"{count} {'people' if count != 1 else 'person'} ({emails}{', ...' if count > 3 else ''})")
    return found


def generate(*, orgs: int, documents_per_org: int, assessments_per_org: int, force: bool = False,
             catalogue_files: list[Path] | None = None, max_bytes: int = 50 * 1024 * 1024,
             progress: Callable[[int], None] | None = None) -> Generated:
    """Make sure the organisations ``generated-0001`` to ``generated-<orgs>`` exist, making each one
    missing with its people, documents and assessments. Refuses (ActionError) a database holding
    anything the generator did not make, unless ``force``. Loads ``catalogue_files`` first when
    no SEC catalogue is in force. ``progress`` is called with the number of organisations done."""
    if orgs < 1 or documents_per_org < 0 or assessments_per_org < 0:
        raise ActionError("give at least one organisation, and no negative numbers")
    if assessments_per_org and not documents_per_org:
        raise ActionError("assessments link evidence: give at least one document per organisation")
    if not force and (found := real_data()):
        raise ActionError(f"this database holds data the generator did not make: {'; '.join(found)}. Generated "
                          "test data would be mixed into it; use a scratch database, or pass --force to add it "
                          "anyway")
    result = Generated()
    catalogue = FrameworkVersion.objects.in_force(assessment_actions.SEC_FRAMEWORK)
    if catalogue is None and assessments_per_org:
        for path in catalogue_files or []:
            result.loaded.append(load(native.parse_file(str(path), max_bytes)).label)
        catalogue = FrameworkVersion.objects.in_force(assessment_actions.SEC_FRAMEWORK)
        if catalogue is None:
            raise ActionError("no SEC catalogue is loaded: run `secassure catalogue load` first")
    result.catalogue = str(catalogue) if catalogue else ""
    existing = set(Organisation.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True))
    plan = _Plan(catalogue, documents_per_org, assessments_per_org)
    # The planner's statistics are refreshed each time the generated organisations double, and at
    # the end: with the figures of a database a fraction of the size (PostgreSQL's autovacuum may be
    # off, or not keep up with a bulk load), it picks plans that make each organisation slower to
    # write than the last, ten times slower by the thousandth.
    analysed_at = max(len(existing), ANALYSE_FIRST // 2)
    for number in range(1, orgs + 1):
        if slug_for(number) in existing:
            result.already += 1
        else:
            with transaction.atomic():
                plan.make(number, result)
            result.organisations += 1
            if (total := len(existing) + result.organisations) >= 2 * analysed_at:
                _analyse()
                analysed_at = total
        if progress:
            progress(number)
    if result.organisations and len(existing) + result.organisations > analysed_at:
        _analyse()
    return result


def _analyse() -> None:
    """Fresh statistics for PostgreSQL's planner: after a bulk load its estimates from the smaller
    tables would pick plans (and JIT compilation) that no installation of this size sees."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class _Plan:
    """What every generated organisation gets, worked out once: the applicable obligations and
    questions for each Party category, their top-level groups, the one password hash (unusable)."""

    def __init__(self, catalogue: FrameworkVersion | None, documents: int, assessments: int):
        self.catalogue, self.documents, self.assessments = catalogue, documents, assessments
        self.scope: dict[str, tuple[list, list]] = {}
        self.tops = assessment_actions._top_groups(catalogue) if catalogue else {}
        self.password = make_password(None)
        self.now = timezone.now()

    def applicable(self, org: Organisation) -> tuple[list, list]:
        # Generated organisations hold no User Roles, so what applies depends on the category alone.
        if org.category not in self.scope:
            self.scope[org.category] = assessment_actions.applicable(org, self.catalogue, [])
        return self.scope[org.category]

    def make(self, number: int, result: Generated) -> None:
        category = CATEGORIES[(number - 1) % len(CATEGORIES)]
        org = Organisation.objects.create(name=f"Generated Energy {number:04d} Ltd", slug=slug_for(number),
                                          category=category, sec_party_id=f"GEN{number:04d}")
        users = get_user_model().objects.bulk_create([
            get_user_model()(username=email_for(role, number), email=email_for(role, number),
                             first_name=MemberRole(role).label, last_name=f"{number:04d}", password=self.password,
                             date_joined=self.now)
            for role in MEMBERS])
        Membership.objects.bulk_create([Membership(user=user, organisation=org, role=role)
                                        for user, role in zip(users, MEMBERS, strict=True)])
        owner, contributor = users[0], users[1]
        documents = Document.objects.bulk_create([
            Document(organisation=org, title=f"{DOC_TYPES[i % len(DOC_TYPES)].title()} {i + 1}",
                     doc_type=DOC_TYPES[i % len(DOC_TYPES)], owner=owner, status="approved")
            for i in range(self.documents)])
        counts = {"rows": 0, "answers": 0, "links": 0}
        made = []
        if self.assessments:
            obligations, questions = self.applicable(org)
            year = timezone.localdate().year
            for k in range(self.assessments):
                newest = k == self.assessments - 1
                made.append(Assessment(
                    organisation=org, kind=AssessmentType.SSA if k % 2 else AssessmentType.FUSA,
                    catalogue=self.catalogue, title=f"Generated assessment {year - self.assessments + k + 1}",
                    status=AssessmentStatus.PREPARATION if newest else AssessmentStatus.SUBMITTED,
                    submitted_at=None if newest else self.now - dt.timedelta(days=365 * (self.assessments - k)),
                    submitted_by=None if newest else owner, created_by=owner))
            made = Assessment.objects.bulk_create(made)
            self._fill(made, obligations, questions, number, (owner.pk, contributor.pk), [d.pk for d in documents],
                       counts)
        record(AuditEvent.TENANCY_ORGANISATION_CREATED, org, organisation=org,
               reason="test data made by secassure generate",
               after={**org.as_dict(), "generated": {
                   "people": [u.email for u in users], "documents": len(documents),
                   "assessments": [a.pk for a in made], "catalogue": result.catalogue, **counts}})
        result.people += len(users)
        result.documents += len(documents)
        result.assessments += len(made)
        for key, value in counts.items():
            setattr(result, key, getattr(result, key) + value)

    def _fill(self, made: list[Assessment], obligations, questions, seed: int, owners: tuple[int, int],
              documents: list[int], counts: dict) -> None:
        """Rows, answers and links for all of an organisation's assessments at once: three inserts
        and one read, however many assessments it has."""
        rows, answers = [], []
        for k, assessment in enumerate(made):
            pk = assessment.pk
            for order, o in enumerate(obligations):
                state = STATES[(order + seed + k) % len(STATES)]
                narrative = "" if state == Compliance.NOT_ASSESSED else f"How {o.ref} is met, in a sentence or two."
                na_reason = "The activity is not carried on." if state == Compliance.NOT_APPLICABLE else ""
                tested = self.now.date() - dt.timedelta(days=(order * 7 + seed) % 700) if narrative else None
                rows.append((pk, o.pk, self.tops.get(o.group_id, ""), order, state, narrative, na_reason, tested,
                             owners[order % 2] if narrative else None))
            for order, q in enumerate(questions):
                choices = [a for a in answers_for(q.answer_kind) if a]
                turn = order + seed + k
                answer = choices[turn % len(choices)] if choices and turn % 5 else Answer.UNANSWERED
                answers.append((pk, q.pk, order, answer, "As recorded in the register." if answer else ""))
        counts["rows"] += inserting.insert(ValidationRow, ("assessment_id", "obligation_id", "group_ref", "order",
                                                           "status", "narrative", "na_reason", "last_tested",
                                                           "owner_id"), rows)
        counts["answers"] += inserting.insert(QuestionAnswer, ("assessment_id", "question_id", "order", "answer",
                                                               "narrative"), answers)
        if documents:
            row_ids = (ValidationRow.objects.filter(assessment__in=made).order_by("assessment_id", "order")
                       .values_list("assessment_id", "pk", "order"))
            links = [(assessment_id, row, documents[(order + assessment_id) % len(documents)])
                     for assessment_id, row, order in row_ids if order % LINK_EVERY == 0]
            counts["links"] += inserting.insert(EvidenceLink, ("assessment_id", "row_id", "document_id"), links)
