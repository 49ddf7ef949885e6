"""Vocabularies of the document register."""

from django.db import models


class DocumentType(models.TextChoices):
    POLICY = "policy", "Policy"
    PROCEDURE = "procedure", "Procedure"
    STANDARD = "standard", "Standard"
    PLAN = "plan", "Plan"
    RECORD = "record", "Record"
    REPORT = "report", "Report"
    CONTRACT = "contract", "Contract"
    LETTER = "letter", "Letter"


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in-review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"
    RETIRED = "retired", "Retired"


# Statuses of documents no longer in force: reminders, the portfolio and the dashboard leave them out.
NOT_IN_FORCE = (DocumentStatus.SUPERSEDED, DocumentStatus.RETIRED)


# The lifecycle, as a table: which status may follow which. A superseded or retired document
# stays as it is; a new document (or a new version) carries the work on.
TRANSITIONS: dict[str, frozenset[str]] = {
    DocumentStatus.DRAFT: frozenset({DocumentStatus.IN_REVIEW, DocumentStatus.RETIRED}),
    DocumentStatus.IN_REVIEW: frozenset({DocumentStatus.DRAFT, DocumentStatus.APPROVED}),
    DocumentStatus.APPROVED: frozenset({DocumentStatus.PUBLISHED, DocumentStatus.IN_REVIEW}),
    DocumentStatus.PUBLISHED: frozenset({DocumentStatus.IN_REVIEW, DocumentStatus.SUPERSEDED,
                                         DocumentStatus.RETIRED}),
    DocumentStatus.SUPERSEDED: frozenset(),
    DocumentStatus.RETIRED: frozenset(),
}


class Classification(models.TextChoices):
    """Handling labels, in the spirit of the Panel Information Policy (SEC M4.13)."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"

