"""The door: what each role may do in an organisation, asked in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

import secassure
from secassure.errors import ActionError
from secassure.tenancy import access
from secassure.tenancy.choices import MemberRole
from tests.personas import join, make_user

SOURCE = Path(secassure.__file__).parent
EVERY_PERMISSION = sorted({p for allowed in access.PERMISSIONS.values() for p in allowed})


@pytest.mark.parametrize("role", list(MemberRole))
def test_a_door_allows_exactly_what_the_role_allows(org_a, role):
    person = make_user(f"{role}@a.test")
    join(person, org_a, role)
    door = access.door_of(person, org_a)
    assert door.role == role and not door.operator
    for permission in EVERY_PERMISSION:
        assert door.may(permission) == (permission in access.PERMISSIONS[role])


def test_the_command_line_door_opens_to_everything(org_a):
    door = access.door_of(None, org_a)
    assert door.operator and door.role is None
    assert all(door.may(p) for p in EVERY_PERMISSION)
    door.need(access.MANAGE_MEMBERS)
    access.require(None, org_a, access.MANAGE_MEMBERS)


def test_someone_outside_the_organisation_has_no_door_and_gets_404(org_a, org_b, mallory):
    assert access.door_of(mallory, org_a) is None
    with pytest.raises(Http404):
        access.open_door(mallory, org_a.slug)
    with pytest.raises(Http404):
        access.member_door(mallory, org_a.slug)
    with pytest.raises(Http404):
        access.open_door(mallory, "no-such-organisation")
    with pytest.raises(ActionError, match="does not allow this"):
        access.require(mallory, org_a, access.VIEW)


@pytest.mark.parametrize("role", [MemberRole.PROVIDER, MemberRole.CIO_REVIEWER])
def test_a_provider_or_cio_reviewer_is_a_member_but_the_organisation_answers_404(org_a, role):
    person = make_user(f"{role}@a.test")
    join(person, org_a, role)
    assert access.member_door(person, org_a.slug).role == role
    with pytest.raises(Http404):
        access.open_door(person, org_a.slug)


def test_a_member_without_the_permission_gets_403_naming_their_role(org_a, bob):
    door = access.open_door(bob, org_a.slug, access.VIEW)
    with pytest.raises(PermissionDenied, match="^A Contributor may not do this$"):
        door.need(access.MANAGE_MEMBERS)
    with pytest.raises(PermissionDenied, match="^A Contributor may not do this$"):
        access.open_door(bob, org_a.slug, access.MANAGE_MEMBERS)
    observer = make_user("observer@a.test")
    join(observer, org_a, MemberRole.OBSERVER)
    with pytest.raises(PermissionDenied, match="^An Observer may not do this$"):
        access.open_door(observer, org_a.slug, access.EDIT)


def test_only_the_door_reads_the_permission_table_and_nothing_is_stamped_on_models():
    readers, stamps = [], []
    for path in sorted(SOURCE.rglob("*.py")):
        text = path.read_text()
        where = str(path.relative_to(SOURCE.parent))
        if path != SOURCE / "tenancy" / "access.py" and re.search(r"\bPERMISSIONS\b", text):
            readers.append(where)
        if "viewer_role" in text:
            stamps.append(where)
    for path in sorted(SOURCE.rglob("*.html")):
        if "viewer_role" in path.read_text():
            stamps.append(str(path.relative_to(SOURCE.parent)))
    assert not readers, f"ask a Door instead of reading the permission table: {', '.join(readers)}"
    assert not stamps, f"pass the Door instead of stamping the role on a model: {', '.join(stamps)}"
