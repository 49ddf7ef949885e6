"""The sign-in and security pages: the site's own frame and the product's plain words, not the
account library's defaults."""

import pytest

from tests.personas import PASSWORD, give_totp, make_user

LAYOUT = ('<header class="topbar">', "<footer>secassure · SEC security assurance workbench</footer>")
SIGNED_IN_NAV = '<nav aria-label="Main">'
# Headings, buttons and sentences of the library's own templates that these pages replace.
LIBRARY_WORDING = (
    "Two-Factor Authentication", "Sign Out", "Sign In", "Change Password", "Password Reset",
    "Reset My Password", "Activate Authenticator App", "Deactivate Authenticator App", "Authenticator App",
    "Recovery Codes", "Confirm Access", "Please reauthenticate", "Are you sure", "Menu:", "Bad Token",
    "Account Inactive", "Successfully signed in", "we'll send you", "Authenticator secret",
)


def _check(response, heading: str, *, signed_in: bool) -> str:
    assert response.status_code == 200, response.get("Location")
    body = response.content.decode()
    for marker in LAYOUT:
        assert marker in body, marker
    assert (SIGNED_IN_NAV in body) is signed_in
    assert f"<h1>{heading}</h1>" in body
    for phrase in LIBRARY_WORDING:
        assert phrase not in body, phrase
    return body


@pytest.fixture
def signed_in(client, db, settings):
    """A person who has just signed in with their password and confirmed it for security changes."""
    settings.SECASSURE_REQUIRE_MFA = False
    person = make_user("pat@a.test")
    response = client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    # Changing how one signs in asks for the password again first; answer it once here.
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return person


@pytest.mark.parametrize(("url", "heading"), [
    ("/accounts/login/", "Sign in"),
    ("/accounts/password/reset/", "Reset your password"),
    ("/accounts/password/reset/done/", "Check your email"),
    ("/accounts/password/reset/key/1-not-a-key/", "This link no longer works"),
    ("/accounts/password/reset/key/done/", "Password changed"),
    ("/accounts/inactive/", "Account switched off"),
])
def test_pages_before_signing_in(client, db, url, heading):
    _check(client.get(url, follow=True), heading, signed_in=False)


def test_the_sign_in_form_keeps_its_field_names(client, db):
    body = _check(client.get("/accounts/login/"), "Sign in", signed_in=False)
    assert 'name="login"' in body and 'name="password"' in body and '<button type="submit">' in body


@pytest.mark.parametrize(("url", "heading"), [
    ("/accounts/2fa/", "Your security"),
    ("/accounts/2fa/totp/activate/", "Set up an authenticator app"),
    ("/accounts/2fa/recovery-codes/generate/", "Make new recovery codes"),
    ("/accounts/password/change/", "Change your password"),
    ("/accounts/reauthenticate/", "Confirm it is you"),
    ("/accounts/logout/", "Sign out"),
])
def test_security_pages_without_an_authenticator(client, signed_in, url, heading):
    _check(client.get(url), heading, signed_in=True)


@pytest.mark.parametrize(("url", "heading"), [
    ("/accounts/2fa/", "Your security"),
    ("/accounts/2fa/totp/deactivate/", "Remove the authenticator app"),
    ("/accounts/2fa/recovery-codes/", "Your recovery codes"),
    ("/accounts/2fa/reauthenticate/", "Confirm it is you"),
])
def test_security_pages_with_an_authenticator(client, signed_in, url, heading):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    give_totp(signed_in)
    RecoveryCodes.activate(signed_in)
    _check(client.get(url), heading, signed_in=True)


def test_the_security_page_leads_to_each_change(client, signed_in):
    body = _check(client.get("/accounts/2fa/"), "Your security", signed_in=True)
    for link in ("/accounts/password/change/", "/accounts/2fa/totp/activate/"):
        assert f'href="{link}"' in body, link


def test_the_second_step_of_signing_in(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    body = _check(client.get("/accounts/2fa/authenticate/"), "Enter your code", signed_in=False)
    assert 'name="code"' in body and 'autocomplete="one-time-code"' in body


def test_signing_in_says_so_plainly(client, bob):
    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "Signed in as bob@a.test." in response.content.decode()
