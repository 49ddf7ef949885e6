"""Fixed vocabularies of assessments, and the table of allowed lifecycle moves."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from secassure.catalogue.choices import AnswerKind


class AssessmentType(models.TextChoices):
    FUSA = "fusa", "Full User Security Assessment (FUSA)"
    VUSA = "vusa", "Verification User Security Assessment (VUSA)"
    SSA = "ssa", "User Security Self-Assessment (SSA)"
    FOLLOW_UP = "follow-up", "Follow-up Security Assessment"
    CIO_COMPLIANCE = "cio-compliance", "CIO compliance assessment (G8.3(d))"
    # SEC Section I privacy assessments, for Other Users only, against the privacy catalogue (sec-i).
    FPA = "fpa", "Full Privacy Assessment (FPA)"
    RSPA = "rspa", "Random Sample Privacy Assessment (RSPA)"
    PSA = "psa", "Privacy Self-Assessment (PSA)"


# The privacy assessments of SEC Section I: assessed against the privacy catalogue, and only for a
# Party in the Other User category (which Party categories a regime covers is rule data: the
# privacy-cycle rules' cycle).
PRIVACY_TYPES = frozenset({AssessmentType.FPA, AssessmentType.RSPA, AssessmentType.PSA})


def regime_of(kind: str) -> str:
    """The word a page or an export uses for the regime an assessment of this type belongs to."""
    return "privacy" if kind in PRIVACY_TYPES else "security"


# The types in which the User itself decides whether security risk has materially increased since
# the last assessment: it needs a recorded decision before submission. On a VUSA the User CIO
# identifies any material increase (G8.22), as a result on the obligation concerned.
MATERIALITY_TYPES = frozenset({AssessmentType.SSA})


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PREPARATION = "preparation", "In preparation"
    INTERNAL_REVIEW = "internal-review", "Internal review"
    SIGN_OFF = "sign-off", "Management sign-off"
    SUBMITTED = "submitted", "Submitted"
    # After submission the review app moves it on: the CIO reviews, the SSC decides.
    CIO_REVIEW = "cio-review", "Under CIO review"
    CIO_FINAL = "cio-final", "CIO comments final"
    # An assessment the User CIO conducts (FUSA, VUSA, follow-up, G8.3(d)) goes another way once it is
    # shared: the CIO's fieldwork, the CIO's report, the User's response.
    FIELDWORK = "fieldwork", "CIO fieldwork under way"
    REPORT_ISSUED = "report-issued", "CIO report issued"
    RESPONSE_SENT = "response-sent", "Response sent to the SSC"
    ACTIONS_REQUESTED = "actions-requested", "Actions requested by the SSC"
    CLOSED = "closed", "Closed"


# Content may be changed in these states; later ones are locked. During the CIO's fieldwork the User
# still links evidence and brings its rows up to date: that is how evidence requests are answered.
EDITABLE = frozenset({AssessmentStatus.DRAFT, AssessmentStatus.PREPARATION, AssessmentStatus.INTERNAL_REVIEW,
                      AssessmentStatus.FIELDWORK})
# Submitted at least once, or reported on by the CIO: its content is what the CIO and the SSC saw.
SUBMITTED_STATES = frozenset({AssessmentStatus.SUBMITTED, AssessmentStatus.CIO_REVIEW, AssessmentStatus.CIO_FINAL,
                              AssessmentStatus.ACTIONS_REQUESTED, AssessmentStatus.CLOSED,
                              AssessmentStatus.REPORT_ISSUED, AssessmentStatus.RESPONSE_SENT})


class Compliance(models.TextChoices):
    NOT_ASSESSED = "not-assessed", "Not assessed"
    COMPLIANT = "compliant", "Compliant"
    PARTIAL = "partial", "Partially compliant"
    NON_COMPLIANT = "non-compliant", "Non-compliant"
    NOT_APPLICABLE = "not-applicable", "Not applicable"


class Answer(models.TextChoices):
    """The answers of every kind of question (the catalogue's AnswerKind): yes-no questions take
    the first four, status questions the progress words and Not applicable."""

    UNANSWERED = "", "Not answered"
    YES = "yes", "Yes"
    NO = "no", "No"
    PARTIAL = "partial", "Partially"
    NOT_APPLICABLE = "not-applicable", "Not applicable"
    ALL_CLOSED = "all-closed", "All closed"
    ON_TRACK = "on-track", "Open and on track"
    OVERDUE = "overdue", "Overdue"


# What each kind of question offers. A question answered in words offers no choice: its narrative
# is the answer.
ANSWERS_FOR: dict[str, tuple[Answer, ...]] = {
    AnswerKind.YES_NO: (Answer.YES, Answer.NO, Answer.PARTIAL, Answer.NOT_APPLICABLE),
    AnswerKind.STATUS: (Answer.ALL_CLOSED, Answer.ON_TRACK, Answer.OVERDUE, Answer.NOT_APPLICABLE),
    AnswerKind.TEXT: (),
}
# How a status answer reads: open actions on track are in hand but not done, as Partially is.
_STATUS_TONE = {Answer.ALL_CLOSED: "good", Answer.ON_TRACK: "partial", Answer.OVERDUE: "concern"}


def answers_for(kind: str) -> tuple[Answer, ...]:
    return ANSWERS_FOR.get(kind, ANSWERS_FOR[AnswerKind.YES_NO])


def is_answered(kind: str, answer: str, narrative: str) -> bool:
    """A choice answers a yes-no or status question; words answer a text question."""
    return bool(narrative.strip()) if kind == AnswerKind.TEXT else bool(answer)


def answer_tone(kind: str, concern: str, answer: str, narrative: str) -> str:
    """How an answer is shown (the cs- class): the question's worrying answer as a concern, the
    other as good, words neutral; Partially and Not applicable as they always were."""
    if not is_answered(kind, answer, narrative):
        return "unanswered"
    if kind == AnswerKind.TEXT:
        return "neutral"
    if answer in (Answer.PARTIAL, Answer.NOT_APPLICABLE):
        return answer
    if kind == AnswerKind.STATUS:
        return _STATUS_TONE.get(answer, "neutral")
    return "concern" if answer == concern else "good"


def answer_label(kind: str, answer: str, narrative: str) -> str:
    if kind == AnswerKind.TEXT:
        return "Answered in words" if narrative.strip() else Answer.UNANSWERED.label
    return Answer(answer).label if answer in Answer.values else answer


class ChangeArea(models.TextChoices):
    SYSTEMS = "systems", "User Systems"
    HOSTING = "hosting", "Hosting"
    PROVIDERS = "providers", "Third-party providers"
    ROLES = "roles", "User Roles"
    PORTFOLIO = "portfolio", "Portfolio"
    INCIDENTS = "incidents", "Incidents"
    VULNERABILITIES = "vulnerabilities", "Vulnerabilities"
    PEOPLE = "people", "People"
    KEYS = "keys", "Cryptographic keys"
    SMETS1 = "smets1", "SMETS1"
    OTHER = "other", "Other"


class Treatment(models.TextChoices):
    """ISO/IEC 27005 risk treatment options."""

    MODIFY = "modify", "Modify (reduce)"
    RETAIN = "retain", "Retain (accept)"
    AVOID = "avoid", "Avoid"
    SHARE = "share", "Share (transfer)"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Decision(models.TextChoices):
    UNDECIDED = "", "Not decided"
    MATERIAL = "material", "Material increase in security risk"
    NOT_MATERIAL = "not-material", "No material increase"


@dataclass(frozen=True)
class Move:
    """One allowed lifecycle move: its verb, the permission it needs, whether it needs a reason."""

    name: str
    label: str
    permission: str
    needs_reason: bool = False


S = AssessmentStatus
# (from, to) -> the move. Anything not here is refused.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.DRAFT, S.PREPARATION): Move("start", "Start preparation", "assessments.edit"),
    (S.PREPARATION, S.INTERNAL_REVIEW): Move("send-for-review", "Send for internal review", "assessments.edit"),
    (S.INTERNAL_REVIEW, S.PREPARATION): Move("return", "Return to preparation", "assessments.check",
                                             needs_reason=True),
    (S.INTERNAL_REVIEW, S.SIGN_OFF): Move("send-for-sign-off", "Send for management sign-off", "assessments.check"),
    (S.SIGN_OFF, S.PREPARATION): Move("reject", "Return to preparation", "assessments.approve", needs_reason=True),
    (S.SIGN_OFF, S.SUBMITTED): Move("submit", "Sign off and submit", "assessments.approve"),
    (S.SUBMITTED, S.PREPARATION): Move("reopen", "Re-open", "assessments.reopen", needs_reason=True),
}
