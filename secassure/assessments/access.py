"""The door to assessments and what hangs off them: each is found only through an organisation the
person may see, so another organisation's assessment, row or risk answers 404 like a missing one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, Risk, ValidationRow
from secassure.tenancy.access import VIEW_ASSESSMENTS, Door, open_door


def get_assessment_for(user, slug: str, pk: int, permission: str = VIEW_ASSESSMENTS) -> tuple[Door, Assessment]:
    """The door to the organisation and the assessment behind it."""
    door = open_door(user, slug, permission)
    assessment = get_object_or_404(Assessment.objects.select_related("catalogue__framework", "baseline"),
                                   organisation=door.organisation, pk=pk)
    assessment.organisation = door.organisation
    return door, assessment


def get_row_for(assessment: Assessment, pk: int) -> ValidationRow:
    row = get_object_or_404(ValidationRow.objects.select_related("obligation", "owner", "updated_by", "checked_by"),
                            assessment=assessment, pk=pk)
    row.assessment = assessment
    return row


def get_answer_for(assessment: Assessment, pk: int) -> QuestionAnswer:
    answer = get_object_or_404(QuestionAnswer.objects.select_related("question", "owner", "updated_by", "checked_by"),
                               assessment=assessment, pk=pk)
    answer.assessment = assessment
    return answer


def get_link_for(assessment: Assessment, pk: int) -> EvidenceLink:
    link = get_object_or_404(EvidenceLink.objects.select_related("document", "row", "answer"),
                             assessment=assessment, pk=pk)
    link.assessment = assessment
    return link


def get_risk_for(user, slug: str, pk: int, permission: str = VIEW_ASSESSMENTS) -> tuple[Door, Risk]:
    door = open_door(user, slug, permission)
    risk = get_object_or_404(Risk.objects.select_related("owner"), organisation=door.organisation, pk=pk)
    risk.organisation = door.organisation
    return door, risk
