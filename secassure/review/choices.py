"""Fixed vocabularies of the CIO review, the SSC outcome, findings and remediation."""

from __future__ import annotations

from django.db import models


class Side(models.TextChoices):
    CIO = "cio", "User CIO"
    USER = "user", "User"


class QueryStatus(models.TextChoices):
    """Where a CIO query stands. It is open until the CIO closes it; while open, it waits either for
    the User's answer or, once the User has answered, for the CIO to reply or close it. Every count of
    "open queries" counts both (``OPEN_QUERIES``) and shows the two apart."""

    OPEN = "open", "Waiting for the User's answer"
    ANSWERED = "answered", "Answered, waiting for the CIO"
    CLOSED = "closed", "Closed"


OPEN_QUERIES = (QueryStatus.OPEN, QueryStatus.ANSWERED)


class QueryPurpose(models.TextChoices):
    """A query asks about what the User wrote; an evidence request, raised during the CIO's fieldwork,
    asks the User for evidence from its register on one obligation."""

    QUESTION = "question", "Query"
    EVIDENCE = "evidence", "Evidence request"


class Result(models.TextChoices):
    """The User CIO's result on one obligation of an assessment the CIO conducts (G8.22): for a FUSA,
    actual or potential non-compliance; for a VUSA, also a material increase in security risk since
    the last FUSA. Each non-compliant result becomes a finding of the same kind when the report is
    issued."""

    COMPLIANT = "compliant", "Compliant"
    ACTUAL = "actual", "Actual non-compliance"
    POTENTIAL = "potential", "Potential non-compliance"
    MATERIAL = "material", "Material increase in security risk"


NON_COMPLIANT_RESULTS = frozenset({Result.ACTUAL, Result.POTENTIAL, Result.MATERIAL})


class Decision(models.TextChoices):
    """The SSC's three outcomes for a self-assessment; their clause ids come from the rule data."""

    SATISFACTORY = "satisfactory", "Satisfactory"
    ACTIONS = "actions", "Actions requested"
    CIO_ASSESSMENT = "cio-assessment", "Formal CIO assessment requested"


class FindingKind(models.TextChoices):
    ACTUAL = "actual", "Actual non-compliance"
    POTENTIAL = "potential", "Potential non-compliance"
    MATERIAL = "material", "Material increase in security risk"
    OBSERVATION = "observation", "Observation"


class FindingSource(models.TextChoices):
    CIO_REPORT = "cio-report", "User CIO's report"
    SELF = "self", "Raised by the User"
    SSC = "ssc", "SSC request"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESPONSE_DRAFTED = "response-drafted", "Response drafted"
    ACTION_PLANNED = "action-planned", "Action planned"
    IN_REMEDIATION = "in-remediation", "In remediation"
    EVIDENCE_SUBMITTED = "evidence-submitted", "Evidence submitted"
    CLOSED = "closed", "Closed"
    RISK_ACCEPTED = "risk-accepted", "Risk accepted (SSC allowed)"


FINDING_DONE = frozenset({FindingStatus.CLOSED, FindingStatus.RISK_ACCEPTED})


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Director's letter signed"
    SENT = "sent", "Sent to the SSC"
    APPROVED = "approved", "Approved by the SSC"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in-progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ACTION_DONE = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})


class Assurance(models.TextChoices):
    """Assurance statuses after a FUSA or follow-up (names in use since 27 February 2020)."""

    APPROVED = "approved", "Approved"
    APPROVED_SUBJECT_TO = "approved-subject-to", "Approved subject to"
    DEFERRED = "deferred", "Deferred"
    REJECTED = "rejected", "Rejected"
