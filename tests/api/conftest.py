"""The API's people: a CIO reviewer or an Owner must have set up an authenticator app before their
token works (as on the web), so those the API's tests make in those roles have one."""

import pytest

from tests.personas import give_totp, persona


@pytest.fixture
def consultant(db):
    """In no organisation yet, with an authenticator app: each test has them join what it needs."""
    user = persona("consultant")
    give_totp(user)
    return user
