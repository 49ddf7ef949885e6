# ruff: noqa: F811 (the fixtures are imported by name and used as arguments)
"""Who may own a remediation action: someone whose role lets them carry remediation forward (an
Owner or a Contributor), shown by name. The CIO reviewer, an Approver and an Observer are not
offered, and the action refuses them."""

import re

import pytest

from secassure.errors import ActionError
from secassure.review import remediation_actions as remediation
from secassure.tenancy.actions import change_role
from secassure.tenancy.models import Membership
from tests.review.remediation_fixtures import (  # noqa: F401 (fixtures)
    DAY,
    TODAY,
    action,
    cat,
    plan,
    ssa,
    today,
)


def plan_url(plan, rest=""):
    return f"/orgs/{plan.organisation.slug}/remediation/{plan.pk}/{rest}"


def _options(page: str, select: str) -> list[str]:
    found = re.search(rf"<select[^>]*{select}[^>]*>(.*?)</select>", page, re.S)
    assert found, select
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


@pytest.fixture
def named(alice, bob, carol, olive):
    for user, first, last in ((alice, "Alice", "Archer"), (bob, "Bob", "Baker"), (carol, "Carol", "Cole"),
                              (olive, "Olive", "Oakes")):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])


def test_the_board_offers_only_people_who_may_carry_remediation_forward(client, named, bob, carol, dave, olive,
                                                                        plan, today):
    item = action(plan, bob, owner=bob)
    client.force_login(bob)
    board = client.get(plan_url(plan)).content.decode()
    assert _options(board, 'id="add-owner"') == ["Nobody yet", "Alice Archer", "Bob Baker"]
    assert _options(board, f'id="action-{item.pk}-owner"') == ["Nobody yet", "Alice Archer", "Bob Baker"]
    assert "<td data-label=\"Owner\">Bob Baker</td>" in board and "bob@a.test" not in board

    refused = client.post(plan_url(plan, "actions/"), {"description": "Ask the CIO to do it",
                                                       "target_date": (TODAY + DAY).isoformat(), "owner": carol.pk})
    assert refused.status_code == 400 and plan.actions.count() == 1
    with pytest.raises(ActionError) as cio:
        action(plan, bob, owner=carol)
    assert str(cio.value) == ("Carol Cole cannot be the action's owner: a CIO reviewer may not work on findings and "
                              "remediation in Alpha Energy Ltd. Choose an Owner or a Contributor.")
    for owner in (dave, olive):
        with pytest.raises(ActionError, match="cannot be the action's owner: an (Approver|Observer) may not"):
            remediation.update_action(item, by=bob, revision=1, owner=owner)
    item.refresh_from_db()
    assert (item.owner, item.revision, plan.actions.count()) == (bob, 1, 1)


def test_an_action_keeps_an_owner_whose_role_changed_until_someone_chooses_another(client, named, alice, bob,
                                                                                   org_a, plan, today):
    item = action(plan, bob, owner=bob)
    change_role(Membership.objects.get(user=bob, organisation=org_a), "observer", by=None)
    client.force_login(alice)
    board = client.get(plan_url(plan)).content.decode()
    assert "Bob Baker" not in _options(board, 'id="add-owner"')
    assert re.search(rf'<option value="{bob.pk}" selected>Bob Baker</option>', board)

    saved = client.post(plan_url(plan, f"actions/{item.pk}/"), {
        "revision": "1", "description": "Review access monthly", "target_date": (TODAY + 40 * DAY).isoformat(),
        "status": "planned", "owner": bob.pk})
    assert saved.status_code == 302
    item.refresh_from_db()
    assert (item.description, item.owner) == ("Review access monthly", bob)
    with pytest.raises(ActionError, match="Bob Baker cannot be the action's owner: an Observer may not"):
        action(plan, alice, owner=bob)
