"""The organisation of the token, its assessment plan and its portfolio snapshots."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from secassure.api.core import ERRORS, READ_ERRORS, Cursor, Listing, day, shows, token_organisation
from secassure.profile import actions as profile_actions
from secassure.profile.models import PortfolioSnapshot
from secassure.profile.services import plan_for
from secassure.tenancy.access import ADD_PORTFOLIO, VIEW, member_door, open_door
from secassure.tenancy.models import Organisation

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    """The organisation. Its profile (Party id, category, dates) only for those who may see it on
    the web: a Provider or a CIO reviewer, who reach only what is shared with them, gets the name."""

    slug: str
    name: str
    role: str
    token_read_only: bool
    sec_party_id: str | None = None
    category: str | None = None
    cycle_start: str | None = None
    dcc_live_since: str | None = None


class SnapshotOut(Schema):
    id: int
    as_of: str
    domestic: int
    non_domestic: int
    smets1: int | None
    smets2: int | None
    source: str
    created_at: str


class SnapshotIn(Schema):
    as_of: dt.date
    domestic: int
    non_domestic: int
    smets1: int | None = None
    smets2: int | None = None
    source: str = ""


class SnapshotAdded(Schema):
    snapshot: SnapshotOut
    plan_changes: list[dict]


def organisation_out(request: HttpRequest, door) -> dict:
    org = door.organisation
    shown = {"slug": org.slug, "name": org.name, "role": door.role, "token_read_only": request.auth.read_only}
    if door.may(VIEW):
        shown.update(sec_party_id=org.sec_party_id, category=org.category, cycle_start=day(org.cycle_start),
                     dcc_live_since=day(org.dcc_live_since))
    return shown


@shows(PortfolioSnapshot)
def snapshot_out(snapshot: PortfolioSnapshot) -> dict:
    return {"id": snapshot.pk, **snapshot.as_dict(), "created_at": snapshot.created_at.isoformat()}


@router.get("/organisations", response={200: list[OrganisationOut], **READ_ERRORS}, summary="The token's organisation")
@paginate(Cursor)
def organisations(request: HttpRequest):
    """The organisations this token reaches (a token is made for one), with the person's role there."""
    door = member_door(request.user, request.auth.organisation.slug)
    return Listing(Organisation.objects.filter(pk=door.organisation.pk), lambda page: [
        organisation_out(request, door) for _ in page])


@router.get("/organisations/{slug}", response={200: OrganisationOut, **READ_ERRORS}, summary="An organisation")
def organisation(request: HttpRequest, slug: str):
    token_organisation(request, slug)
    return organisation_out(request, member_door(request.user, slug))


@router.get("/organisations/{slug}/plan", response={200: dict, **READ_ERRORS}, summary="The assessment plan")
def plan(request: HttpRequest, slug: str, on: dt.date | None = None):
    """The organisation's assessment cycle as of ``on`` (today by default): each year's assessment type and
    due date, with the reasons, as ``secassure plan ORG --json`` gives it."""
    token_organisation(request, slug)
    door = open_door(request.user, slug, VIEW)
    return plan_for(door.organisation, on).as_dict()


@router.get("/organisations/{slug}/portfolio", response={200: list[SnapshotOut], **READ_ERRORS},
            summary="The portfolio snapshots")
@paginate(Cursor)
def portfolio(request: HttpRequest, slug: str):
    """The portfolio snapshots, in the order they were recorded."""
    token_organisation(request, slug)
    door = open_door(request.user, slug, VIEW)
    return Listing(PortfolioSnapshot.objects.filter(organisation=door.organisation),
                   lambda page: [snapshot_out(snapshot) for snapshot in page])


@router.post("/organisations/{slug}/portfolio", response={201: SnapshotAdded, **ERRORS},
             summary="Record a portfolio snapshot")
def add_portfolio(request: HttpRequest, slug: str, body: SnapshotIn):
    """Record the counts reported on a date; says which future assessment years change type."""
    token_organisation(request, slug)
    door = open_door(request.user, slug, ADD_PORTFOLIO)
    snapshot, changes = profile_actions.add_snapshot(door.organisation, by=request.user, **body.dict())
    return Status(201, {"snapshot": snapshot_out(snapshot), "plan_changes": changes})
