"""Assessments: one per FUSA, VUSA, SSA or follow-up, with a validation row per applicable
obligation, an answer per applicable question, evidence links, a change log, and the risk register
they are judged against."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from secassure.assessments.choices import (
    EDITABLE,
    SUBMITTED_STATES,
    Answer,
    AssessmentStatus,
    AssessmentType,
    ChangeArea,
    Compliance,
    Decision,
    RiskStatus,
    Treatment,
    answer_label,
    answer_tone,
    is_answered,
)
from secassure.catalogue.choices import AnswerKind
from secassure.tenancy.models import Organisation

USER = settings.AUTH_USER_MODEL


class AssessmentQuerySet(models.QuerySet):
    def editable(self):
        """Those whose content may still change: draft, in preparation or in internal review."""
        return self.filter(status__in=EDITABLE)

    def submitted(self):
        """Those submitted at least once: their content is what the CIO and the SSC saw."""
        return self.filter(status__in=SUBMITTED_STATES)


class Assessment(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField("type", max_length=16, choices=AssessmentType.choices)
    cycle_year = models.PositiveSmallIntegerField(null=True, blank=True)
    catalogue = models.ForeignKey("catalogue.FrameworkVersion", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    booking_reference = models.CharField(max_length=100, blank=True)
    fieldwork_start = models.DateField(null=True, blank=True)
    fieldwork_end = models.DateField(null=True, blank=True)
    baseline = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="followers")
    status = models.CharField(max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    decision = models.CharField("materiality decision", max_length=16, choices=Decision.choices, blank=True,
                                default=Decision.UNDECIDED)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def submitted(self) -> bool:
        return self.status in SUBMITTED_STATES

    def as_dict(self) -> dict:
        return {
            "id": self.pk, "organisation": self.organisation.slug, "type": self.kind, "title": self.title,
            "cycle_year": self.cycle_year, "catalogue": str(self.catalogue), "status": self.status,
            "baseline": self.baseline_id,
            "period": [d.isoformat() if d else None for d in (self.period_start, self.period_end)],
            "planned": [d.isoformat() if d else None for d in (self.planned_start, self.planned_end)],
            "fieldwork": [d.isoformat() if d else None for d in (self.fieldwork_start, self.fieldwork_end)],
            "booking_reference": self.booking_reference,
            "decision": self.decision or None, "decision_reason": self.decision_reason or None,
        }


class StatusChange(models.Model):
    """The assessment's lifecycle history: who moved it, when and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    to_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class Reviewable(models.Model):
    """What rows and answers share: who last changed it, who checked it, carry-forward, revision."""

    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed = models.BooleanField("changed since the baseline", null=True, blank=True)
    change_note = models.TextField(blank=True)
    carried_forward = models.BooleanField(default=False)
    confirmed = models.BooleanField(default=True)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ValidationRow(Reviewable):
    """One applicable obligation: whether and how the organisation complies."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rows")
    obligation = models.ForeignKey("catalogue.Obligation", on_delete=models.PROTECT, related_name="+")
    group_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Compliance.choices, default=Compliance.NOT_ASSESSED)
    narrative = models.TextField("how it is met", blank=True)
    na_reason = models.TextField("why it does not apply", blank=True)
    last_tested = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "obligation"], name="assessment_row_unique")]
        indexes = [models.Index(fields=["assessment", "status"]), models.Index(fields=["assessment", "group_ref"])]

    def __str__(self) -> str:
        return f"{self.obligation.ref}"


class QuestionAnswer(Reviewable):
    """One applicable self-assessment question and its answer."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("catalogue.Question", on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=16, choices=Answer.choices, blank=True, default=Answer.UNANSWERED)
    narrative = models.TextField(blank=True)
    material = models.BooleanField("material increase in risk", default=False)
    material_rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment", "order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "question"], name="assessment_answer_unique")]

    def __str__(self) -> str:
        return f"{self.question.ref}"

    @property
    def is_answered(self) -> bool:
        return is_answered(self.question.answer_kind, self.answer, self.narrative)

    @property
    def tone(self) -> str:
        """The cs- class the answer is shown with (see choices.answer_tone)."""
        q = self.question
        return answer_tone(q.answer_kind, q.concern, self.answer, self.narrative)

    @property
    def shown(self) -> str:
        return answer_label(self.question.answer_kind, self.answer, self.narrative)


def answered() -> Q:
    """The answers that count as answered, as a filter: a choice for a yes-no or status question,
    words for a question answered in words. Narratives are stored trimmed, so empty means nothing
    was written."""
    words = Q(question__answer_kind=AnswerKind.TEXT)
    return (words & ~Q(narrative="")) | (~words & ~Q(answer=Answer.UNANSWERED))


class EvidenceLink(models.Model):
    """A register document offered as evidence for a row or an answer. Until submission it follows
    the document's latest version; submission pins the version then current."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="links")
    row = models.ForeignKey(ValidationRow, null=True, blank=True, on_delete=models.CASCADE, related_name="links")
    answer = models.ForeignKey(QuestionAnswer, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="links")
    document = models.ForeignKey("evidence.Document", on_delete=models.PROTECT, related_name="assessment_links")
    version = models.ForeignKey("evidence.DocumentVersion", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    carried_forward = models.BooleanField(default=False)
    added_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(row__isnull=False, answer__isnull=True)
                                   | Q(row__isnull=True, answer__isnull=False), name="evidence_link_one_target"),
            models.UniqueConstraint(fields=["row", "document"], name="evidence_link_row_document"),
            models.UniqueConstraint(fields=["answer", "document"], name="evidence_link_answer_document"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}"


class ChangeRecord(models.Model):
    """Something that changed since the baseline, in the assessment's change log."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="changes")
    area = models.CharField(max_length=16, choices=ChangeArea.choices)
    description = models.TextField()
    changed_on = models.DateField(null=True, blank=True)
    risk = models.ForeignKey("Risk", null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "changed_on", "pk"]

    def __str__(self) -> str:
        return self.description[:80]


class Risk(models.Model):
    """A risk in the organisation's register (ISO/IEC 27005 style)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="risks")
    ref = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    asset = models.CharField("asset or scope", max_length=300, blank=True)
    threat = models.TextField(blank=True)
    vulnerability = models.TextField(blank=True)
    inherent_likelihood = models.PositiveSmallIntegerField()
    inherent_impact = models.PositiveSmallIntegerField()
    residual_likelihood = models.PositiveSmallIntegerField()
    residual_impact = models.PositiveSmallIntegerField()
    treatment = models.CharField(max_length=8, choices=Treatment.choices, default=Treatment.MODIFY)
    treatment_plan = models.TextField(blank=True)
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["organisation", "ref"]
        constraints = [models.UniqueConstraint(fields=["organisation", "ref"], name="risk_ref_unique")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_impact

    def as_dict(self) -> dict:
        return {
            "ref": self.ref, "title": self.title, "asset": self.asset, "threat": self.threat,
            "vulnerability": self.vulnerability,
            "inherent": [self.inherent_likelihood, self.inherent_impact, self.inherent_score],
            "residual": [self.residual_likelihood, self.residual_impact, self.residual_score],
            "treatment": self.treatment, "treatment_plan": self.treatment_plan,
            "owner": self.owner.email if self.owner_id else None,
            "review_date": self.review_date.isoformat() if self.review_date else None, "status": self.status,
        }


class RiskRevision(models.Model):
    """The risk as it stood after each change: its history."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["risk", "number"]
        constraints = [models.UniqueConstraint(fields=["risk", "number"], name="risk_revision_unique")]

    def __str__(self) -> str:
        return f"{self.risk_id} r{self.number}"


class RiskSnapshot(models.Model):
    """The register as it stood when an assessment was submitted (one row per risk)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="risk_snapshots")
    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()
    residual_score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["assessment", "risk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "risk"], name="risk_snapshot_unique")]


    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.risk_id}"
