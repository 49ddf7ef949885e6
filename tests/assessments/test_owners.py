"""People on the assessment pages: shown by name, and offered as owners only where their role lets
them do the work. The CIO reviewer (independent of the work), a provider and an observer are
never given a row or a risk; the actions refuse them whatever the page offered."""

import re

import pytest

from secassure.assessments import actions
from secassure.assessments.models import Risk, ValidationRow
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.tenancy.actions import change_role
from secassure.tenancy.models import Membership
from tests.assessments import helpers

HX = {"HTTP_HX_REQUEST": "true"}
CIO_REFUSED = ("Carol Cole cannot be the owner: a CIO reviewer may not edit assessments in Alpha Energy Ltd. "
               "Choose an Owner or a Contributor.")


def _url(a, rest=""):
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/{rest}"


def _named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _options(page: str, select: str) -> list[str]:
    """The labels offered by the select whose opening tag contains ``select`` (its id or name)."""
    found = re.search(rf"<select[^>]*{select}[^>]*>(.*?)</select>", page, re.S)
    assert found, select
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


@pytest.fixture
def people(alice, bob, carol, olive, dave, org_a):
    """Org A's people with names (dave, the Approver, has none), and a provider."""
    priya = helpers.member(org_a, "priya@northgate.test", "provider")
    _named(alice, "Alice", "Archer")
    _named(bob, "Bob", "Baker")
    _named(carol, "Carol", "Cole")
    _named(olive, "Olive", "Oakes")
    _named(priya, "Priya", "Shah")
    return {"alice": alice, "bob": bob, "carol": carol, "olive": olive, "dave": dave, "priya": priya}


def test_pages_show_people_by_name(client, people, a):
    alice, bob = people["alice"], people["bob"]
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=1, status="compliant", owner=bob)
    actions.check_item(t1, by=alice, revision=2)
    client.force_login(alice)

    workspace = client.get(_url(a)).content.decode()
    assert "<td data-label=\"Owner\">Bob Baker</td>" in workspace and "Checked by Alice Archer" in workspace
    assert "Bob Baker" in _options(workspace, 'id="bulk-owner"')
    assert "bob@a.test" not in workspace and "alice@a.test" not in workspace

    form = client.get(_url(a, f"rows/{t1.pk}/?edit=1"), **HX).content.decode()
    assert _options(form, 'name="owner"') == ["Nobody", "Alice Archer", "Bob Baker"]

    details = client.get(_url(a, "details/")).content.decode()
    assert "by Alice Archer" in details and "alice@a.test" not in details

    members = client.get(f"/orgs/{a.organisation.slug}/members/").content.decode()
    # The people page is where addresses matter: the name and the address, or the address alone.
    assert 'Alice Archer <span class="muted">alice@a.test</span>' in members
    assert 'Carol Cole <span class="muted">carol@cio.test</span>' in members
    assert "<td>dave@a.test</td>" in members
    assert "Role for Bob Baker" in members


def test_only_people_who_may_do_the_work_are_offered_as_owners(client, people, a):
    client.force_login(people["alice"])
    workspace = client.get(_url(a)).content.decode()
    row = helpers.row(a, "T1")
    form = client.get(_url(a, f"rows/{row.pk}/?edit=1"), **HX).content.decode()
    risks = client.get(f"/orgs/{a.organisation.slug}/risks/").content.decode()
    for offered in (_options(workspace, 'id="bulk-owner"')[1:], _options(workspace, 'id="f-owner"')[2:],
                    _options(form, 'name="owner"')[1:], _options(risks, 'name="owner"')[1:]):
        # Not the CIO reviewer, the Approver, the Observer or the provider: none may edit the work.
        assert offered == ["Alice Archer", "Bob Baker"]


def test_the_actions_refuse_an_owner_who_may_not_do_the_work(people, a, org_a):
    alice, bob, carol, olive = people["alice"], people["bob"], people["carol"], people["olive"]
    ids = list(a.rows.values_list("pk", flat=True))
    with pytest.raises(ActionError) as refused:
        actions.assign_owner(a, ids, carol, by=alice)
    assert str(refused.value) == CIO_REFUSED
    with pytest.raises(ActionError, match="Olive Oakes cannot be the owner: an Observer may not edit assessments"):
        actions.assign_owner(a, ids, olive, by=alice)
    with pytest.raises(ActionError, match="Priya Shah cannot be the owner: a Provider may not"):
        actions.assign_owner(a, ids, people["priya"], by=None)  # the command line is held to it too
    with pytest.raises(ActionError, match="dave@a.test cannot be the owner: an Approver may not"):
        actions.save_row(helpers.row(a, "T1"), by=bob, revision=1, status="compliant", owner=people["dave"])
    with pytest.raises(ActionError, match="Carol Cole cannot be the owner"):
        actions.save_answer(helpers.answer(a, "Q1"), by=bob, revision=1, answer="no", owner=carol)
    assert not ValidationRow.objects.filter(assessment=a).exclude(owner=None).exists()
    assert set(ValidationRow.objects.filter(assessment=a).values_list("revision", flat=True)) == {1}

    risk = {"title": "Leaked keys", "inherent_likelihood": 3, "inherent_impact": 4, "residual_likelihood": 2,
            "residual_impact": 2}
    with pytest.raises(ActionError, match="Carol Cole cannot be the risk owner: a CIO reviewer may not edit the "
                                          "risk register in Alpha Energy Ltd. Choose an Owner or a Contributor."):
        actions.add_risk(org_a, by=alice, owner=carol, **risk)
    assert not Risk.objects.exists()
    added = actions.add_risk(org_a, by=alice, owner=bob, **risk)
    with pytest.raises(ActionError, match="Olive Oakes cannot be the risk owner"):
        actions.update_risk(added, by=alice, revision=1, owner=olive)
    added.refresh_from_db()
    assert (added.owner, added.revision) == (bob, 1)


def test_assigning_the_cio_reviewer_through_the_page_is_refused_and_changes_nothing(client, people, a):
    alice, carol = people["alice"], people["carol"]
    ids = list(a.rows.values_list("pk", flat=True))
    client.force_login(alice)
    refused = client.post(_url(a, "owners/"), {"rows": ids, "owner": carol.pk}, follow=True)
    assert CIO_REFUSED in refused.content.decode()
    assert not ValidationRow.objects.filter(assessment=a).exclude(owner=None).exists()
    assert not Event.objects.filter(action="assessments.rows.owner_assigned").exists()

    given = client.post(_url(a, "owners/"), {"rows": ids, "owner": people["bob"].pk}, follow=True)
    assert "now owned by Bob Baker." in given.content.decode()

    row = helpers.row(a, "T1")
    saved = client.post(_url(a, f"rows/{row.pk}/"), {"revision": row.revision, "status": "compliant",
                                                     "owner": carol.pk})
    assert saved.status_code == 400
    row.refresh_from_db()
    assert (row.owner, row.status) == (people["bob"], "not-assessed")


def test_an_owner_whose_role_changed_stays_until_someone_chooses_another(client, people, a, org_a):
    alice, bob = people["alice"], people["bob"]
    t1, t2 = helpers.row(a, "T1"), helpers.row(a, "T2")
    actions.assign_owner(a, [t1.pk], bob, by=alice)
    change_role(Membership.objects.get(user=bob, organisation=org_a), "observer", by=None)
    client.force_login(alice)

    workspace = client.get(_url(a)).content.decode()
    assert "Bob Baker" in _options(workspace, 'id="f-owner"')  # his rows can still be found and handed on
    assert "Bob Baker" not in _options(workspace, 'id="bulk-owner"')  # but not given more

    t1.refresh_from_db()
    form = client.get(_url(a, f"rows/{t1.pk}/?edit=1"), **HX).content.decode()
    assert re.search(rf'<option value="{bob.pk}" selected>Bob Baker</option>', form)
    saved = client.post(_url(a, f"rows/{t1.pk}/"), {"revision": t1.revision, "status": "compliant",
                                                    "owner": bob.pk})
    assert saved.status_code == 302
    t1.refresh_from_db()
    assert (t1.owner, t1.status) == (bob, "compliant")

    t2.assessment = a
    with pytest.raises(ActionError, match="Bob Baker cannot be the owner: an Observer may not edit assessments"):
        actions.save_row(t2, by=alice, revision=t2.revision, owner=bob)
