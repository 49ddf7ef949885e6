"""Demo data for a first look: the shipped catalogue and a believable story in two organisations.

- **Demo Energy Supply Ltd**, a supplier in year 3 of its cycle. Last year's VUSA is the baseline
  (the SSC found it satisfactory). Its User System is hosted by a Shared Resource Provider that
  maintains two of its documents, one of whose acceptances has lapsed since the provider uploaded
  a new version. This year's self-assessment records a change that materially increased risk, was
  submitted, and is with the User CIO, who has raised queries and written comments.
- **Demo Northern Networks plc**, an electricity network operator also in year 3. The SSC asked
  for actions after its VUSA; the remediation plan is signed and sent, one action is overdue. Its
  year-3 self-assessment is nearly ready: three rows and a question wait to be confirmed, checked,
  signed off and submitted, which a newcomer can finish in the browser.
- **Alice**, a consultant who runs both for her clients, is the login ``make run`` prints. Everyone
  in the story can sign in with the same published password (``DEMO_PEOPLE`` says who is who).

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from secassure.audit.actions import record
from secassure.catalogue.importers import native
from secassure.catalogue.loader import load
from secassure.profile import actions as profile_actions
from secassure.profile.planner import add_months
from secassure.profile.services import load_rules, read_rules, shipped_rule_files
from secassure.tenancy import actions as tenancy_actions
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Membership, Organisation

DEMO_PASSWORD = "secassure-demo"  # noqa: S105 - published on purpose: it is the demo's password
ENERGY = ("Demo Energy Supply Ltd", "demo-energy")
NETWORKS = ("Demo Northern Networks plc", "demo-networks")


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
               ((ENERGY[1], MemberRole.OWNER), (NETWORKS[1], MemberRole.OWNER)),
               "a consultant who runs both organisations' assurance (and the site's administrator)"),
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
               ((ENERGY[1], MemberRole.CIO_REVIEWER), (NETWORKS[1], MemberRole.CIO_REVIEWER)),
               "the independent User CIO, who reviews both organisations' assessments"),
)
DEMO_EMAIL = DEMO_PEOPLE[0].email


def load_demo(catalogue_files: list[Path], max_bytes: int) -> dict:
    lines = []
    for path in catalogue_files:
        result = load(native.parse_file(str(path), max_bytes))
        lines.append(f"{path.name}: {result.label} {result.outcome}")
    for path in shipped_rule_files():
        outcome, ruleset = load_rules(read_rules(path, max_bytes))
        lines.append(f"{path.name}: {ruleset} {outcome}")
    with transaction.atomic():
        people = {person.key: _user(person) for person in DEMO_PEOPLE}
        made = []
        for (name, slug), tell in ((ENERGY, _energy_supply), (NETWORKS, _northern_networks)):
            if not Organisation.objects.filter(slug=slug).exists():
                tell(people)
                made.append(name)
        for person in DEMO_PEOPLE:  # a person added to the story after an earlier load joins here
            for slug, role in person.roles:
                org = Organisation.objects.get(slug=slug)
                if not Membership.objects.filter(organisation=org, user=people[person.key]).exists():
                    tenancy_actions.add_member(org, people[person.key], role)
    return {"catalogue": lines, "organisations": [ENERGY[1], NETWORKS[1]], "created": made,
            "login": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            "people": [{"email": p.email, "name": f"{p.first_name} {p.last_name}", "what": p.what,
                        "roles": [{"organisation": slug, "role": role} for slug, role in p.roles]}
                       for p in DEMO_PEOPLE]}


def _user(person: DemoPerson):
    User = get_user_model()
    user = User.objects.filter(username=person.email).first()
    if user is None:
        admin = person.key == "alice"
        user = User(username=person.email, email=person.email, first_name=person.first_name,
                    last_name=person.last_name, is_staff=admin, is_superuser=admin)
        user.set_password(DEMO_PASSWORD)
        user.save()
        record("auth.user.created", user, after={"email": user.email, "is_superuser": admin}, reason="demo data")
    return user


def _organisation(name_slug: tuple[str, str], people: dict, *, category: str, party_id: str,
                  cycle_start: dt.date) -> Organisation:
    name, slug = name_slug
    alice = people["alice"]
    org = tenancy_actions.create_organisation(name=name, slug=slug, category=category, sec_party_id=party_id,
                                              cycle_start=cycle_start, owner=alice)
    for person in DEMO_PEOPLE:
        for where, role in person.roles:
            if where == slug and person.key != "alice":
                tenancy_actions.add_member(org, people[person.key], role)
    return org


def _pdf(title: str, edition: str = "") -> bytes:
    return (f"%PDF-1.4\n1 0 obj << /Type /Catalog /Title ({title}{edition}) >> endobj\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n").encode()


def _documents(org: Organisation, owner, titles: tuple[tuple[str, str], ...]) -> dict:
    from secassure.evidence import actions as evidence

    found = {}
    for title, doc_type in titles:
        document = evidence.add_document(org, title=title, doc_type=doc_type, owner=owner, status="approved")
        evidence.add_version(document, chunks=[_pdf(title)], name=f"{title}.pdf", uploaded_by=owner)
        found[title] = document
    return found


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
        a.save_answer(answer, by=by, revision=answer.revision, answer="no", narrative=narrative)
    return left


def _check_everything(assessment, *, by) -> None:
    from secassure.assessments import actions as a

    for item in [*assessment.rows.filter(confirmed=True, checked_by__isnull=True),
                 *assessment.answers.filter(confirmed=True, checked_by__isnull=True)]:
        item.assessment = assessment
        a.check_item(item, by=by, revision=item.revision)


def _submit(assessment, *, preparer, checker, approver, decision: str, reason: str) -> None:
    from secassure.assessments import actions as a

    a.move(assessment, "internal-review", by=preparer)
    _check_everything(assessment, by=checker)
    a.move(assessment, "sign-off", by=checker)
    a.decide_materiality(assessment, by=approver, decision=decision, reason=reason)
    a.move(assessment, "submitted", by=approver)


# --- Demo Energy Supply Ltd ------------------------------------------------------------------------


def _energy_supply(people: dict) -> Organisation:
    """A supplier under the portfolio thresholds, so year 3 is a self-assessment."""
    from secassure.assessments import actions as a
    from secassure.evidence import actions as evidence
    from secassure.review import actions as review

    alice, ravi, dana, priya, morgan = (people[k] for k in ("alice", "ravi", "dana", "priya", "morgan"))
    today = timezone.localdate()
    cycle_start = add_months(today, -22)  # the year-1 FUSA's fieldwork ended 22 months ago
    org = _organisation(ENERGY, people, category="large-supplier", party_id="DEMO-0042", cycle_start=cycle_start)
    profile_actions.add_role(org, "import-supplier", user_ids=["90-B3-D5-1F-30-00-00-01"], start_date=cycle_start)
    profile_actions.add_role(org, "gas-supplier", user_ids=["90-B3-D5-1F-30-00-00-02"], start_date=cycle_start)
    srp = profile_actions.add_srp_arrangement(org, provider_name="Northgate Shared Metering Services",
                                              provider_party_id="SRP-0007", start_date=cycle_start)
    profile_actions.add_user_system(org, name="Head-end integration (SRP hosted)", kind="primary",
                                    hosting="srp-hosted", srp_arrangement=srp, in_use_from=cycle_start)
    profile_actions.add_snapshot(org, as_of=cycle_start - dt.timedelta(days=90), domestic=150_000,
                                 non_domestic=4_000, smets1=40_000, smets2=100_000, source="SECAS count")
    profile_actions.add_snapshot(org, as_of=today - dt.timedelta(days=60), domestic=196_000, non_domestic=6_000,
                                 smets1=52_000, smets2=140_000, source="SECAS count")

    # The ISMS, and the two documents Northgate maintains for the hosted User System.
    documents = _documents(org, ravi, (
        ("Information Security Policy", "policy"), ("Access Control Procedure", "procedure"),
        ("Risk Assessment Methodology", "procedure"), ("Penetration Test Report", "report")))
    northgate = evidence.add_provider(org, name="Northgate Shared Metering Services", kind="srp",
                                      services="Hosts and runs the head-end integration (the User System)",
                                      relationship_start=cycle_start)
    evidence.assign_provider_member(northgate, Membership.objects.get(organisation=org, user=priya))
    statement = evidence.add_document(org, title="Northgate Hosting Security Statement", doc_type="standard",
                                      provider=northgate, status="approved")
    evidence.add_version(statement, chunks=[_pdf(statement.title)], name="hosting-security-statement.pdf",
                         uploaded_by=priya)
    evidence.accept(statement, accepted_by=dana,
                    basis="Read against G3 and G5; ISO/IEC 27001 certificate seen; controls match our ISMS.")
    summary = evidence.add_document(org, title="Northgate Penetration Test Summary", doc_type="report",
                                    provider=northgate, status="approved")
    evidence.add_version(summary, chunks=[_pdf(summary.title)], name="pen-test-summary.pdf", uploaded_by=priya)
    evidence.accept(summary, accepted_by=dana, basis="Scope covers the hosted head-end; no high findings open.")

    head_end = a.add_risk(org, by=ravi, title="Compromise of the SRP-hosted head-end integration",
                          asset="Head-end integration", threat="External attacker", vulnerability="Shared hosting",
                          inherent_likelihood=4, inherent_impact=4, residual_likelihood=2, residual_impact=3)
    a.add_risk(org, by=ravi, title="Misuse of privileged access by an insider", asset="User System administration",
               inherent_likelihood=3, inherent_impact=4, residual_likelihood=2, residual_impact=4)

    # Year 2: the VUSA, reviewed by the CIO and found satisfactory by the SSC.
    evidence_for = {"G3": documents["Penetration Test Report"], "G4": documents["Access Control Procedure"],
                    "G5": documents["Risk Assessment Methodology"]}
    vusa = a.create_assessment(org, kind="vusa", by=alice, title="VUSA (cycle year 2)", cycle_year=2).assessment
    a.move(vusa, "preparation", by=alice)
    _answer_everything(vusa, by=ravi, evidence_for=evidence_for, default_document=documents[
        "Information Security Policy"], narrative="No change of this kind since the FUSA.")
    _submit(vusa, preparer=ravi, checker=alice, approver=dana, decision="not-material",
            reason="No new systems or providers; residual risks unchanged since the FUSA.")
    review.share(vusa, morgan, by=alice)
    first = vusa.rows.select_related("obligation").order_by("order").first()
    query = review.raise_query(vusa, first, by=morgan, text="Please show the alert log behind this row.")
    review.reply(query, by=ravi, text="The monthly alert report is attached.",
                 document=documents["Penetration Test Report"])
    review.close_query(query, by=morgan, note="Seen; thank you.")
    review.comment(vusa, by=morgan, text="Responses are proportionate; no non-compliance found.")
    review.finalise(vusa, by=morgan)
    review.record_outcome(vusa, by=alice, decision="satisfactory", received_on=today - dt.timedelta(days=200),
                          reference="SSC-DEMO-01", text="The SSC found the verification assessment satisfactory.")

    # Since then: Northgate moved the head-end and sent a new statement, not yet accepted.
    evidence.add_version(statement, chunks=[_pdf(statement.title, " (revised)")],
                         name="hosting-security-statement-v2.pdf", uploaded_by=priya,
                         note="New data centre provider from this quarter")
    head_end = a.update_risk(head_end, by=ravi, revision=head_end.revision, residual_likelihood=4,
                             reason="Northgate moved the head-end to a new data centre provider")
    smets1 = a.add_risk(org, by=ravi, title="More SMETS1 meters enrolled under the DCC", asset="SMETS1 estate",
                        inherent_likelihood=3, inherent_impact=4, residual_likelihood=2, residual_impact=4)

    # Year 3: the self-assessment, submitted with a material increase and now with the CIO.
    ssa = a.create_assessment(org, kind="ssa", by=alice, baseline=vusa, title="Self-assessment (cycle year 3)",
                              cycle_year=3).assessment
    a.move(ssa, "preparation", by=ravi)
    a.add_change(ssa, by=ravi, area="hosting", risk=head_end,
                 description="Northgate moved the head-end integration to a new data centre provider.")
    a.add_change(ssa, by=ravi, area="smets1", risk=smets1,
                 description="SMETS1 meters grew from 40,000 to 52,000 as more were enrolled under the DCC.")
    _answer_everything(ssa, by=ravi, evidence_for=evidence_for,
                       default_document=documents["Information Security Policy"],
                       narrative="No change of this kind since the VUSA, other than those in the change log.")
    hosting_row = ssa.rows.filter(group_ref="G3").select_related("obligation").order_by("order").first()
    hosting_row.assessment = ssa
    a.link_evidence(hosting_row, statement, by=ravi)
    _submit(ssa, preparer=ravi, checker=alice, approver=dana, decision="material",
            reason="The move to a new data centre raised the head-end's residual risk from 6 to 12, at our "
                   "threshold; the SMETS1 growth stays within existing controls. Compensating controls are "
                   "in the change log.")
    review.share(ssa, morgan, by=alice)
    query = review.raise_query(ssa, hosting_row, by=morgan,
                               text="Which certificate covers the new data centre? Please show Northgate's "
                                    "assurance of it.")
    review.reply(query, by=ravi, text="Northgate's revised hosting statement covers it; the certificate is "
                                      "appended to it.", document=statement)
    first_answer = ssa.answers.select_related("question").order_by("order").first()
    review.raise_query(ssa, first_answer, by=morgan,
                       text="The answer says nothing changed, but the change log records a new data centre "
                            "provider. Please reconcile the two.")
    review.comment(ssa, by=morgan, item=hosting_row,
                   text="The residual-risk rise is well explained; the compensating controls need evidence of "
                        "operation, not only design.")
    review.comment(ssa, by=morgan, text="A proportionate self-assessment; the material increase is identified "
                                        "and owned. Two queries remain before my comments are final.")
    return org


# --- Demo Northern Networks plc --------------------------------------------------------------------


def _northern_networks(people: dict) -> Organisation:
    """A network operator whose VUSA came back with actions, and whose self-assessment is nearly done."""
    from secassure.assessments import actions as a
    from secassure.evidence import actions as evidence
    from secassure.review import actions as review
    from secassure.review import remediation

    alice, kofi, helen, morgan = (people[k] for k in ("alice", "kofi", "helen", "morgan"))
    today = timezone.localdate()
    cycle_start = add_months(today, -21)
    org = _organisation(NETWORKS, people, category="electricity-network", party_id="DEMO-0107",
                        cycle_start=cycle_start)
    profile_actions.add_role(org, "electricity-distributor", user_ids=["90-B3-D5-1F-30-00-01-07"],
                             start_date=cycle_start)
    profile_actions.add_user_system(org, name="Network monitoring User System", kind="primary",
                                    hosting="bespoke", in_use_from=cycle_start)
    profile_actions.add_snapshot(org, as_of=cycle_start - dt.timedelta(days=60), domestic=104_000, non_domestic=0,
                                 source="SECAS count")
    profile_actions.add_snapshot(org, as_of=today - dt.timedelta(days=45), domestic=120_000, non_domestic=0,
                                 source="SECAS count")
    documents = _documents(org, kofi, (
        ("Information Security Policy", "policy"), ("Joiners, Movers and Leavers Procedure", "procedure"),
        ("Vulnerability Scan Report", "report")))
    continuity = evidence.add_document(org, title="Business Continuity Plan", doc_type="plan", owner=kofi,
                                       status="approved")
    evidence.add_version(continuity, chunks=[_pdf(continuity.title)], name="business-continuity-plan.pdf",
                         uploaded_by=kofi, effective_date=add_months(today, -12) + dt.timedelta(days=20))
    a.add_risk(org, by=kofi, title="Stale privileged accounts on the User System", asset="User System",
               inherent_likelihood=4, inherent_impact=3, residual_likelihood=2, residual_impact=3)
    evidence_for = {"G4": documents["Joiners, Movers and Leavers Procedure"],
                    "G3": documents["Vulnerability Scan Report"]}
    default = documents["Information Security Policy"]

    vusa = a.create_assessment(org, kind="vusa", by=alice, title="VUSA (cycle year 2)", cycle_year=2).assessment
    a.move(vusa, "preparation", by=kofi)
    _answer_everything(vusa, by=kofi, evidence_for=evidence_for, default_document=default,
                       narrative="No change of this kind since the FUSA.")
    _submit(vusa, preparer=kofi, checker=alice, approver=helen, decision="not-material",
            reason="The User System and its operators are unchanged since the FUSA.")
    review.share(vusa, morgan, by=alice)
    review.comment(vusa, by=morgan, text="Leaver reviews for privileged accounts are not evidenced, and the "
                                         "last vulnerability scan is more than a year old.")
    review.finalise(vusa, by=morgan)
    review.record_outcome(vusa, by=alice, decision="actions", received_on=today - dt.timedelta(days=75),
                          reference="SSC-DEMO-17",
                          text="The SSC asks for a remediation plan for the two points in the CIO's comments.")
    leavers = remediation.add_finding(org, by=alice, kind="potential", source="ssc", assessment=vusa, clause="G4.4",
                                      severity="medium",
                                      description="Leaver reviews for privileged accounts are not evidenced.")
    scan = remediation.add_finding(org, by=alice, kind="actual", source="ssc", assessment=vusa, clause="G3.6",
                                   severity="high", description="The User System's vulnerability scan is overdue.")
    plan = remediation.open_plan(vusa, by=alice)
    done = remediation.add_action(plan, by=alice, finding=scan, owner=kofi, clause="G3.6",
                                  description="Run an authenticated vulnerability scan of the User System.",
                                  target_date=today - dt.timedelta(days=40))
    remediation.add_action(plan, by=alice, finding=leavers, owner=kofi, clause="G4.4",
                           description="Review every privileged account against HR leaver records.",
                           target_date=today - dt.timedelta(days=10))
    remediation.add_action(plan, by=alice, finding=leavers, owner=kofi, clause="G4.4",
                           description="Automate the monthly leaver check and keep its reports.",
                           target_date=today + dt.timedelta(days=45))
    remediation.sign_letter(plan, by=helen, signed_on=today - dt.timedelta(days=60),
                            commitments="We will complete the actions in this plan by their target dates.")
    remediation.send_plan(plan, by=alice, sent_on=today - dt.timedelta(days=58))
    done.refresh_from_db()
    remediation.update_action(done, by=kofi, revision=done.revision, status="in-progress")
    done.refresh_from_db()
    remediation.update_action(done, by=kofi, revision=done.revision, status="done",
                              closure_evidence=documents["Vulnerability Scan Report"])

    # Year 3: the self-assessment, carried forward, nearly ready for sign-off.
    ssa = a.create_assessment(org, kind="ssa", by=alice, baseline=vusa, title="Self-assessment (cycle year 3)",
                              cycle_year=3).assessment
    a.move(ssa, "preparation", by=kofi)
    a.add_change(ssa, by=kofi, area="people", description="A new Head of Security joined in the spring.")
    _answer_everything(ssa, by=kofi, evidence_for=evidence_for, default_document=default, leave=3,
                       narrative="No change of this kind since the VUSA, other than those in the change log.")
    _check_everything(ssa, by=alice)
    return org
