"""Choosing a password: weak ones are refused, with a plain reason, wherever a person chooses one
(accepting an invitation, changing it, resetting it)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from secassure.tenancy import actions
from secassure.tenancy.passwords import ONE_CHARACTER, SHORT_PATTERN, RepetitionValidator
from tests.personas import PASSWORD

WEAK = "aaaaaaaaaaaa"  # twelve characters: long enough, and on no common-password list
GOOD = "quiet lantern orbits the meadow"


@pytest.mark.parametrize(("password", "message"), [
    (WEAK, ONE_CHARACTER),
    ("AAAAAAaaaaaa", ONE_CHARACTER),
    ("aaaa aaaa aaaa", ONE_CHARACTER),
    ("!!!!!!!!!!!!", ONE_CHARACTER),
    ("abcabcabcabc", SHORT_PATTERN),
    ("horse-horse-horse", SHORT_PATTERN),
    ("1a2b1a2b1a2b", SHORT_PATTERN),
])
def test_repeats_are_refused(password, message):
    with pytest.raises(ValidationError) as refused:
        RepetitionValidator().validate(password)
    assert refused.value.messages == [message]


@pytest.mark.parametrize("password", [PASSWORD, GOOD, "abcabcabcabd", "aaaaaaaaaaab"])
def test_other_passwords_pass_the_repetition_rule(password):
    RepetitionValidator().validate(password)


def test_the_rule_is_one_of_the_sites_password_validators():
    with pytest.raises(ValidationError) as refused:
        validate_password(WEAK)
    assert ONE_CHARACTER in refused.value.messages
    validate_password(GOOD)


def test_a_weak_password_is_refused_when_accepting_an_invitation(client, org_a):
    _, token = actions.invite(org_a, "dana@a.test", "contributor", by=None)
    response = client.post(f"/invitations/{token}/", {"password1": WEAK, "password2": WEAK})
    assert response.status_code == 200
    assert ONE_CHARACTER in response.content.decode()
    assert not get_user_model().objects.filter(email="dana@a.test").exists()
    accepted = client.post(f"/invitations/{token}/", {"password1": GOOD, "password2": GOOD})
    assert accepted.status_code == 302
    assert get_user_model().objects.get(email="dana@a.test").check_password(GOOD)


def test_a_weak_password_is_refused_when_changing_it(client, bob):
    client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    response = client.post("/accounts/password/change/",
                           {"oldpassword": PASSWORD, "password1": WEAK, "password2": WEAK})
    assert response.status_code == 200
    assert ONE_CHARACTER in response.content.decode()
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
    changed = client.post("/accounts/password/change/",
                          {"oldpassword": PASSWORD, "password1": GOOD, "password2": GOOD})
    assert changed.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(GOOD)


def test_a_weak_password_is_refused_when_resetting_it(client, bob, mailoutbox):
    client.post("/accounts/password/reset/", {"email": bob.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)  # allauth moves the key out of the address first
    assert form.status_code == 200
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    response = client.post(action, {"password1": WEAK, "password2": WEAK})
    assert response.status_code == 200
    assert ONE_CHARACTER in response.content.decode()
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
    done = client.post(action, {"password1": GOOD, "password2": GOOD})
    assert done.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(GOOD)
