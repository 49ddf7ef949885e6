"""Anchors: signed checkpoints of every chain, kept outside the database.

The triggers and the seals stop someone who has the database but not the audit key from rewriting
history or winding a head back by hand. They cannot stop a whole older copy of the audit tables
(heads and seals included, say from a backup) being put back over a newer one: every link and seal
in that copy is genuine. An anchor, written somewhere the database's owners cannot reach, records
where each chain had got to; ``secassure audit verify --anchor FILE`` then finds any chain that no
longer holds the anchored event at that position, which is what cutting or rewriting at or before
the anchor leaves behind.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import asdict, dataclass, field

from secassure.audit.models import SYSTEM_CHAIN, ChainHead, Event, audit_key_id, keyed_digest

FORMAT = "secassure-audit-anchor"
VERSION = 1
KEEP = ("Keep this file outside the database and its backups (another machine, write-once storage, a "
        "ticket or an email to yourself): it only helps if whoever can change the database cannot change "
        "it too. Check the log against it with: secassure audit verify --anchor FILE")
SIGNATURE_MISMATCH = "the anchor's signature does not match: it was changed or made with another key"


class AnchorRefused(Exception):
    """The anchor cannot be made: a chain's head does not hold as it stands."""


def _signature(anchor: dict) -> str:
    return keyed_digest("anchor", {k: v for k, v in anchor.items() if k != "signature"})


def _chain_names() -> dict[str, str]:
    """A readable name for each organisation's chain, so that a report names the organisation."""
    organisations = Event._meta.get_field("organisation").related_model
    return {f"org:{pk}": name for pk, name in organisations.objects.values_list("pk", "name")}


def make_anchor(now: dt.datetime | None = None) -> dict:
    """A signed checkpoint of every chain head.

    Each head must carry a valid seal and point at an event that holds its hash; otherwise there
    is nothing trustworthy to anchor and the anchor is refused (run ``audit verify`` to see why).
    That costs one query for the heads and one for their events, not a walk of the whole log.
    """
    heads = list(ChainHead.objects.order_by("chain"))
    names = _chain_names()
    last = {(c, s): h for c, s, h in _events_at([(head.chain, head.seq) for head in heads])}
    chains = []
    for head in heads:
        if head.seq == 0:
            continue
        if not head.seal_holds():
            raise AnchorRefused(f"{head.chain}: the chain head's seal does not match; run secassure audit verify")
        if last.get((head.chain, head.seq)) != head.head_hash:
            raise AnchorRefused(f"{head.chain}: the head does not point at an event with its hash; "
                                "run secassure audit verify")
        chains.append({"chain": head.chain, "name": SYSTEM_CHAIN if head.chain == SYSTEM_CHAIN
                       else names.get(head.chain, ""), "seq": head.seq, "hash": head.head_hash})
    anchor = {
        "format": FORMAT,
        "version": VERSION,
        "made_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "key_id": audit_key_id(),
        "keep": KEEP,
        "chains": chains,
    }
    anchor["signature"] = _signature(anchor)
    return anchor


def _events_at(positions: list[tuple[str, int]]) -> list[tuple[str, int, str]]:
    """The (chain, seq, hash) of the events at these positions, a few hundred at a time."""
    from django.db.models import Q

    found = []
    for start in range(0, len(positions), 300):
        query = Q()
        for chain, seq in positions[start:start + 300]:
            query |= Q(chain=chain, seq=seq)
        if query:
            found += list(Event.objects.filter(query).values_list("chain", "seq", "hash"))
    return found


@dataclass
class AnchorProblem:
    chain: str
    name: str
    seq: int | None
    problem: str


@dataclass
class AnchorReport:
    made_at: str = ""
    signature: str = "not checked"
    chains: int = 0
    problems: list[AnchorProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"ok": self.ok, "made_at": self.made_at, "signature": self.signature, "chains": self.chains,
                "problems": [asdict(p) for p in self.problems]}


def check_anchor(anchor) -> AnchorReport:
    """Whether the anchor is genuine and every chain still holds the event it anchored.

    A file whose signature fails is refused outright: nothing in it can be trusted, not even the
    positions, so none are checked.
    """
    report = AnchorReport()
    if not isinstance(anchor, dict) or anchor.get("format") != FORMAT or not isinstance(anchor.get("chains"), list):
        report.signature = "not an anchor"
        report.problems.append(AnchorProblem("", "", None, "the file is not a secassure audit anchor"))
        return report
    report.made_at = str(anchor.get("made_at", ""))
    if not hmac.compare_digest(str(anchor.get("signature", "")), _signature(anchor)):
        report.signature = "not valid"
        problem = SIGNATURE_MISMATCH
        if anchor.get("key_id") != audit_key_id():
            problem += f" (the file names key id {anchor.get('key_id')!r}; this installation's is {audit_key_id()})"
        report.problems.append(AnchorProblem("", "", None, problem))
        return report
    report.signature = "valid: made by this installation with its audit key"
    entries = [c for c in anchor["chains"] if isinstance(c, dict)]
    report.chains = len(entries)
    found = {(c, s): h for c, s, h in _events_at([(c["chain"], c["seq"]) for c in entries])}
    for entry in entries:
        chain, seq, name = entry["chain"], entry["seq"], entry.get("name", "")
        held = found.get((chain, seq))
        if held is None:
            report.problems.append(AnchorProblem(
                chain, name, seq, f"event #{seq}, anchored at {report.made_at}, is missing: events at or before "
                                  "the anchor were deleted (or an older copy of the log was put back)"))
        elif not hmac.compare_digest(held, entry["hash"]):
            report.problems.append(AnchorProblem(
                chain, name, seq, f"event #{seq} no longer has the hash anchored at {report.made_at} "
                                  f"(anchored {entry['hash'][:12]}…, now {held[:12]}…): it or an event before it "
                                  "was rewritten"))
    return report
