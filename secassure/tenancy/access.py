"""The one door: every read of a tenant-owned object goes through these functions.

An organisation the person does not belong to, or may not see, answers 404, exactly as a missing
one does, so that nobody can learn which organisations exist. A member who may see an
organisation but not do a thing in it gets 403.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import Http404

from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Membership, Organisation

VIEW = "org.view"
EDIT = "org.edit"
MANAGE_MEMBERS = "members.manage"
ADD_PORTFOLIO = "portfolio.add"
VIEW_DOCUMENTS = "documents.view"
UPLOAD = "documents.upload"
ACCEPT = "documents.accept"
VIEW_ASSESSMENTS = "assessments.view"
CREATE_ASSESSMENTS = "assessments.create"
EDIT_ASSESSMENTS = "assessments.edit"
CHECK_ASSESSMENTS = "assessments.check"
APPROVE_ASSESSMENTS = "assessments.approve"
REOPEN_ASSESSMENTS = "assessments.reopen"
DECIDE_MATERIALITY = "assessments.decide"
EDIT_RISKS = "risks.edit"
SHARE_REVIEW = "review.share"
RECORD_OUTCOME = "review.outcome"
ANSWER_QUERIES = "review.answer"
MANAGE_FINDINGS = "findings.manage"
SIGN_LETTER = "letters.sign"

_READ = frozenset({VIEW, VIEW_DOCUMENTS, VIEW_ASSESSMENTS})

# What each role may do with the organisation itself. Providers and CIO reviewers see only what is
# shared with them (documents, assessments), never the organisation's profile as a whole.
PERMISSIONS: dict[str, frozenset[str]] = {
    MemberRole.OWNER: _READ | {EDIT, MANAGE_MEMBERS, ADD_PORTFOLIO, UPLOAD, ACCEPT, CREATE_ASSESSMENTS,
                               EDIT_ASSESSMENTS, CHECK_ASSESSMENTS, REOPEN_ASSESSMENTS, DECIDE_MATERIALITY, EDIT_RISKS,
                               SHARE_REVIEW, RECORD_OUTCOME, ANSWER_QUERIES, MANAGE_FINDINGS},
    MemberRole.CONTRIBUTOR: _READ | {ADD_PORTFOLIO, UPLOAD, EDIT_ASSESSMENTS, CHECK_ASSESSMENTS, EDIT_RISKS,
                                     ANSWER_QUERIES, MANAGE_FINDINGS},
    # Management: signs off what others prepared, so it checks and approves but does not author.
    MemberRole.APPROVER: _READ | {ACCEPT, CHECK_ASSESSMENTS, APPROVE_ASSESSMENTS, DECIDE_MATERIALITY, SIGN_LETTER},
    MemberRole.OBSERVER: _READ,
    MemberRole.PROVIDER: frozenset(),
    MemberRole.CIO_REVIEWER: frozenset(),
}


def memberships_of(user) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def get_organisation_for(user, slug: str, permission: str = VIEW) -> Organisation:
    """The organisation, if this person may see it (404 otherwise) and do ``permission`` (403)."""
    membership = memberships_of(user).filter(organisation__slug=slug).first()
    if membership is None or VIEW not in PERMISSIONS[membership.role]:
        raise Http404("No such organisation")
    if permission not in PERMISSIONS[membership.role]:
        raise PermissionDenied(f"A {membership.get_role_display()} may not do this")
    organisation = membership.organisation
    organisation.viewer_role = membership.role  # for templates: what the viewer may do
    return organisation


def roles_with(permission: str) -> list[str]:
    """The roles that allow the permission, in the table's order."""
    return [role for role, allowed in PERMISSIONS.items() if permission in allowed]


def by_name(path: str = "") -> list:
    """Ordering for people as they are shown: by name, or by address for those without one.
    ``path`` leads to the person from the model being ordered ("user__")."""
    shown = Coalesce(NullIf(F(f"{path}first_name"), Value("")), F(f"{path}email"))
    return [Lower(shown), Lower(f"{path}last_name"), f"{path}email"]


def people_with(org: Organisation, permission: str, *, keep=None) -> QuerySet:
    """The organisation's people whose role allows the permission, by name: those who may be given
    work that needs it (a row, a risk, a remediation action). ``keep`` (a person, an id, or a
    queryset of ids) is included whatever their role, so that a form showing who owns something now
    does not drop them without anyone choosing to; each person's ``allowed`` says which they are."""
    allowed = Exists(Membership.objects.filter(user=OuterRef("pk"), organisation=org, role__in=roles_with(permission)))
    wanted = Q(allowed=True)
    if isinstance(keep, QuerySet):
        wanted |= Q(pk__in=keep)
    elif getattr(keep, "pk", keep):
        wanted |= Q(pk=getattr(keep, "pk", keep))
    return get_user_model().objects.annotate(allowed=allowed).filter(wanted).order_by(*by_name())
