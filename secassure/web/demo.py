"""Demo data for a first look: the shipped catalogue, one organisation and one login.

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

import datetime as dt
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

DEMO_EMAIL = "alice@demo.secassure.test"
DEMO_PASSWORD = "secassure-demo"  # noqa: S105 - published on purpose: it is the demo login
DEMO_ORG = ("Demo Energy Supply Ltd", "demo-energy")


def load_demo(catalogue_files: list[Path], max_bytes: int) -> dict:
    lines = []
    for path in catalogue_files:
        result = load(native.parse_file(str(path), max_bytes))
        lines.append(f"{path.name}: {result.label} {result.outcome}")
    for path in shipped_rule_files():
        outcome, ruleset = load_rules(read_rules(path, max_bytes))
        lines.append(f"{path.name}: {ruleset} {outcome}")
    with transaction.atomic():
        User = get_user_model()
        user = User.objects.filter(username=DEMO_EMAIL).first()
        if user is None:
            user = User(username=DEMO_EMAIL, email=DEMO_EMAIL, first_name="Alice", last_name="Demo",
                        is_staff=True, is_superuser=True)
            user.set_password(DEMO_PASSWORD)
            user.save()
            record("auth.user.created", user, after={"email": user.email, "is_superuser": True},
                   reason="demo data")
        org = Organisation.objects.filter(slug=DEMO_ORG[1]).first()
        if org is None:
            org = _demo_organisation(user)
        elif not Membership.objects.filter(organisation=org, user=user).exists():
            tenancy_actions.add_member(org, user, MemberRole.OWNER)
    return {"catalogue": lines, "organisation": org.slug, "login": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}}


def _demo_organisation(owner) -> Organisation:
    """A supplier in year 3 of its cycle whose domestic portfolio grew past the threshold."""
    today = timezone.localdate()
    cycle_start = add_months(today, -20)  # year 2 done, year 3 due in about four months
    org = tenancy_actions.create_organisation(name=DEMO_ORG[0], slug=DEMO_ORG[1], category="large-supplier",
                                              sec_party_id="DEMO-0042", cycle_start=cycle_start, owner=owner)
    profile_actions.add_role(org, "import-supplier", user_ids=["90-B3-D5-1F-30-00-00-01"], start_date=cycle_start)
    profile_actions.add_role(org, "gas-supplier", user_ids=["90-B3-D5-1F-30-00-00-02"], start_date=cycle_start)
    srp = profile_actions.add_srp_arrangement(org, provider_name="Northgate Shared Metering Services",
                                              provider_party_id="SRP-0007", start_date=cycle_start)
    profile_actions.add_user_system(org, name="Head-end integration (SRP hosted)", kind="primary",
                                    hosting="srp-hosted", srp_arrangement=srp, in_use_from=cycle_start)
    profile_actions.add_snapshot(org, as_of=cycle_start - dt.timedelta(days=90), domestic=200_000,
                                 non_domestic=8_000, smets1=40_000, smets2=150_000, source="SECAS count")
    profile_actions.add_snapshot(org, as_of=today - dt.timedelta(days=60), domestic=262_000, non_domestic=14_500,
                                 smets1=35_000, smets2=210_000, source="SECAS count")
    _demo_assessments(org, owner)
    return org


def _person(email: str, first: str, org: Organisation, role: str):
    """A colleague in the demo story; they cannot sign in (no password is set)."""
    user = get_user_model().objects.create_user(email, email, None, first_name=first)
    tenancy_actions.add_member(org, user, role)
    return user


def _pdf(title: str) -> bytes:
    return (f"%PDF-1.4\n1 0 obj << /Type /Catalog /Title ({title}) >> endobj\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n").encode()


def _demo_assessments(org: Organisation, owner) -> None:
    """Last year's VUSA, submitted and reviewed; the risk register since; this year's VUSA carried
    forward from it."""
    from secassure.assessments import actions as a
    from secassure.evidence import actions as evidence

    ravi = _person("ravi@demo.secassure.test", "Ravi", org, MemberRole.CONTRIBUTOR)
    dana = _person("dana@demo.secassure.test", "Dana", org, MemberRole.APPROVER)
    documents = {}
    for title, doc_type in (("Information Security Policy", "policy"), ("Access Control Procedure", "procedure"),
                            ("Risk Assessment Methodology", "procedure"), ("Penetration Test Report 2025", "report")):
        document = evidence.add_document(org, title=title, doc_type=doc_type, owner=ravi)
        evidence.add_version(document, chunks=[_pdf(title)], name=f"{title}.pdf", uploaded_by=ravi)
        documents[title] = document
    head_end = a.add_risk(org, by=ravi, title="Compromise of the SRP-hosted head-end integration",
                          asset="Head-end integration", threat="External attacker", vulnerability="Shared hosting",
                          inherent_likelihood=4, inherent_impact=4, residual_likelihood=2, residual_impact=3)
    a.add_risk(org, by=ravi, title="Misuse of privileged access by an insider", asset="User System administration",
               inherent_likelihood=3, inherent_impact=4, residual_likelihood=2, residual_impact=4)

    vusa = a.create_assessment(org, kind="vusa", by=owner, title="VUSA (cycle year 2)", cycle_year=2).assessment
    for move in ("preparation",):
        a.move(vusa, move, by=owner)
    evidence_for = {"G3": "Penetration Test Report 2025", "G4": "Access Control Procedure",
                    "G5": "Risk Assessment Methodology"}
    for row in vusa.rows.select_related("obligation"):
        row.assessment = vusa
        a.save_row(row, by=ravi, revision=row.revision, status="compliant",
                   narrative="Met as described in the ISMS; evidence linked.")
        document = documents.get(evidence_for.get(row.group_ref, "Information Security Policy"))
        a.link_evidence(row, document, by=ravi)
        a.check_item(row, by=owner, revision=row.revision)
    for answer in vusa.answers.select_related("question"):
        answer.assessment = vusa
        a.save_answer(answer, by=ravi, revision=answer.revision, answer="no",
                      narrative="No change of this kind since the FUSA.")
        a.check_item(answer, by=owner, revision=answer.revision)
    a.move(vusa, "internal-review", by=owner)
    a.move(vusa, "sign-off", by=owner)
    a.decide_materiality(vusa, by=dana, decision="not-material",
                         reason="No new systems or providers; residual risks unchanged since the FUSA.")
    a.move(vusa, "submitted", by=dana)
    # The User CIO reviewed it; the SSC found it satisfactory.
    from secassure.review import actions as review

    morgan = _person("morgan@cio.demo.secassure.test", "Morgan", org, MemberRole.CIO_REVIEWER)
    review.share(vusa, morgan, by=owner)
    first = vusa.rows.select_related("obligation").order_by("order").first()
    query = review.raise_query(vusa, first, by=morgan, text="Please show the alert log behind this row.")
    review.reply(query, by=ravi, text="The monthly alert report is attached.",
                 document=documents["Penetration Test Report 2025"])
    review.close_query(query, by=morgan, note="Seen; thank you.")
    review.comment(vusa, by=morgan, text="Responses are proportionate; no non-compliance found.")
    review.finalise(vusa, by=morgan)
    review.record_outcome(vusa, by=owner, decision="satisfactory", received_on=timezone.localdate(),
                          reference="SSC-DEMO-01", text="The SSC found the verification assessment satisfactory.")

    # Since then: the hosting changed and the portfolio grew; the register moved with it.
    head_end = a.update_risk(head_end, by=ravi, revision=head_end.revision, residual_likelihood=4,
                             reason="The SRP moved the head-end to a new hosting provider")
    smets1 = a.add_risk(org, by=ravi, title="More SMETS1 meters enrolled under the DCC", asset="SMETS1 estate",
                        inherent_likelihood=3, inherent_impact=5, residual_likelihood=3, residual_impact=5)
    # Past 250,000 domestic premises, year 3 is a VUSA rather than a self-assessment (see the plan).
    year3 = a.create_assessment(org, kind="vusa", by=owner, baseline=vusa, title="VUSA (cycle year 3)",
                                cycle_year=3).assessment
    a.add_change(year3, by=ravi, area="hosting", risk=head_end,
                 description="Northgate moved the head-end integration to a new data centre provider.")
    a.add_change(year3, by=ravi, area="portfolio", risk=smets1,
                 description="Domestic premises grew from 200,000 to 262,000, past the 250,000 threshold.")
