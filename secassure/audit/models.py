"""The audit log: append-only events, hash-chained per organisation and in one system chain.

Database triggers (see the 0002 and 0004 migrations) refuse UPDATE, DELETE and TRUNCATE on the
event table and let a chain head only move forward, along events already written and linked one
to the next (one at a time, or a batch written together), so the application cannot rewrite
history. Each event is sealed with HMAC-SHA256 under the audit key, which lives outside the
database: someone with direct database access who steps around the triggers cannot re-seal what
they change, so ``secassure audit verify`` shows it. (Whoever holds the audit key as well as the
database could; keep the two apart.)

The head of each chain is sealed too. Without that, someone who steps around the triggers could cut
the newest events and wind the head back to the last one kept, and every remaining link would still
hold; the seal ties the head's position and hash to the key, so a head moved by hand does not
verify. A head restored whole from an old backup still carries a valid seal: anchors kept outside
the database (``secassure audit anchor``) are what catch that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64
SYSTEM_CHAIN = "system"


def chain_name(organisation_id: int | None) -> str:
    return SYSTEM_CHAIN if organisation_id is None else f"org:{organisation_id}"


@lru_cache(maxsize=4)
def _key_bytes(key: str) -> bytes:
    return key.encode("utf-8")


def audit_key() -> bytes:
    return _key_bytes(settings.SECASSURE_AUDIT_KEY)


def audit_key_id() -> str:
    """Names the key without revealing it, so that verify can tell a changed key from tampering."""
    return hashlib.sha256(b"secassure-audit-key-id:" + audit_key()).hexdigest()[:16]


def canonical_json(value) -> str:
    """One byte-exact JSON form: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def keyed_digest(purpose: str, value) -> str:
    """HMAC-SHA256 under the audit key over ``value`` in canonical JSON, prefixed by ``purpose``.

    The prefix keeps each use of the key apart: a head's seal can never be passed off as an
    event's hash or an anchor's signature, even where the fields happen to coincide.
    """
    message = f"secassure-audit-{purpose}:".encode() + canonical_json(value).encode("utf-8")
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def head_seal(chain: str, seq: int, head_hash: str) -> str:
    """The seal of a chain head at this position: one HMAC, cheap enough to write with each event."""
    return keyed_digest("head", {"chain": chain, "seq": seq, "head_hash": head_hash})


class ChainHead(models.Model):
    """The latest sequence number and hash of one chain; locked while an event is appended.

    ``seal`` is ``head_seal`` of the three, rewritten in the same statement as they are, so that
    only someone holding the audit key can move a head and have it verify.
    """

    chain = models.CharField(max_length=64, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    seal = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.chain} @ {self.seq}"

    def expected_seal(self) -> str:
        return head_seal(self.chain, self.seq, self.head_hash)

    def seal_holds(self) -> bool:
        return hmac.compare_digest(self.seal, self.expected_seal())


class Event(models.Model):
    """One recorded change: who did what to which object, when, with before and after values."""

    chain = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq")]
        indexes = [models.Index(fields=["organisation", "occurred_at"], name="audit_event_org_time")]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def hashed_fields(self) -> dict:
        """Everything the event's hash covers, in JSON-ready form."""
        return {
            "chain": self.chain,
            "seq": self.seq,
            "organisation_id": self.organisation_id,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
            "key_id": self.key_id,
        }

    def compute_hash(self) -> str:
        message = canonical_json(self.hashed_fields()).encode("utf-8")
        return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()
