"""Members and invitations: roles change with an audit trail, an organisation always keeps an
Owner, and invitation links work once, for the person they were sent to, before they expire."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.errors import ActionError
from secassure.tenancy import actions
from secassure.tenancy.models import Invitation, Membership
from tests.personas import PASSWORD, join, make_user


def _link_from(mail) -> str:
    return re.search(r"https?://\S+(/invitations/\S+/)", mail.body).group(1)


def test_owner_invites_and_the_invitee_joins_by_setting_a_password(client, alice, org_a, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orgs/{org_a.slug}/members/invite/", {"email": "Dana@A.test", "role": "approver"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["dana@a.test"]
    link = _link_from(mailoutbox[0])
    # The link went by email only: not even the Owner sees it, so only the invitee can use it.
    assert link not in client.get(f"/orgs/{org_a.slug}/members/").content.decode()
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and b"Join Alpha Energy Ltd" in page.content
    short = client.post(link, {"password1": "short", "password2": "short"})
    assert short.status_code == 200 and not Membership.objects.filter(user__email="dana@a.test").exists()
    joined = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert joined.status_code == 302
    membership = Membership.objects.get(user__email="dana@a.test")
    assert membership.role == "approver" and membership.organisation == org_a
    assert client.get(f"/orgs/{org_a.slug}/").status_code == 200  # signed in, and may see the profile
    for action in ("tenancy.invitation.created", "auth.user.created", "tenancy.member.added",
                   "tenancy.invitation.accepted"):
        assert Event.objects.filter(action=action).exists(), action
    assert not any("invitations/" in str(e.after) for e in Event.objects.all())  # the token is never logged
    assert verify().ok


def test_an_invitation_link_works_once(client, org_a):
    _, token = actions.invite(org_a, "erin@a.test", "observer", by=None)
    actions.accept_invitation(token, password=PASSWORD, by=None)
    with pytest.raises(ActionError, match="already been used"):
        actions.accept_invitation(token, password=PASSWORD, by=None)
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 410 and b"already been used" in response.content


def test_an_expired_or_withdrawn_or_unknown_invitation_is_refused(client, org_a):
    invitation, token = actions.invite(org_a, "frank@a.test", "observer", by=None)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ActionError, match="expired"):
        actions.accept_invitation(token, password=PASSWORD, by=None)
    invitation2, token2 = actions.invite(org_a, "gina@a.test", "observer", by=None)
    actions.revoke_invitation(invitation2, by=None)
    with pytest.raises(ActionError, match="withdrawn"):
        actions.accept_invitation(token2, password=PASSWORD, by=None)
    assert client.get("/invitations/not-a-real-token/").status_code == 410
    assert not Membership.objects.filter(user__email__in=["frank@a.test", "gina@a.test"]).exists()


def test_a_signed_in_person_accepts_only_their_own_invitation(client, org_a, org_b, mallory):
    _, token = actions.invite(org_a, "someone-else@a.test", "contributor", by=None)
    client.force_login(mallory)
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 200 and b"was sent to someone-else@a.test" in response.content
    assert not Membership.objects.filter(user=mallory, organisation=org_a).exists()
    _, own = actions.invite(org_a, "mallory@b.test", "observer", by=None)
    assert client.post(f"/invitations/{own}/").status_code == 302
    assert Membership.objects.get(user=mallory, organisation=org_a).role == "observer"


def test_an_existing_account_must_sign_in_to_accept(org_a, bob):
    charlie = actions.create_organisation(name="Charlie Gas", category="gas-network", by=None)
    _, token = actions.invite(charlie, "bob@a.test", "observer", by=None)
    with pytest.raises(ActionError, match="sign in first"):
        actions.accept_invitation(token, password=PASSWORD, by=None)


def test_inviting_a_member_again_is_refused(org_a, bob):
    with pytest.raises(ActionError, match="already a member"):
        actions.invite(org_a, "BOB@a.test", "observer", by=None)
    with pytest.raises(ActionError, match="not an email address"):
        actions.invite(org_a, "not-an-address", "observer", by=None)
    with pytest.raises(ActionError, match="is not a role"):
        actions.invite(org_a, "x@a.test", "emperor", by=None)


def test_the_last_owner_cannot_leave_or_be_demoted(client, alice, org_a):
    membership = Membership.objects.get(user=alice, organisation=org_a)
    with pytest.raises(ActionError, match="only Owner"):
        actions.change_role(membership, "observer", by=alice)
    with pytest.raises(ActionError, match="only Owner"):
        actions.remove_member(membership, by=alice)
    client.force_login(alice)
    response = client.post(f"/orgs/{org_a.slug}/members/{membership.pk}/role/", {"role": "observer"}, follow=True)
    assert b"is the only Owner" in response.content
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_role_changes_are_audited_and_a_second_owner_frees_the_first(client, alice, bob, org_a):
    client.force_login(alice)
    bob_membership = Membership.objects.get(user=bob)
    client.post(f"/orgs/{org_a.slug}/members/{bob_membership.pk}/role/", {"role": "owner"})
    bob_membership.refresh_from_db()
    assert bob_membership.role == "owner"
    event = Event.objects.get(action="tenancy.member.role_changed")
    assert event.before == {"email": "bob@a.test", "role": "contributor"}
    assert event.after == {"email": "bob@a.test", "role": "owner"}
    assert event.actor == alice and event.chain == f"org:{org_a.pk}"
    alice_membership = Membership.objects.get(user=alice)
    actions.change_role(alice_membership, "observer", by=bob)
    assert Membership.objects.get(user=alice).role == "observer"
    assert verify().ok


def test_people_page_is_for_owners(client, bob, org_a):
    client.force_login(bob)
    assert client.get(f"/orgs/{org_a.slug}/members/").status_code == 403
    other = make_user("nobody@x.test")
    client.force_login(other)
    assert client.get(f"/orgs/{org_a.slug}/members/").status_code == 404
    join(other, org_a, "observer")
    assert client.get(f"/orgs/{org_a.slug}/members/").status_code == 403


def test_when_the_mail_server_fails_the_invitation_is_kept_and_says_so(org_a, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.failing_mail.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = actions.invite(org_a, "hal@a.test", "observer", by=None)
    assert "SMTPServerDisconnected" in invitation.email_failed
    assert Invitation.objects.filter(email="hal@a.test").exists()
    assert actions.find_invitation(token).pk == invitation.pk  # the link still works


def test_the_owner_gets_the_link_once_when_the_email_failed(client, alice, org_a, monkeypatch):
    """In production the email is sent as the invitation commits, before the page answers; here
    the test's transaction holds it back, so the page is shown an invitation whose email failed."""
    real_invite = actions.invite

    def failing_invite(*args, **kwargs):
        invitation, token = real_invite(*args, **kwargs)
        invitation.email_failed = "SMTPServerDisconnected: Connection unexpectedly closed"
        return invitation, token

    monkeypatch.setattr(actions, "invite", failing_invite)
    client.force_login(alice)
    response = client.post(f"/orgs/{org_a.slug}/members/invite/", {"email": "hal@a.test", "role": "observer"},
                           follow=True)
    body = response.content.decode()
    assert "the email could not be sent" in body
    link = re.search(r"(/invitations/[^<\s]+/)", body).group(1)
    assert link not in client.get(f"/orgs/{org_a.slug}/members/").content.decode()  # once only
    client.logout()
    assert client.get(link).status_code == 200


def test_an_account_whose_username_is_the_address_must_sign_in(org_a):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("ivy@a.test", "ivy.old@elsewhere.test", PASSWORD)
    _, token = actions.invite(org_a, "ivy@a.test", "observer", by=None)
    with pytest.raises(ActionError, match="sign in first"):
        actions.accept_invitation(token, password=PASSWORD, by=None)
