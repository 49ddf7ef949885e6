"""An assessment's files, as its files page offers them: the workbook, the submission pack, OSCAL and
CSV, made by the same builders and reached through the same door (a CIO reviewer gets the
assessments shared with them, and their own copy of the workbook)."""


from typing import Literal

from django.http import HttpRequest
from ninja import Router

from secassure.api.core import READ_ERRORS, PathId, token_organisation
from secassure.exchange import flat, layout
from secassure.exchange import oscal as oscal_models
from secassure.exchange.views import XLSX, csv_download, oscal_download, pack_download, workbook_download
from secassure.review.access import review_door

router = Router(tags=["exports"])

BASE = "/organisations/{slug}/assessments/{assessment_id}/export"


def _binary(media_type: str, what: str) -> dict:
    return {"responses": {200: {"description": f"{what}, as an attachment",
                                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get(BASE + "/workbook", response={**READ_ERRORS}, summary="The assessment's workbook",
            openapi_extra=_binary(XLSX, "The workbook (.xlsx)"))
def workbook(request: HttpRequest, slug: str, assessment_id: PathId,
             kind: Literal[layout.KINDS] = layout.VALIDATION_WORKBOOK):
    """The validation workbook (or, with ``kind=questionnaire``, the questionnaire alone) as the files
    page gives it to the token's person: cells they may fill in are open, the rest locked."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    return workbook_download(door.assessment, by=request.user, kind=kind)


@router.get(BASE + "/pack", response={**READ_ERRORS}, summary="The submission pack",
            openapi_extra=_binary("application/zip", "The submission pack (.zip)"))
def submission_pack(request: HttpRequest, slug: str, assessment_id: PathId):
    """The submission pack: the workbook as a locked record, the report, the OSCAL documents, the
    evidence files and a manifest of their fingerprints, in one zip."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    return pack_download(door.assessment, by=request.user)


@router.get(BASE + "/oscal", response={**READ_ERRORS}, summary="An OSCAL document",
            openapi_extra={"responses": {200: {
                "description": "The OSCAL document (JSON), as an attachment",
                "content": {"application/json": {"schema": {"type": "object", "description": (
                    "An OSCAL 1.1 document: assessment-results, plan-of-action-and-milestones or catalog")}}}}}})
def oscal(request: HttpRequest, slug: str, assessment_id: PathId,
          model: Literal[oscal_models.MODELS] = "assessment-results"):
    """The assessment as an OSCAL document: its results, its plan of action and milestones (``poam``,
    refused with the reason when there is nothing to list) or the catalogue it was assessed against."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    return oscal_download(door.assessment, model)


@router.get(BASE + "/csv", response={**READ_ERRORS}, summary="A CSV export",
            openapi_extra=_binary("text/csv", "The CSV file"))
def csv(request: HttpRequest, slug: str, assessment_id: PathId,
        what: Literal[flat.WHAT] = "rows"):
    """The assessment's rows, the risk register (as submitted, once it is) or its remediation actions,
    as CSV, one record a line, streamed."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    return csv_download(door.assessment, what)
