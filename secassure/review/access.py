"""The door to a review. A CIO reviewer reaches an assessment only through an active share (and
nothing else of the organisation); an organisation member reaches it through the assessments door.
Anyone else, and any other id, gets 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from secassure.assessments.models import Assessment
from secassure.review.choices import Side
from secassure.review.models import Share
from secassure.tenancy.access import PERMISSIONS, VIEW_ASSESSMENTS, memberships_of
from secassure.tenancy.choices import MemberRole


@dataclass
class ReviewDoor:
    assessment: Assessment
    side: str  # Side.CIO or Side.USER

    @property
    def is_cio(self) -> bool:
        return self.side == Side.CIO


def review_door(user, slug: str, pk: int) -> ReviewDoor:
    membership = memberships_of(user).filter(organisation__slug=slug).first()
    if membership is None:
        raise Http404("No such assessment")
    org = membership.organisation
    org.viewer_role = membership.role
    query = Assessment.objects.select_related("catalogue__framework", "baseline").filter(organisation=org, pk=pk)
    if membership.role == MemberRole.CIO_REVIEWER:
        assessment = query.filter(shares__reviewer=user, shares__revoked_at__isnull=True).first()
        side = Side.CIO
    elif VIEW_ASSESSMENTS in PERMISSIONS[membership.role]:
        assessment, side = query.first(), Side.USER
    else:
        assessment = None
    if assessment is None:
        raise Http404("No such assessment")
    assessment.organisation = org
    return ReviewDoor(assessment, side)


def shares_of(user):
    """What has been shared with this CIO reviewer, across organisations (their queue)."""
    return (Share.objects.filter(reviewer=user, revoked_at__isnull=True,
                                 assessment__organisation__memberships__user=user,
                                 assessment__organisation__memberships__role=MemberRole.CIO_REVIEWER)
            .select_related("assessment__organisation").order_by("-shared_at"))
