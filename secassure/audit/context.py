"""Who is acting and under which request: carried in context variables so that every audit event
written during a request or a command names them without each caller passing them along."""

from __future__ import annotations

import contextvars
import os
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person or process behind a change: a user, or a labelled process (``cli:root``)."""

    label: str
    user_id: int | None = None


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("secassure_actor", default=None)
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("secassure_request_id", default="")


def current_actor() -> Actor:
    actor = _actor.get()
    if actor is not None:
        return actor
    return Actor(label="system")


def current_request_id() -> str:
    return _request_id.get()


def cli_actor() -> Actor:
    """The operating-system account running the command, from the process's own user id (not
    from LOGNAME or USER, which anyone can set)."""
    try:
        import pwd

        who = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no password database entry, or not a POSIX system
        who = f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return Actor(label=f"cli:{who}")


@contextmanager
def acting_as(actor: Actor | None = None, request_id: str | None = None):
    actor_token = _actor.set(actor) if actor is not None else None
    request_token = _request_id.set(request_id) if request_id is not None else None
    try:
        yield
    finally:
        if actor_token is not None:
            _actor.reset(actor_token)
        if request_token is not None:
            _request_id.reset(request_token)


def user_actor(user) -> Actor:
    return Actor(label=getattr(user, "email", "") or user.get_username(), user_id=user.pk)
