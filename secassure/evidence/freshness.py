"""How fresh a document's evidence is, computed from dates (never stored, so never stale).

States, most urgent first:
- ``missing``: no version uploaded yet;
- ``expired``: the latest version's expiry date has passed (it is valid through that day);
- ``overdue``: the next review date has passed (the review is due on that day);
- ``acceptance-lapsed``: a provider maintains it and no acceptance holds for the latest version;
- ``review-due``: the next review falls within the warning window (30 days by default);
- ``current``: none of the above.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REVIEW_WARNING_DAYS = 30
ORDER = ["missing", "expired", "overdue", "acceptance-lapsed", "review-due", "current"]
# "No evidence yet" is what an obligation with no document says; a document with no file says this.
LABELS = {
    "missing": "No version yet",
    "expired": "Expired",
    "overdue": "Review overdue",
    "acceptance-lapsed": "Acceptance lapsed",
    "review-due": "Review due",
    "current": "Current",
}


@dataclass(frozen=True)
class Freshness:
    state: str
    reason: str

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def needs_attention(self) -> bool:
        return self.state != "current"


def acceptance_lapse(*, accepted_version_number: int | None, latest_version_number: int | None,
                     valid_until: dt.date | None, next_review: dt.date | None,
                     relationship_end: dt.date | None, today: dt.date) -> str | None:
    """Why an acceptance no longer holds, or None while it does."""
    if accepted_version_number is None:
        return "the provider's document has not been accepted"
    if latest_version_number is not None and accepted_version_number != latest_version_number:
        return f"version {latest_version_number} was uploaded after version {accepted_version_number} was accepted"
    if relationship_end is not None and today > relationship_end:
        return f"the provider relationship ended on {relationship_end.isoformat()}"
    if next_review is not None and today > next_review:
        return f"the document's review was due on {next_review.isoformat()}"
    if valid_until is not None and today > valid_until:
        return f"the acceptance was valid until {valid_until.isoformat()}"
    return None


def freshness(*, latest_version_number: int | None, expiry_date: dt.date | None, next_review: dt.date | None,
              provider_maintained: bool, acceptance_problem: str | None, today: dt.date,
              warning_days: int = REVIEW_WARNING_DAYS) -> Freshness:
    if latest_version_number is None:
        return Freshness("missing", "no version has been uploaded")
    if expiry_date is not None and today > expiry_date:
        return Freshness("expired", f"version {latest_version_number} expired after {expiry_date.isoformat()}")
    if next_review is not None and today > next_review:
        return Freshness("overdue", f"the review was due on {next_review.isoformat()}")
    if provider_maintained and acceptance_problem:
        return Freshness("acceptance-lapsed", acceptance_problem)
    if next_review is not None and today >= next_review - dt.timedelta(days=warning_days):
        return Freshness("review-due", f"the review is due on {next_review.isoformat()}")
    return Freshness("current", "in date")
