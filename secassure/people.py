"""How a person is shown: by their name where they gave one, by the address they sign in with
otherwise. Pages, messages, pickers and exports all go through here, so that a person reads the
same everywhere.

Kept free of the apps (it reads only the attributes every user has) so that any module may use it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def compose(first_name: str | None, last_name: str | None, email: str | None) -> str:
    """The display name from its parts, for code that reads people as plain values rather than
    model objects."""
    name = " ".join(part.strip() for part in (first_name or "", last_name or "") if part and part.strip())
    return name or (email or "").strip()


def display_name(user) -> str:
    """The person's name if they have one, else their e-mail address; empty for nobody."""
    if user is None:
        return ""
    shown = compose(getattr(user, "first_name", ""), getattr(user, "last_name", ""), getattr(user, "email", ""))
    # The sign-in name only for an account with neither (one made by hand, say); read last, because
    # pages that load only names and addresses would otherwise fetch it person by person.
    return shown or (user.get_username() if hasattr(user, "get_username") else "")


def name_and_email(user) -> str:
    """The name with the address beside it ("Alice Smith <alice@example.org>"), where both help:
    exports read by people who may need to write to the person. Just the address if there is no
    name; empty for nobody."""
    if user is None:
        return ""
    name, email = display_name(user), (getattr(user, "email", "") or "").strip()
    return f"{name} <{email}>" if email and name != email else name


def labels(users: Iterable) -> dict:
    """Labels for a picker, keyed by each person's primary key: the name, with the address added
    for people who share a name with someone else offered, so that the two can be told apart."""
    users = list(users)
    names = {user.pk: display_name(user) for user in users}
    counts = Counter(names.values())
    return {user.pk: (name_and_email(user) if counts[names[user.pk]] > 1 else names[user.pk]) for user in users}
