"""Plain helpers for the assessment tests: a tiny published SEC catalogue of our own, and short
ways to fill, check and submit an assessment through the real actions."""

from __future__ import annotations

from django.conf import settings

from secassure.assessments import actions
from secassure.assessments.choices import MATERIALITY_TYPES, AssessmentStatus
from secassure.assessments.declaration import DECLARATION
from secassure.catalogue.importers import native
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion
from secassure.profile.models import RoleHolding
from tests.personas import join, make_user

S = AssessmentStatus

# Org A is a large supplier; org B a small one. With org A holding import-supplier (and
# gas-supplier), T1 and T2 apply; T3 needs export-supplier, T4 is for small suppliers only, T0 is a
# heading. Q1 and Q2 apply to large suppliers, Q1 and Q3 to small ones.
TINY = """\
format: secassure.catalogue/1
framework: {slug: sec-g, name: "SEC Section G (test copy)", kind: regulation}
version:
  version: "test.1"
  status: published
  effective_date: 2026-01-01
groups:
  - {ref: G3, title: System security}
  - {ref: G3.A, title: Monitoring, parent: G3}
  - {ref: G5, title: Information security}
obligations:
  - ref: T0
    group: G5
    title: A heading only
    summary: Not a row of its own.
    assessable: false
  - ref: T1
    group: G3
    title: For every party and role
    summary: Applies to everyone.
    applicability: {categories: [all], roles: [all]}
  - ref: T2
    group: G3.A
    title: Large import suppliers
    summary: Applies to large suppliers that hold the import supplier role.
    applicability: {categories: [large-supplier], roles: [import-supplier]}
  - ref: T3
    group: G5
    title: Large export suppliers
    summary: Applies to large suppliers that hold the export supplier role.
    applicability: {categories: [large-supplier], roles: [export-supplier]}
  - ref: T4
    group: G5
    title: Small suppliers
    summary: Applies to small suppliers only.
    applicability: {categories: [small-supplier], roles: [all]}
questions:
  - {ref: Q1, text: Has anything changed for everyone?, topic: changes, clauses: [T1], categories: [all]}
  - {ref: Q2, text: Has anything changed for large suppliers?, topic: risk, clauses: [T2],
     categories: [large-supplier]}
  - {ref: Q3, text: Has anything changed for small suppliers?, topic: systems, clauses: [T4],
     categories: [small-supplier]}
"""


# A published sec-g version whose questions take each kind of answer, all applying to everyone: K1
# worries on Yes, K2 on No (the default, left unsaid), K3 takes a progress status, K4 words.
KINDS = """\
format: secassure.catalogue/1
framework: {slug: sec-g, name: "SEC Section G (test copy)", kind: regulation}
version:
  version: "kinds.1"
  status: published
  effective_date: 2026-01-01
groups:
  - {ref: G3, title: System security}
obligations:
  - ref: T1
    group: G3
    title: For every party and role
    summary: Applies to everyone.
questions:
  - {ref: K1, text: "Has the hosting changed?", topic: hosting, clauses: [T1], answer_kind: yes-no, concern: "yes"}
  - {ref: K2, text: "Were access rights reviewed as required?", topic: people, clauses: [T1]}
  - {ref: K3, text: "What is the status of last year's findings?", topic: changes, clauses: [T1],
     answer_kind: status}
  - {ref: K4, text: "What did you learn from incidents?", topic: incidents, clauses: [T1], answer_kind: text}
"""


def kinds(write) -> FrameworkVersion:
    return load_text(write, KINDS, "kinds.yaml")


def kinds_in_preparation(write, org, *, owner, maker):
    """An SSA in preparation on the answer-kinds catalogue: K1, K2 yes-no, K3 status, K4 words."""
    catalogue = kinds(write)
    hold(org, "import-supplier")
    assessment = actions.create_assessment(org, kind="ssa", by=owner, catalogue=catalogue,
                                           title="SSA 2026").assessment
    actions.move(assessment, "preparation", by=maker)
    return assessment


def numbered(n: int, version: str) -> str:
    """A published sec-g version with n assessable obligations that apply to everyone, no questions."""
    lines = [
        "format: secassure.catalogue/1",
        'framework: {slug: sec-g, name: "SEC Section G (test copy)", kind: regulation}',
        f'version: {{version: "{version}", status: published}}',
        "groups:",
        "  - {ref: G3, title: System security}",
        "obligations:",
    ]
    lines += [f"  - {{ref: N{i}, group: G3, title: Obligation {i}, summary: Number {i}.}}" for i in range(n)]
    return "\n".join(lines) + "\n"


def load_text(write, text: str, name: str) -> FrameworkVersion:
    path = write(name, text)
    result = load(native.parse_file(str(path), settings.SECASSURE_MAX_IMPORT_BYTES))
    slug, version = result.label.split("@", 1)
    return FrameworkVersion.objects.get(framework__slug=slug, version=version)


def tiny(write) -> FrameworkVersion:
    return load_text(write, TINY, "tiny.yaml")


def hold(org, *roles: str, **dates) -> None:
    for role in roles:
        RoleHolding.objects.create(organisation=org, role=role, user_ids=[], **dates)


def member(org, email: str, role: str):
    user = make_user(email)
    join(user, org, role)
    return user


def rows_of(assessment):
    """The rows as the workspace loads them, each knowing its assessment (and so its organisation)."""
    rows = list(assessment.rows.select_related("obligation", "owner", "updated_by", "checked_by"))
    for row in rows:
        row.assessment = assessment
    return rows


def answers_of(assessment):
    answers = list(assessment.answers.select_related("question", "owner", "updated_by", "checked_by"))
    for answer in answers:
        answer.assessment = assessment
    return answers


def row(assessment, ref: str):
    return next(r for r in rows_of(assessment) if r.obligation.ref == ref)


def answer(assessment, ref: str):
    return next(a for a in answers_of(assessment) if a.question.ref == ref)


def fill(assessment, maker, checker=None) -> None:
    """Assess every row and answer every question (as the maker), then check each (as the checker)."""
    for item in rows_of(assessment):
        status = "compliant" if item.status == "not-assessed" else item.status
        actions.save_row(item, by=maker, revision=item.revision, status=status,
                         narrative=item.narrative or f"{item.obligation.ref} is met")
    for item in answers_of(assessment):
        if item.question.answer_kind == "text":  # answered in words: the narrative is the answer
            actions.save_answer(item, by=maker, revision=item.revision,
                                narrative=item.narrative or f"{item.question.ref} in words")
        else:
            default = "all-closed" if item.question.answer_kind == "status" else "no"
            actions.save_answer(item, by=maker, revision=item.revision, answer=item.answer or default)
    if checker is not None:
        for item in rows_of(assessment) + answers_of(assessment):
            actions.check_item(item, by=checker, revision=item.revision)


def submit(assessment, *, maker, checker, approver):
    """Take an assessment from wherever it is in preparation to submitted, through the real moves."""
    if assessment.status == S.DRAFT:
        actions.move(assessment, S.PREPARATION, by=maker)
    fill(assessment, maker, checker)
    actions.move(assessment, S.INTERNAL_REVIEW, by=maker)
    actions.move(assessment, S.SIGN_OFF, by=checker)
    assessment.refresh_from_db()
    if assessment.kind in MATERIALITY_TYPES and not assessment.decision:
        actions.decide_materiality(assessment, by=approver, decision="not-material", reason="nothing material")
    actions.move(assessment, S.SUBMITTED, by=approver, declaration=DECLARATION.version)
    assessment.refresh_from_db()
    return assessment


def conduct(assessment, *, owner, cio, responder=None, approver=None, results: dict | None = None,
            summary: str = "Fieldwork on site; findings as listed.", sent_on=None):
    """Take an assessment the User CIO conducts through the real steps: the Owner shares it with the
    CIO (who must already be a CIO reviewer of the organisation), the CIO records the fieldwork's
    dates and a result on every obligation (``results`` maps obligation refs to (result, note); the
    rest are compliant), writes and issues the report. With ``responder`` and ``approver`` the User
    then responds to each finding, an Approver signs each off, and the Owner sends the response."""
    import datetime as dt

    from django.utils import timezone

    from secassure.review import actions as review
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review import remediation_actions as remediation

    results = results or {}
    review.share(assessment, cio, by=owner)
    today = timezone.localdate()
    fieldwork.record_fieldwork(assessment, by=cio, start=today - dt.timedelta(days=5),
                               end=today - dt.timedelta(days=3))
    for item in rows_of(assessment):
        result, note = results.get(item.obligation.ref, ("compliant", ""))
        fieldwork.record_result(item, by=cio, result=result, note=note)
    fieldwork.write_report(assessment, by=cio, summary=summary)
    fieldwork.issue_report(assessment, by=cio)
    assessment.refresh_from_db()
    if responder is None:
        return assessment
    for finding in assessment.findings.all():
        finding = remediation.respond(finding, by=responder, response=f"We will fix {finding.clause}.",
                                      revision=finding.revision)
        fieldwork.approve_response(finding, by=approver, revision=finding.revision)
    fieldwork.send_response(assessment, by=owner, sent_on=sent_on or today)
    assessment.refresh_from_db()
    return assessment
