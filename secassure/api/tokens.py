"""Making, using and revoking personal access tokens; each creation, revocation and first use from
a new address is audited in the organisation's chain."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from secassure import guards
from secassure.api.models import ADDRESSES_KEPT, AccessToken
from secassure.audit.actions import record
from secassure.audit.context import acting_as, user_actor
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.tenancy.models import Membership, Organisation, token_digest

PREFIX = "sa_"
DEFAULT_DAYS = 90
MOST_DAYS = 366
# How long a token's last-used time may lag: a busy script does not write on every request.
LAST_USED_GRAIN = dt.timedelta(minutes=1)


def _facts(token: AccessToken) -> dict:
    return {"name": token.name, "person": token.user.email, "prefix": token.prefix, "read_only": token.read_only,
            "expires": token.expires_at.isoformat()}


def create_token(user, org: Organisation, *, by, name: str, read_only: bool = False,
                 days: int | None = DEFAULT_DAYS) -> tuple[AccessToken, str]:
    """A new token for ``user`` in ``org`` and the token itself, which is never shown again.

    ``by`` is the person making it, who must be ``user`` (nobody makes a token for someone else),
    or ``None`` for the operator's command line. ``user`` must be a member of ``org``."""
    if by is not None and by.pk != user.pk:
        raise ActionError("a token is made by the person who will use it; ask them to make their own")
    if not Membership.objects.filter(user=user, organisation=org).exists():
        raise ActionError(f"{user.email} is not a member of {org.name}; a token works only where its person works")
    name = guards.line(name, "the token's name", 100)
    if not name:
        raise ActionError("give the token a name that says what will use it, for example \"tracker sync\"")
    if days is None:
        days = DEFAULT_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MOST_DAYS:
        raise ActionError(f"a token lasts from 1 to {MOST_DAYS} days; {days} is not in that range")
    if AccessToken.objects.filter(user=user, organisation=org, name=name, revoked_at__isnull=True,
                                  expires_at__gt=timezone.now()).exists():
        raise ActionError(f"you already have an active token named \"{name}\" in {org.name}; choose another name "
                          "or revoke that one first")
    plain = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = AccessToken.objects.create(
            user=user, organisation=org, name=name, token_hash=token_digest(plain), prefix=plain[:10],
            read_only=bool(read_only), expires_at=timezone.now() + dt.timedelta(days=days))
        record(AuditEvent.API_TOKEN_CREATED, token, organisation=org, after=_facts(token))
    return token, plain


def revoke_token(token: AccessToken, *, by) -> AccessToken:
    """Revoke the token at once; revoking one already revoked changes nothing. Its person revokes
    it, or an Owner of its organisation, or the operator (``by`` ``None``)."""
    if by is not None and by.pk != token.user_id and not Membership.objects.filter(
            user=by, organisation_id=token.organisation_id, role="owner").exists():
        raise ActionError("only the token's person or an Owner of its organisation may revoke it")
    with transaction.atomic():
        locked = AccessToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(AuditEvent.API_TOKEN_REVOKED, locked, organisation=locked.organisation, before=_facts(locked),
               after={"revoked_at": locked.revoked_at.isoformat()})
    return locked


def token_for(plain: str, address: str | None) -> AccessToken | None:
    """The live token ``plain`` names, with its person and organisation, or ``None``. Marks when
    it was used and from where; its first use from an address is audited as its person's act."""
    if not plain or not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    now = timezone.now()
    token = (AccessToken.objects.live(now).select_related("user", "organisation")
             .filter(token_hash=token_digest(plain), user__is_active=True).first())
    if token is None:
        return None
    new_address = bool(address) and address not in token.addresses
    stale = token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN
    if new_address or stale:
        with transaction.atomic():
            token.last_used_at, token.last_used_from = now, address or None
            fields = ["last_used_at", "last_used_from"]
            if new_address:
                token.addresses = [*token.addresses, address][-ADDRESSES_KEPT:]
                fields.append("addresses")
            token.save(update_fields=fields)
            if new_address:
                with acting_as(actor=user_actor(token.user)):
                    record(AuditEvent.API_TOKEN_NEW_ADDRESS, token, organisation=token.organisation,
                           after={"address": address, "name": token.name, "prefix": token.prefix})
    return token
