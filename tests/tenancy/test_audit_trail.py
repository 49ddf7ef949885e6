"""Every change to organisations, people and the profile writes an audit event, on the right
chain, and the log verifies afterwards."""

import datetime as dt

from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.profile import actions as profile_actions
from secassure.tenancy import actions
from secassure.tenancy.models import Membership, Organisation
from tests.personas import PASSWORD, give_totp, make_user


def _new_events(since: int):
    return list(Event.objects.filter(pk__gt=since).order_by("pk"))


def test_each_action_writes_its_event_on_the_organisations_chain(db):
    steps = []
    last = 0

    def step(label, func, *args, **kwargs):
        nonlocal last
        result = func(*args, **kwargs)
        events = _new_events(last)
        assert events, f"{label} wrote no audit event"
        last = events[-1].pk
        steps.append((label, [e.action for e in events]))
        return result

    owner = make_user("owner@x.test")
    org = step("create", actions.create_organisation, by=owner, name="Echo Energy", category="small-supplier")
    step("update", profile_actions.update_organisation, org,
         {"cycle_start": dt.date(2025, 1, 31), "sec_party_id": "E1"}, by=owner)
    step("role", profile_actions.add_role, org, "import-supplier", by=owner, user_ids=["X"])
    step("role removed", profile_actions.remove_role, org, "import-supplier", by=owner)
    srp = step("srp", profile_actions.add_provider, org, by=owner, name="Shared Co", kind="srp")
    step("system", profile_actions.add_user_system, org, by=owner, name="Main", kind="primary",
         hosting="srp-hosted", srp_provider=srp)
    step("snapshot", profile_actions.add_snapshot, org, by=owner, as_of=dt.date(2025, 6, 1), domestic=10,
         non_domestic=1)
    _, token = step("invite", actions.invite, org, "new@x.test", "contributor", by=owner)
    membership = step("accept", actions.accept_invitation, token, by=None, password=PASSWORD)
    step("role change", actions.change_role, membership, "approver", by=owner)
    step("remove member", actions.remove_member, membership, by=owner)
    _, token2 = step("invite again", actions.invite, org, "later@x.test", "observer", by=owner)
    step("revoke", actions.revoke_invitation, actions.find_invitation(token2), by=owner)
    step("mfa", give_totp, owner)
    names = dict(steps)
    assert names["create"] == ["tenancy.organisation.created", "tenancy.member.added"]
    assert names["accept"] == ["auth.user.created", "tenancy.member.added", "tenancy.invitation.accepted"]
    assert names["mfa"] == ["auth.mfa.added"]
    org_events = Event.objects.filter(chain=f"org:{org.pk}")
    assert org_events.filter(action="profile.portfolio.added").exists()
    assert all(e.organisation_id == org.pk for e in org_events)
    assert verify().ok
    assert not Membership.objects.filter(user__email="new@x.test").exists()


def test_organisations_created_or_changed_in_the_admin_are_audited(client, db):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root@x.test", "root@x.test", PASSWORD)
    give_totp(admin)
    client.force_login(admin)
    response = client.post("/admin/tenancy/organisation/add/", {
        "name": "Foxtrot Gas", "slug": "foxtrot", "sec_party_id": "", "category": "gas-network",
        "cycle_start": "", "require_mfa": "", "material_risk_threshold": "12"})
    assert response.status_code == 302, response.content[:500]
    org = Organisation.objects.get(slug="foxtrot")
    assert Event.objects.filter(chain=f"org:{org.pk}", action="admin.organisation.created").exists()
    assert verify().ok  # the new organisation's chain starts with its creation
    assert client.get("/admin/tenancy/membership/add/").status_code == 403
