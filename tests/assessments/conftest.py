"""Fixtures for assessments: org A holding its supplier roles, and a draft SSA on the shipped
catalogue or on the small test catalogue."""

import pytest


@pytest.fixture
def supplier_roles(org_a):
    from secassure.profile.models import RoleHolding

    for role in ("import-supplier", "gas-supplier"):
        RoleHolding.objects.create(organisation=org_a, role=role, user_ids=[])
    return org_a


@pytest.fixture
def ssa(shipped_catalogue, supplier_roles, alice):
    from secassure.assessments import actions

    return actions.create_assessment(supplier_roles, kind="ssa", by=alice, title="SSA 2026").assessment


@pytest.fixture
def cat(db, write):
    """The small test catalogue of tests/assessments/helpers.py, published as sec-g@test.1."""
    from tests.assessments import helpers

    return helpers.tiny(write)


@pytest.fixture
def a(cat, org_a, alice):
    """A draft SSA on the small catalogue: rows T1, T2 and answers Q1, Q2."""
    from secassure.assessments import actions
    from tests.assessments import helpers

    helpers.hold(org_a, "import-supplier")
    return actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
