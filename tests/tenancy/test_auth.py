"""Signing in: MFA where the role needs it, throttling, session lifetimes, and the audit trail."""

import time

import pytest

from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.tenancy.middleware import LAST_SEEN, SIGNED_IN_AT
from tests.personas import PASSWORD, give_totp, join, make_user, totp_code

SETUP = "/accounts/2fa/totp/activate/"


def _sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_an_owner_without_mfa_is_sent_to_set_it_up(client, org_a):
    owner = make_user("owner@a.test")
    join(owner, org_a, "owner")
    client.force_login(owner)
    for page in ("/", f"/orgs/{org_a.slug}/", "/catalogue/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == SETUP, page
    setup = client.get(SETUP)  # reachable (allauth first asks for the password again)
    assert setup.status_code == 200 or setup["Location"].startswith("/accounts/reauthenticate/")
    give_totp(owner)
    assert client.get("/").status_code == 200


def test_a_cio_reviewer_needs_mfa_too_but_a_contributor_does_not(client, org_a):
    reviewer, contributor = make_user("cio@a.test"), make_user("contrib@a.test")
    join(reviewer, org_a, "cio-reviewer")
    join(contributor, org_a, "contributor")
    client.force_login(reviewer)
    assert client.get("/")["Location"] == SETUP
    client.force_login(contributor)
    assert client.get("/").status_code == 200


def test_an_organisation_can_require_mfa_of_everyone(client, org_a, bob):
    from secassure.profile.actions import update_organisation

    client.force_login(bob)
    assert client.get("/").status_code == 200
    update_organisation(org_a, {"require_mfa": True}, by=None)
    client.force_login(bob)
    assert client.get("/")["Location"] == SETUP
    assert Event.objects.filter(action="tenancy.organisation.changed", after__require_mfa=True).exists()


def test_sign_in_with_password_then_authenticator_code(client, alice):
    response = _sign_in(client, alice.email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and client.get("/").status_code == 302
    done = client.post("/accounts/2fa/authenticate/", {"code": totp_code(alice.totp_secret)})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert Event.objects.filter(action="auth.signed_in", actor=alice).count() == 1


def test_setting_up_an_authenticator_is_audited(client, org_a):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    owner = make_user("new-owner@a.test")
    join(owner, org_a, "owner")
    _sign_in(client, owner.email)
    first = client.get(SETUP)  # setting up a second factor asks for the password again
    assert first.status_code == 302 and first["Location"].startswith("/accounts/reauthenticate/")
    again = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert again.status_code == 302
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(SETUP, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Event.objects.filter(action="auth.mfa.added", actor=owner).exists()
    assert client.get("/").status_code == 200
    assert verify().ok


def test_failed_sign_ins_are_throttled_and_audited(client, bob):
    for _ in range(5):
        response = _sign_in(client, bob.email, "wrong password")
        assert response.status_code == 200
    blocked = _sign_in(client, bob.email)  # even the right password, for a while
    assert blocked.status_code in (200, 429)
    assert client.get("/").status_code == 302
    assert b"Too many failed login attempts" in blocked.content or blocked.status_code == 429
    failures = Event.objects.filter(action="auth.sign_in_failed")
    assert failures.count() == 5
    assert all(e.after["login"] == bob.email for e in failures)
    assert not any(PASSWORD in str(e.after) or "wrong password" in str(e.after) for e in Event.objects.all())


def test_a_successful_sign_in_is_audited(client, bob):
    assert _sign_in(client, bob.email).status_code == 302
    event = Event.objects.get(action="auth.signed_in")
    assert event.actor == bob and event.chain == "system"
    assert client.get("/").status_code == 200


def _age_session(client, *, signed_in_ago: float, last_seen_ago: float):
    session = client.session
    now = time.time()
    session[SIGNED_IN_AT] = now - signed_in_ago
    session[LAST_SEEN] = now - last_seen_ago
    session.save()


def test_an_idle_session_ends(client, bob):
    _sign_in(client, bob.email)
    assert client.get("/").status_code == 200
    _age_session(client, signed_in_ago=3600, last_seen_ago=31 * 60)
    response = client.get("/catalogue/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fcatalogue%2F"
    assert client.get("/").status_code == 302
    assert Event.objects.filter(action="auth.session.expired", reason__contains="idle").exists()


def test_an_active_session_still_ends_after_12_hours(client, bob):
    _sign_in(client, bob.email)
    _age_session(client, signed_in_ago=12 * 3600 + 5, last_seen_ago=10)
    assert client.get("/").status_code == 302
    assert Event.objects.filter(action="auth.session.expired", reason__contains="maximum length").exists()


def test_an_active_session_within_its_limits_goes_on(client, bob):
    _sign_in(client, bob.email)
    _age_session(client, signed_in_ago=11 * 3600, last_seen_ago=29 * 60)
    assert client.get("/").status_code == 200


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith(("UPDATE", "INSERT")) and '"django_session"' in q["sql"]]


def test_the_last_request_is_written_to_the_session_at_most_once_a_minute(client, bob):
    """Each write of the session is a database statement: a request within TOUCH_EVERY seconds of
    the time last written writes nothing; a later one writes the new time, which the idle limit
    then counts from."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from secassure.tenancy.middleware import TOUCH_EVERY

    _sign_in(client, bob.email)
    _age_session(client, signed_in_ago=600, last_seen_ago=TOUCH_EVERY - 5)
    with CaptureQueriesContext(connection) as soon:
        assert client.get("/").status_code == 200
    assert _session_writes(soon) == []
    assert time.time() - client.session[LAST_SEEN] >= TOUCH_EVERY - 5  # left as it was
    _age_session(client, signed_in_ago=600, last_seen_ago=TOUCH_EVERY + 5)
    with CaptureQueriesContext(connection) as later:
        assert client.get("/").status_code == 200
    assert len(_session_writes(later)) == 1
    assert time.time() - client.session[LAST_SEEN] < 5


@pytest.mark.parametrize("setting", ["SECASSURE_SESSION_IDLE_SECONDS", "SECASSURE_SESSION_MAX_SECONDS"])
def test_session_limits_come_from_settings(client, bob, settings, setting):
    setattr(settings, setting, 60)
    _sign_in(client, bob.email)
    _age_session(client, signed_in_ago=120, last_seen_ago=61 if "IDLE" in setting else 5)
    assert client.get("/").status_code == 302


def test_open_sign_up_is_closed(client, db):
    response = client.get("/accounts/signup/")
    assert b"Sign Up Closed" in response.content or response.status_code in (302, 403, 404)
    client.post("/accounts/signup/", {"email": "x@x.test", "password1": PASSWORD, "password2": PASSWORD})
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="x@x.test").exists()


def test_the_admin_signs_in_through_the_same_door(client, db):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root@x.test", "root@x.test", PASSWORD)
    give_totp(admin)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.post("/admin/login/?next=/admin/", {"username": "root@x.test", "password": PASSWORD})
    assert client.get("/admin/").status_code == 302  # the password alone did not sign in
    _sign_in(client, "root@x.test")
    assert client.get("/admin/").status_code == 302  # nor does it here: the second factor is missing
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(admin.totp_secret)})
    assert client.get("/admin/").status_code == 200


def test_removing_the_authenticator_elsewhere_takes_effect_at_once(client, alice):
    from allauth.mfa.models import Authenticator

    client.force_login(alice)
    assert client.get("/").status_code == 200
    Authenticator.objects.filter(user=alice).delete()  # another session, or an operator
    assert client.get("/")["Location"] == SETUP
    assert Event.objects.filter(action="auth.mfa.removed").count() == 1


def test_a_wrong_second_factor_is_audited(client, alice):
    _sign_in(client, alice.email)
    client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert Event.objects.filter(action="auth.mfa.failed").count() == 1


def test_a_password_change_is_audited(client, bob):
    _sign_in(client, bob.email)
    response = client.post("/accounts/password/change/", {
        "oldpassword": PASSWORD, "password1": "another long passphrase 42", "password2": "another long passphrase 42"})
    assert response.status_code == 302
    assert Event.objects.filter(action="auth.password.changed", actor=bob).exists()
    assert "another long passphrase" not in str(list(Event.objects.values_list("after", flat=True)))


def test_email_addresses_are_not_changed_by_their_owners(client, bob):
    client.force_login(bob)
    assert client.get("/accounts/email/").status_code == 404
    client.post("/accounts/email/", {"action_add": "", "email": "someone.else@a.test"})
    from allauth.account.models import EmailAddress

    assert not EmailAddress.objects.filter(email="someone.else@a.test").exists()


def test_request_logs_do_not_show_invitation_tokens(org_a, caplog):
    import logging

    from secassure.tenancy.actions import invite
    from secassure.tenancy.logging import RedactInvitationTokens

    _, token = invite(org_a, "kim@a.test", "observer", by=None)
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Gone: %s",
                               (f"/invitations/{token}/",), None)
    RedactInvitationTokens().filter(record)
    assert token not in record.getMessage() and "/invitations/[redacted]" in record.getMessage()
