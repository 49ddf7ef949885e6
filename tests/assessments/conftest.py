"""Fixtures for assessments: an Approver (dave), org A holding its supplier roles, and a draft SSA
on the shipped catalogue."""

import pytest

from tests.conftest import join, make_user


@pytest.fixture
def dave(org_a):
    """Approver in org A: management, who signs off what others prepared."""
    user = make_user("dave@a.test")
    join(user, org_a, "approver")
    return user


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
