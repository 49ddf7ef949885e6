"""The organisation's risk register: its risks, adding one and changing one, through the same door
and actions as the register's web pages."""


import datetime as dt

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from secassure.api.core import ERRORS, MAX_ID, READ_ERRORS, Cursor, Listing, PathId, day, shows, token_organisation
from secassure.assessments import actions
from secassure.assessments.access import get_risk_for
from secassure.assessments.models import Risk
from secassure.errors import ActionError
from secassure.tenancy.access import EDIT_RISKS, VIEW_ASSESSMENTS, open_door
from secassure.tenancy.models import Organisation

router = Router(tags=["risks"])



class RiskOut(Schema):
    id: int
    ref: str
    title: str
    asset: str
    threat: str
    vulnerability: str
    inherent_likelihood: int
    inherent_impact: int
    inherent_score: int
    residual_likelihood: int
    residual_impact: int
    residual_score: int
    treatment: str
    treatment_plan: str
    owner: str | None = Field(description="The risk owner's email address")
    review_date: str | None
    status: str
    revision: int = Field(description="Send it back with a change: a change made to an older revision is refused")
    created_at: str


class RiskIn(Schema):
    title: str = Field(max_length=300)
    asset: str = Field("", max_length=300)
    threat: str = Field("", max_length=5000)
    vulnerability: str = Field("", max_length=5000)
    inherent_likelihood: int = Field(description="1 to 5")
    inherent_impact: int = Field(description="1 to 5")
    residual_likelihood: int = Field(description="1 to 5")
    residual_impact: int = Field(description="1 to 5")
    treatment: str = Field("modify", max_length=20, description="modify, retain, avoid or share")
    treatment_plan: str = Field("", max_length=5000)
    owner: str | None = Field(None, max_length=254, description="The email address of a member who may edit risks")
    review_date: dt.date | None = None
    status: str = Field("open", max_length=20, description="open or closed")


class RiskChange(Schema):
    """Only the fields given are changed; ``owner`` null leaves the risk without an owner."""

    revision: int = Field(ge=1, le=MAX_ID, description="The revision the change was made to")
    reason: str = Field("", max_length=2000, description="Why it changed, kept in the risk's history")
    title: str = Field(None, max_length=300)
    asset: str = Field(None, max_length=300)
    threat: str = Field(None, max_length=5000)
    vulnerability: str = Field(None, max_length=5000)
    inherent_likelihood: int = None
    inherent_impact: int = None
    residual_likelihood: int = None
    residual_impact: int = None
    treatment: str = Field(None, max_length=20)
    treatment_plan: str = Field(None, max_length=5000)
    owner: str | None = Field(None, max_length=254)
    review_date: dt.date | None = None
    status: str = Field(None, max_length=20)


@shows(Risk)
def risk_out(risk: Risk) -> dict:
    return {"id": risk.pk, "ref": risk.ref, "title": risk.title, "asset": risk.asset, "threat": risk.threat,
            "vulnerability": risk.vulnerability, "inherent_likelihood": risk.inherent_likelihood,
            "inherent_impact": risk.inherent_impact, "inherent_score": risk.inherent_score,
            "residual_likelihood": risk.residual_likelihood, "residual_impact": risk.residual_impact,
            "residual_score": risk.residual_score, "treatment": risk.treatment, "treatment_plan": risk.treatment_plan,
            "owner": risk.owner.email if risk.owner_id else None, "review_date": day(risk.review_date),
            "status": risk.status, "revision": risk.revision, "created_at": risk.created_at.isoformat()}


def _owner(org: Organisation, email: str | None):
    """The member of the organisation with this address (``None`` for no owner); whether their role
    lets them own a risk is the action's rule."""
    if email is None or not email.strip():
        return None
    user = (get_user_model().objects.filter(memberships__organisation=org, email__iexact=email.strip())
            .order_by("pk").first())
    if user is None:
        raise ActionError(f"the risk owner must be a member of {org.name}: {email.strip()} is not")
    return user


@router.get("/organisations/{slug}/risks", response={200: list[RiskOut], **READ_ERRORS}, summary="The risk register")
@paginate(Cursor)
def risks(request: HttpRequest, slug: str):
    """Every risk in the organisation's register, in the order they were added."""
    token_organisation(request, slug)
    door = open_door(request.user, slug, VIEW_ASSESSMENTS)
    return Listing(Risk.objects.filter(organisation=door.organisation).select_related("owner"),
                   lambda page: [risk_out(r) for r in page])


@router.post("/organisations/{slug}/risks", response={201: RiskOut, **ERRORS}, summary="Add a risk")
def add_risk(request: HttpRequest, slug: str, body: RiskIn):
    """Add a risk to the register; it is given the next reference (R-001, R-002 ...)."""
    token_organisation(request, slug)
    door = open_door(request.user, slug, VIEW_ASSESSMENTS)
    door.need(EDIT_RISKS)
    fields = body.dict()
    fields["owner"] = _owner(door.organisation, fields["owner"])
    risk = actions.add_risk(door.organisation, by=request.user, **fields)
    return Status(201, risk_out(risk))


@router.get("/organisations/{slug}/risks/{risk_id}", response={200: RiskOut, **READ_ERRORS}, summary="A risk")
def risk(request: HttpRequest, slug: str, risk_id: PathId):
    """One risk of the register, with the revision to send back when changing it."""
    token_organisation(request, slug)
    door, found = get_risk_for(request.user, slug, risk_id)
    return risk_out(found)


@router.patch("/organisations/{slug}/risks/{risk_id}", response={200: RiskOut, **ERRORS}, summary="Change a risk")
def change_risk(request: HttpRequest, slug: str, body: RiskChange, risk_id: PathId):
    """Change the fields given. ``revision`` must be the risk's current one: if someone changed the risk
    since, nothing is saved and the answer is 409 with the risk as it now stands."""
    token_organisation(request, slug)
    door, found = get_risk_for(request.user, slug, risk_id)
    door.need(EDIT_RISKS)
    fields = body.dict(exclude_unset=True)
    revision, reason = fields.pop("revision"), fields.pop("reason", "")
    if "owner" in fields:
        fields["owner"] = _owner(door.organisation, fields["owner"])
    changed = actions.update_risk(found, by=request.user, revision=revision, reason=reason, **fields)
    return risk_out(changed)
