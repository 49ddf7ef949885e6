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
    return org
