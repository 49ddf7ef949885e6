"""Recomputing the audit chains: the check behind ``secassure audit verify``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from secassure.audit.models import GENESIS_HASH, ChainHead, Event, audit_key_id, chain_name


@dataclass
class Break:
    """The first link in a chain that does not hold."""

    chain: str
    seq: int
    event_id: int | None
    problem: str


@dataclass
class ChainReport:
    chain: str
    events: int = 0
    head_hash: str = GENESIS_HASH
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass
class VerifyReport:
    chains: list[ChainReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.chains)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "chains": [
                {
                    "chain": c.chain,
                    "events": c.events,
                    "head_hash": c.head_hash,
                    "ok": c.ok,
                    "broken": asdict(c.broken) if c.broken else None,
                }
                for c in self.chains
            ],
        }


def verify_chain(chain: str, events: Iterable[Event], head: ChainHead | None) -> ChainReport:
    """Walk one chain in sequence order; stop at the first event whose link does not hold."""
    report = ChainReport(chain=chain)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for event in events:
        problem = None
        if event.seq != expected_seq:
            problem = (f"event #{expected_seq} is missing or renumbered: the next event found is #{event.seq}"
                       f" (id {event.pk})")
        elif event.prev_hash != expected_prev:
            problem = "prev_hash does not match the hash of the event before it"
        elif event.key_id != audit_key_id():
            problem = (f"sealed with another audit key (id {event.key_id}; this installation's is {audit_key_id()}): "
                       "set SECASSURE_AUDIT_KEY_FILE to the key this log was written with, or the event was forged")
        else:
            computed = event.compute_hash()
            if computed != event.hash:
                problem = f"content does not match its hash (recorded {event.hash[:12]}…, computed {computed[:12]}…)"
        if problem:
            # Name the position where the chain stops holding, which is where to start looking.
            report.broken = Break(chain, expected_seq, event.pk, problem)
            return report
        report.events += 1
        expected_prev = event.hash
        expected_seq += 1
    report.head_hash = expected_prev
    if head is None and report.events:
        report.broken = Break(chain, report.events, None, "the chain head is missing: events may have been cut")
    elif head is not None and not head.seal_holds():
        # Checked before the head is compared with the log: a head wound back by hand to the last
        # event left agrees with the log, and only its seal shows that it was moved.
        report.broken = Break(
            chain,
            head.seq,
            None,
            f"the chain head's seal does not match (head at event #{head.seq} ending {head.head_hash[:12]}…): "
            "the head was moved or rewritten outside secassure, and events after it may have been cut",
        )
    elif head is not None and (head.seq != report.events or head.head_hash != expected_prev):
        report.broken = Break(
            chain,
            report.events + 1,
            None,
            f"chain head says {head.seq} events ending {head.head_hash[:12]}…, "
            f"the log holds {report.events} ending {expected_prev[:12]}…: events are missing at the end",
        )
    return report


def verify(chains: list[str] | None = None) -> VerifyReport:
    """Verify the named chains, or every chain there is and every organisation's.

    Every organisation has a chain from the moment it is created, so an organisation without one
    has had its events removed.
    """
    organisations = Event._meta.get_field("organisation").related_model

    heads = {h.chain: h for h in ChainHead.objects.all()}
    names = set(heads)
    names.update(Event.objects.values_list("chain", flat=True).distinct())
    names.update(chain_name(pk) for pk in organisations.objects.values_list("pk", flat=True))
    if chains is not None:
        names = set(chains)
    result = VerifyReport()
    for chain in sorted(names):
        events = Event.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000)
        report = verify_chain(chain, events, heads.get(chain))
        if report.ok and report.events == 0 and chain.startswith("org:"):
            report.broken = Break(chain, 1, None, "the organisation has no audit events: its chain was removed")
        result.chains.append(report)
    return result
