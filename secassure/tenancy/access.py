"""The one door: every read of a tenant-owned object goes through these functions.

An organisation the person does not belong to, or may not see, answers 404, exactly as a missing
one does, so that nobody can learn which organisations exist. A member who may see an
organisation but not do a thing in it gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import Http404

from secassure.errors import ActionError
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Membership, Organisation
from secassure.wording import article

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
RECORD_NOTICES = "notices.record"

_READ = frozenset({VIEW, VIEW_DOCUMENTS, VIEW_ASSESSMENTS})

# What each role may do with the organisation itself. Providers and CIO reviewers see only what is
# shared with them (documents, assessments), never the organisation's profile as a whole.
PERMISSIONS: dict[str, frozenset[str]] = {
    MemberRole.OWNER: _READ | {EDIT, MANAGE_MEMBERS, ADD_PORTFOLIO, UPLOAD, ACCEPT, CREATE_ASSESSMENTS,
                               EDIT_ASSESSMENTS, CHECK_ASSESSMENTS, REOPEN_ASSESSMENTS, DECIDE_MATERIALITY, EDIT_RISKS,
                               SHARE_REVIEW, RECORD_OUTCOME, ANSWER_QUERIES, MANAGE_FINDINGS, RECORD_NOTICES},
    MemberRole.CONTRIBUTOR: _READ | {ADD_PORTFOLIO, UPLOAD, EDIT_ASSESSMENTS, CHECK_ASSESSMENTS, EDIT_RISKS,
                                     ANSWER_QUERIES, MANAGE_FINDINGS, RECORD_NOTICES},
    # Management: signs off what others prepared, so it checks and approves but does not author.
    MemberRole.APPROVER: _READ | {ACCEPT, CHECK_ASSESSMENTS, APPROVE_ASSESSMENTS, DECIDE_MATERIALITY, SIGN_LETTER},
    MemberRole.OBSERVER: _READ,
    MemberRole.PROVIDER: frozenset(),
    MemberRole.CIO_REVIEWER: frozenset(),
}


def role_allows(role: str | None, permission: str) -> bool:
    """Whether the role (a ``MemberRole`` value; ``None`` for no membership) allows the permission."""
    return role is not None and permission in PERMISSIONS.get(role, frozenset())


def roles_with(permission: str) -> list[str]:
    """The roles that allow the permission, in the table's order."""
    return [role for role, allowed in PERMISSIONS.items() if permission in allowed]


@dataclass(frozen=True)
class Door:
    """One person's way into one organisation: who they are there and what their role lets them do.

    ``membership`` is ``None`` only for the operator's command line, run by whoever administers the
    installation, which may do everything. Views ask ``may`` to decide what to offer and ``need`` to
    refuse (403); actions call ``require``, which refuses with the product's own message."""

    organisation: Organisation
    membership: Membership | None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership is not None else None

    @property
    def operator(self) -> bool:
        return self.membership is None

    def may(self, permission: str) -> bool:
        return self.operator or role_allows(self.role, permission)

    def need(self, permission: str) -> None:
        if not self.may(permission):
            who = article(self.membership.get_role_display())
            raise PermissionDenied(f"{who[:1].upper()}{who[1:]} may not do this")


def memberships_of(user) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def may_create_organisation(memberships) -> bool:
    """Whether the person may create an organisation: someone who works in one (Owner, Contributor,
    Approver, Observer), or a newcomer who belongs to none; not someone who is only a CIO reviewer
    or a Provider, who reaches an organisation through what it shares and has no business founding
    one here. The home page offers the form by this rule and ``create_organisation`` enforces it,
    so that the two cannot drift apart. ``memberships`` are the person's (any iterable of them)."""
    memberships = list(memberships)
    return not memberships or any(role_allows(m.role, VIEW) for m in memberships)


def member_door(user, slug: str, missing: str = "No such organisation") -> Door:
    """The door of a member of the organisation, whatever their role (404 for anyone else). The
    doors to documents and reviews start here: a Provider or a CIO reviewer reaches only what is
    theirs, never the organisation as a whole."""
    membership = memberships_of(user).filter(organisation__slug=slug).first()
    if membership is None:
        raise Http404(missing)
    return Door(membership.organisation, membership)


def open_door(user, slug: str, permission: str = VIEW) -> Door:
    """The organisation's door, if this person may see it (404 otherwise, as for one that does not
    exist) and do ``permission`` there (403)."""
    door = member_door(user, slug)
    if not door.may(VIEW):
        raise Http404("No such organisation")
    door.need(permission)
    return door


def door_of(user, org: Organisation) -> Door | None:
    """The person's door to an organisation already in hand; ``None`` when they are not a member.
    ``user`` ``None`` is the operator's command line."""
    if user is None:
        return Door(org, None)
    membership = Membership.objects.filter(user=user, organisation=org).first()
    return Door(org, membership) if membership is not None else None


def role_of(user, org: Organisation) -> str | None:
    if user is None:
        return None
    return user.memberships.filter(organisation=org).values_list("role", flat=True).first()


def require(user, org: Organisation, permission: str, door: Door | None = None) -> None:
    """The check every action makes before it writes: refuse unless the person's role in the
    organisation allows the permission. ``None`` is the operator's command line.

    ``door`` is the person's door to the organisation when the caller already holds it, read in the
    same request: its membership is the one this would read, so it is not read again. A door that
    is not this person's to this organisation is ignored and the membership read."""
    if user is None:
        return
    held = (door is not None and door.membership is not None and door.membership.user_id == user.pk
            and door.membership.organisation_id == org.pk)
    if not role_allows(door.role if held else role_of(user, org), permission):
        raise ActionError(f"your role in {org.name} does not allow this ({permission})")


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
