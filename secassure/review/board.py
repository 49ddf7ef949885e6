"""The remediation plan board as it reads: the plan's actions with how each stands against its target
date, grouped by status; the director's letters with each action as it was signed; the progress
reports; and whether the current version is signed and sent. Reads only, in a fixed number of
queries however many actions, letters or reports there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from secassure.review.attention import DUE_SOON_DAYS
from secassure.review.choices import ActionStatus
from secassure.review.models import DirectorLetter, Finding, ProgressReport, RemediationAction, RemediationPlan
from secassure.tenancy.models import Organisation


@dataclass
class Board:
    """What the board shows of a plan. ``groups`` holds only the statuses that have actions."""

    actions: list[RemediationAction]
    groups: list[tuple[str, list[RemediationAction]]]
    letters: list[DirectorLetter]
    reports: list[ProgressReport]
    signed_now: bool
    sent: dt.date | None
    overdue: int


def read_board(plan: RemediationPlan, today: dt.date) -> Board:
    """The plan's board on ``today``: three queries."""
    actions = _actions(plan, today)
    letters = _letters(plan)
    return Board(actions=actions, groups=_groups(actions), letters=letters, reports=_reports(plan),
                 signed_now=_signed_now(plan, letters), sent=_sent(plan), overdue=sum(a.overdue for a in actions))


def open_findings(org: Organisation) -> list[Finding]:
    """The findings an action may still address: the organisation's that are not closed or accepted."""
    return list(Finding.objects.filter(organisation=org).still_open()
                .only("pk", "ref", "description").order_by("ref"))


def _actions(plan: RemediationPlan, today: dt.date) -> list[RemediationAction]:
    """The plan's actions by target date, each marked with how it stands on ``today``."""
    actions = list(plan.actions.select_related("owner", "finding", "closure_evidence").order_by("target_date", "pk"))
    for action in actions:
        _mark_timing(action, today)
    return actions


def _mark_timing(action: RemediationAction, today: dt.date) -> None:
    """Whether an action is overdue or due soon, and by how many days."""
    action.overdue = action.is_overdue(today)
    action.days_left = (action.target_date - today).days
    action.due_soon = action.still_open and 0 <= action.days_left <= DUE_SOON_DAYS
    action.days_over = -action.days_left


def _groups(actions: list[RemediationAction]) -> list[tuple[str, list[RemediationAction]]]:
    """The actions by status, in the statuses' order, leaving out statuses with none."""
    groups = [(label, [a for a in actions if a.status == value]) for value, label in ActionStatus.choices]
    return [g for g in groups if g[1]]


def _letters(plan: RemediationPlan) -> list[DirectorLetter]:
    """The director's letters, newest version first, each with the actions as it was signed."""
    letters = list(plan.letters.select_related("signatory", "document").order_by("-plan_version"))
    for letter in letters:
        letter.rows = [_as_signed(row) for row in letter.snapshot or []]
    return letters


def _as_signed(row: dict) -> dict:
    """One action of a letter's snapshot, with its status and date as people read them."""
    status, target = row.get("status", ""), row.get("target_date")
    try:
        target = dt.date.fromisoformat(target) if target else None
    except (TypeError, ValueError):
        pass
    return {**row, "target": target,
            "status_label": ActionStatus(status).label if status in ActionStatus.values else status}


def _reports(plan: RemediationPlan) -> list[ProgressReport]:
    """The progress reports, latest first."""
    return list(plan.reports.select_related("document", "recorded_by").order_by("-sent_on", "-pk"))


def _signed_now(plan: RemediationPlan, letters: list[DirectorLetter]) -> bool:
    """Whether the director has signed the plan's current version."""
    return any(letter.plan_version == plan.version for letter in letters)


def _sent(plan: RemediationPlan) -> dt.date | None:
    """When the current version was sent to the SSC, or None if it has not been."""
    return plan.sent_on if plan.sent_version == plan.version else None
