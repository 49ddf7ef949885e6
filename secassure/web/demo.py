"""Demo data for a first look: the shipped catalogue, one organisation and one login.

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from secassure.audit.actions import record
from secassure.catalogue.importers import native
from secassure.catalogue.loader import load
from secassure.tenancy.models import Organisation

DEMO_EMAIL = "alice@demo.secassure.test"
DEMO_PASSWORD = "secassure-demo"  # noqa: S105 - published on purpose: it is the demo login
DEMO_ORG = ("Demo Energy Supply Ltd", "demo-energy")


def load_demo(catalogue_files: list[Path], max_bytes: int) -> dict:
    lines = []
    for path in catalogue_files:
        result = load(native.parse_file(str(path), max_bytes))
        lines.append(f"{path.name}: {result.label} {result.outcome}")
    with transaction.atomic():
        org, created = Organisation.objects.get_or_create(slug=DEMO_ORG[1], defaults={"name": DEMO_ORG[0]})
        if created:
            record("tenancy.organisation.created", org, organisation=org, after={"name": org.name, "slug": org.slug},
                   reason="demo data")
        User = get_user_model()
        user = User.objects.filter(username=DEMO_EMAIL).first()
        if user is None:
            user = User(username=DEMO_EMAIL, email=DEMO_EMAIL, first_name="Alice", last_name="Demo",
                        is_staff=True, is_superuser=True)
            user.set_password(DEMO_PASSWORD)
            user.save()
            record("auth.user.created", user, after={"email": user.email, "is_superuser": True},
                   reason="demo data")
    return {"catalogue": lines, "organisation": org.slug, "login": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}}
