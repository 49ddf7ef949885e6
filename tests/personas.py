"""The suite's people, each defined once, and the plain ways to make people and organisations.

Org A is Alpha Energy Ltd, a large supplier; org B is Bravo Power plc, a small one (their fixtures are
in tests/conftest.py). ``PEOPLE`` names each persona with their address and the role they take when
they join an organisation; ``persona`` makes one, and tests/conftest.py offers the common ones as
fixtures. Everyone signs in with ``PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Persona:
    email: str
    role: str | None  # None: they belong to no organisation until a test says which, and as what
    totp: bool = False  # they have set up an authenticator app


PEOPLE = {
    # Owner of org A (owners must use MFA, so she has an authenticator app).
    "alice": Persona("alice@a.test", "owner", totp=True),
    # Contributor in org A.
    "bob": Persona("bob@a.test", "contributor"),
    # CIO reviewer on org A's work: sees only what is shared with her.
    "carol": Persona("carol@cio.test", "cio-reviewer", totp=True),
    # A second CIO reviewer on org A's work, with whom nothing is shared unless a test shares it.
    "other_cio": Persona("cio2@cio.test", "cio-reviewer"),
    # Approver in org A: a director, who signs off what others prepared and signs the letter covering
    # the remediation plan.
    "dave": Persona("dave@a.test", "approver"),
    # Two more contributors in org A.
    "erin": Persona("erin@a.test", "contributor"),
    "frank": Persona("frank@a.test", "contributor"),
    # Observer in org A: reads, changes nothing.
    "olive": Persona("olive@a.test", "observer"),
    # Works for Northgate SRS, a provider to org A: sees only the documents they maintain.
    "engineer": Persona("engineer@northgate.test", "provider"),
    # Owner of org B: must never see anything of org A.
    "mallory": Persona("mallory@b.test", "owner", totp=True),
    # Works for several organisations, in whatever role each test gives them.
    "consultant": Persona("consultant@advisers.test", None),
    # The browser journeys: one person in each role a journey needs in org A, none with an
    # authenticator app (they sign in through the sign-in page).
    "owen": Persona("owen@a.test", "owner"),
    "bea": Persona("bea@a.test", "contributor"),
    "dan": Persona("dan@a.test", "approver"),
    "cleo": Persona("cleo@a.test", "cio-reviewer"),
}


def persona(name: str, org=None):
    """Make the persona ``name``; given an organisation, they join it in their role, and their
    membership is kept as ``user.membership``."""
    who = PEOPLE[name]
    user = make_user(who.email, totp=who.totp)
    if org is not None:
        user.membership = join(user, org, who.role)
    return user


def make_user(email: str, *, totp: bool = False, **extra):
    """A person who signs in by email; with totp=True they have set up an authenticator app."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email, email, PASSWORD, **extra)
    if totp:
        give_totp(user)
    return user


def give_totp(user) -> str:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return secret


def totp_code(secret: str) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def make_org(name: str, slug: str, category: str = "large-supplier", **fields):
    from secassure.tenancy.actions import create_organisation

    return create_organisation(name=name, slug=slug, category=category, **fields, by=None)


def join(user, org, role: str):
    from secassure.tenancy.actions import add_member

    return add_member(org, user, role, by=None)
