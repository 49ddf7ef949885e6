"""The door to a review. A CIO reviewer reaches an assessment only through an active share (and
nothing else of the organisation); an organisation member reaches it through the assessments door.
Anyone else, and any other id, gets 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from secassure.assessments.models import Assessment
from secassure.review.choices import Side
from secassure.review.models import Share
from secassure.tenancy.access import VIEW_ASSESSMENTS, Door, member_door
from secassure.tenancy.choices import MemberRole


@dataclass(frozen=True)
class ReviewDoor(Door):
    """A door to one assessment: the organisation's door, with the assessment and the side of the
    review the person is on."""

    assessment: Assessment
    side: str  # Side.CIO or Side.USER

    @property
    def is_cio(self) -> bool:
        return self.side == Side.CIO


def review_door(user, slug: str, pk: int) -> ReviewDoor:
    door = member_door(user, slug, "No such assessment")
    query = Assessment.objects.select_related("catalogue__framework", "baseline").filter(organisation=door.organisation,
                                                                                         pk=pk)
    if door.role == MemberRole.CIO_REVIEWER:
        shared = Share.objects.active().filter(reviewer=user).values("assessment")
        assessment = query.filter(pk__in=shared).first()
        side = Side.CIO
    elif door.may(VIEW_ASSESSMENTS):
        assessment, side = query.first(), Side.USER
    else:
        assessment = None
    if assessment is None:
        raise Http404("No such assessment")
    assessment.organisation = door.organisation
    return ReviewDoor(door.organisation, door.membership, assessment, side)


def shares_of(user):
    """What has been shared with this CIO reviewer, across organisations (their queue)."""
    return (Share.objects.active().filter(reviewer=user, assessment__organisation__memberships__user=user,
                                          assessment__organisation__memberships__role=MemberRole.CIO_REVIEWER)
            .select_related("assessment__organisation").order_by("-shared_at"))
