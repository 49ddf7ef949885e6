"""After submission: the User CIO's review (shares, query threads, comments), the SSC's outcome,
findings with their management responses, the remediation plan with its actions, progress reports
and director's letter, and assurance status records."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from secassure.review.choices import (
    ACTION_DONE,
    FINDING_DONE,
    OPEN_QUERIES,
    ActionStatus,
    Assurance,
    Decision,
    FindingKind,
    FindingSource,
    FindingStatus,
    PlanStatus,
    QueryPurpose,
    QueryStatus,
    Result,
    Severity,
    Side,
)
from secassure.tenancy.models import Organisation

USER = settings.AUTH_USER_MODEL
ASSESSMENT = "assessments.Assessment"


class ShareQuerySet(models.QuerySet):
    def active(self):
        """Not withdrawn: the shares through which a CIO reviewer reaches an assessment now."""
        return self.filter(revoked_at__isnull=True)


class Share(models.Model):
    """An assessment shared with a CIO reviewer: all they may see of the organisation."""

    assessment = models.ForeignKey(ASSESSMENT, on_delete=models.CASCADE, related_name="shares")
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="review_shares")
    shared_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ShareQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "shared_at"]
        constraints = [models.UniqueConstraint(fields=["assessment", "reviewer"], name="review_share_unique")]

    def __str__(self) -> str:
        return f"{self.assessment_id} with {self.reviewer_id}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ReviewQueryQuerySet(models.QuerySet):
    def still_open(self):
        """Not yet closed by the CIO: waiting for the User's answer, or answered and waiting for the CIO."""
        return self.filter(status__in=OPEN_QUERIES)


class ReviewQuery(models.Model):
    """A question the CIO raises on a row or answer; a thread until the CIO closes it."""

    assessment = models.ForeignKey(ASSESSMENT, on_delete=models.CASCADE, related_name="queries")
    row = models.ForeignKey("assessments.ValidationRow", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="queries")
    answer = models.ForeignKey("assessments.QuestionAnswer", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="queries")
    purpose = models.CharField(max_length=10, choices=QueryPurpose.choices, default=QueryPurpose.QUESTION)
    status = models.CharField(max_length=10, choices=QueryStatus.choices, default=QueryStatus.OPEN)
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewQueryQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "raised_at", "pk"]

    def __str__(self) -> str:
        return f"Query {self.pk}"

    @property
    def item(self):
        return self.row or self.answer


class QueryMessage(models.Model):
    """One message of a query thread. Written once; never edited by anyone."""

    query = models.ForeignKey(ReviewQuery, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=4, choices=Side.choices)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    document = models.ForeignKey("evidence.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    version = models.ForeignKey("evidence.DocumentVersion", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["query", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Comment(models.Model):
    """The CIO's comment on a row or answer, or overall (neither). Its author may change it until
    the comments are final; nobody else ever may."""

    assessment = models.ForeignKey(ASSESSMENT, on_delete=models.CASCADE, related_name="cio_comments")
    row = models.ForeignKey("assessments.ValidationRow", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="cio_comments")
    answer = models.ForeignKey("assessments.QuestionAnswer", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="cio_comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(row__isnull=False, answer__isnull=False),
                                              name="review_comment_one_target")]

    def __str__(self) -> str:
        return self.text[:60]


class Outcome(models.Model):
    """The SSC's decision on a submitted assessment, recorded from its notification."""

    assessment = models.OneToOneField(ASSESSMENT, on_delete=models.PROTECT, related_name="outcome")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    clause = models.CharField(max_length=40, blank=True, help_text="From the rule data in force.")
    rule_id = models.CharField(max_length=80, blank=True)
    sent_on = models.DateField("sent to the SSC on", null=True, blank=True,
                               help_text="When the Validation Workbook went to the SSC with the CIO's final comments.")
    received_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    text = models.TextField("decision text", blank=True)
    letter = models.ForeignKey("evidence.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey(ASSESSMENT, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.get_decision_display()


class FindingQuerySet(models.QuerySet):
    def still_open(self):
        """Neither closed nor accepted as a risk: the findings that still call for work."""
        return self.exclude(status__in=FINDING_DONE)


class Finding(models.Model):
    """A finding from a CIO report (or raised by the User) and the User's management response."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="findings")
    assessment = models.ForeignKey(ASSESSMENT, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="findings")
    ref = models.CharField(max_length=20)
    source = models.CharField(max_length=12, choices=FindingSource.choices, default=FindingSource.CIO_REPORT)
    clause = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=12, choices=FindingKind.choices)
    description = models.TextField()
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    response = models.TextField("management response", blank=True)
    response_due = models.DateField("SSC deadline for the response", null=True, blank=True)
    responded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    response_approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    response_approved_at = models.DateTimeField(null=True, blank=True)
    evidence = models.ManyToManyField("evidence.Document", blank=True, related_name="findings")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "ref"]
        constraints = [models.UniqueConstraint(fields=["organisation", "ref"], name="finding_ref_unique")]

    def __str__(self) -> str:
        return f"{self.ref} {self.description[:60]}"

    @property
    def still_open(self) -> bool:
        return self.status not in FINDING_DONE


class RowResult(models.Model):
    """The User CIO's result on one obligation of an assessment the CIO conducts, with the evidence
    examined (the versions as they stood when the result was recorded). Only the CIO writes it."""

    assessment = models.ForeignKey(ASSESSMENT, on_delete=models.CASCADE, related_name="cio_results")
    row = models.OneToOneField("assessments.ValidationRow", on_delete=models.CASCADE, related_name="cio_result")
    result = models.CharField(max_length=10, choices=Result.choices)
    note = models.TextField(blank=True)
    examined = models.ManyToManyField("evidence.DocumentVersion", blank=True, related_name="+")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["assessment", "row__order"]

    def __str__(self) -> str:
        return self.get_result_display()


class CioReport(models.Model):
    """One version of the User CIO's User Security Assessment Report (G8.22). A version is a draft
    until the CIO issues it; an issued version is never changed, and a revision is a new version.
    ``results`` keeps the results as issued; the User's response (G8.24) is due by the SSC's date."""

    assessment = models.ForeignKey(ASSESSMENT, on_delete=models.PROTECT, related_name="cio_reports")
    version = models.PositiveIntegerField()
    summary = models.TextField()
    results = models.JSONField(default=list, blank=True)
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    response_due = models.DateField("SSC's date for the User's response", null=True, blank=True)
    response_sent_on = models.DateField(null=True, blank=True)
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "version"]
        constraints = [models.UniqueConstraint(fields=["assessment", "version"], name="cio_report_version")]

    def __str__(self) -> str:
        return f"User Security Assessment Report v{self.version}"

    @property
    def issued(self) -> bool:
        return self.issued_at is not None


class RemediationPlan(models.Model):
    """The plan the SSC asked for (actions, owners, timescales). Its version goes up when a
    commitment changes after a director's letter signed the version before."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="remediation_plans")
    assessment = models.ForeignKey(ASSESSMENT, on_delete=models.PROTECT, related_name="remediation_plans")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    sent_on = models.DateField(null=True, blank=True, help_text="When the current version went to the SSC.")
    sent_version = models.PositiveIntegerField(null=True, blank=True)
    approved_on = models.DateField(null=True, blank=True)
    approved_version = models.PositiveIntegerField(null=True, blank=True)
    approval_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["assessment"], name="remediation_plan_one_per_assessment")]

    def __str__(self) -> str:
        return f"Remediation plan v{self.version}"


class RemediationActionQuerySet(models.QuerySet):
    def still_open(self):
        """Neither done nor cancelled."""
        return self.exclude(status__in=ACTION_DONE)

    def due_by(self, day: dt.date):
        """Still open, with a target date on or before ``day``: overdue, or due by then."""
        return self.filter(target_date__lte=day).still_open()

    def overdue(self, today: dt.date):
        """Still open and past the target date. An action due today is not yet overdue."""
        return self.filter(target_date__lt=today).still_open()


class RemediationAction(models.Model):
    plan = models.ForeignKey(RemediationPlan, on_delete=models.CASCADE, related_name="actions")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    clause = models.CharField(max_length=40, blank=True)
    description = models.TextField()
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_date = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    closure_evidence = models.ForeignKey("evidence.Document", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    objects = RemediationActionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "target_date", "pk"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def still_open(self) -> bool:
        return self.status not in ACTION_DONE

    def is_overdue(self, today: dt.date) -> bool:
        return self.still_open and self.target_date < today


class ProgressReport(models.Model):
    """A report sent to the SSC on the plan's progress (G8.28(b)): when, and what was sent."""

    plan = models.ForeignKey(RemediationPlan, on_delete=models.CASCADE, related_name="reports")
    sent_on = models.DateField()
    summary = models.TextField()
    document = models.ForeignKey("evidence.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "sent_on", "pk"]

    def __str__(self) -> str:
        return f"Report of {self.sent_on}"


class DirectorLetter(models.Model):
    """The director-signed cover letter for a plan version. Written once, never changed."""

    plan = models.ForeignKey(RemediationPlan, on_delete=models.PROTECT, related_name="letters")
    plan_version = models.PositiveIntegerField()
    signatory = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()
    commitments = models.TextField()
    snapshot = models.JSONField(help_text="The plan's actions as signed.")
    document = models.ForeignKey("evidence.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "plan_version"]
        constraints = [models.UniqueConstraint(fields=["plan", "plan_version"], name="director_letter_version")]

    def __str__(self) -> str:
        return f"Letter for plan v{self.plan_version}"


class AssuranceRecord(models.Model):
    """An assurance status after a FUSA or follow-up, as the SSC named it then and as it is named now."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assurance_records")
    assessment = models.ForeignKey(ASSESSMENT, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="assurance_records")
    status = models.CharField(max_length=20, choices=Assurance.choices)
    name_as_given = models.CharField(max_length=60, help_text="The name in the SSC's letter, which may be a "
                                                               "name used before February 2020.")
    effective_date = models.DateField()
    conditions = models.TextField(blank=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-effective_date"]

    def __str__(self) -> str:
        return self.get_status_display()
