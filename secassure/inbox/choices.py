"""The vocabularies of the inbox."""

from django.db import models


class Delivery(models.TextChoices):
    """How a person wants to hear of a hand-off besides their inbox."""

    IMMEDIATE = "immediate", "By e-mail at once"
    DIGEST = "digest", "In the daily digest e-mail"
    NONE = "none", "Only in my inbox"


class Kind(models.TextChoices):
    """Each hand-off that tells someone it is their turn."""

    INTERNAL_REVIEW = "internal-review", "Sent for internal review"
    RETURNED = "returned", "Returned for changes"
    SIGN_OFF = "sign-off", "Sent for sign-off"
    SIGN_OFF_REJECTED = "sign-off-rejected", "Sign-off refused"
    SUBMITTED = "submitted", "Submitted"
    SHARED = "shared", "Shared with the CIO"
    QUERY_RAISED = "query-raised", "Query raised"
    QUERY_ANSWERED = "query-answered", "Query answered"
    EVIDENCE_REQUESTED = "evidence-requested", "Evidence requested"
    REPORT_ISSUED = "report-issued", "CIO report issued"
    RESPONSE_DUE = "response-due", "Response due"
    RESPONSE_TO_APPROVE = "response-to-approve", "Response to approve"
    RESPONSE_SENT = "response-sent", "Response sent"
    OUTCOME = "outcome", "Outcome recorded"
    ACTION_ASSIGNED = "action-assigned", "Remediation action assigned"
    ROWS_ASSIGNED = "rows-assigned", "Rows assigned"
    VERSION_TO_ACCEPT = "version-to-accept", "Provider's version to accept"
    NOTICE_OVERDUE = "notice-overdue", "Notice overdue"
