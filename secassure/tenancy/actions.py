"""Changing organisations, memberships and invitations. Each action checks its inputs, writes its
change and the audit event in one transaction, and sends mail only once that has committed."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from secassure import guards
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.catalogue.choices import PartyCategory
from secassure.errors import ActionError
from secassure.people import display_name
from secassure.tenancy import access
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Invitation, Membership, Organisation, token_digest

logger = logging.getLogger(__name__)
EDITABLE = ("name", "sec_party_id", "category", "cycle_start", "dcc_live_since", "require_mfa",
            "material_risk_threshold", "classification_label")


def check_category(category: str) -> str:
    if category not in PartyCategory.values:
        raise ActionError(f"{category!r} is not a Party category; use one of {', '.join(PartyCategory.values)}")
    return category


def check_role(role: str) -> str:
    if role not in MemberRole.values:
        raise ActionError(f"{role!r} is not a role; use one of {', '.join(MemberRole.values)}")
    return role


def _check_organisation_text(fields: dict) -> None:
    for field, what in (("name", "the legal name"), ("slug", "the slug"), ("sec_party_id", "the SEC Party id"),
                        ("classification_label", "the classification label")):
        if isinstance(fields.get(field), str):
            guards.fits(Organisation, field, fields[field], what)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_organisation(*, by, name: str, category: str, sec_party_id: str = "", cycle_start: dt.date | None = None,
                        slug: str | None = None) -> Organisation:
    """Create an organisation; the person who does becomes its Owner. Only someone who works in an
    organisation, or who belongs to none yet, may (``access.may_create_organisation``, the rule by
    which the home page offers it): a CIO reviewer or a Provider only would otherwise become the
    Owner of one by posting the form the page does not show them. The operator's command line
    (``by`` ``None``) may always, and creates one with no members, to invite them."""
    if by is not None and not getattr(by, "is_authenticated", False):
        raise ActionError("sign in to create an organisation")
    if by is not None and not access.may_create_organisation(Membership.objects.filter(user=by)):
        raise ActionError("a CIO reviewer or a Provider does not create organisations here: an organisation you "
                          "work in, or the operator, creates one and invites you")
    name = guards.line(name, "the legal name", 200)
    sec_party_id = guards.line(sec_party_id, "the SEC Party id", 40)
    if not name:
        raise ActionError("give the organisation's legal name")
    _check_organisation_text({"name": name, "slug": slug, "sec_party_id": sec_party_id})
    check_category(category)
    guards.past_date(cycle_start, "the cycle start (end of the year-1 FUSA fieldwork)")
    if slug is not None:
        if slug != slugify(slug) or not slug:
            raise ActionError(f"{slug!r} is not a slug: use lower-case letters, digits and '-'")
        if Organisation.objects.filter(slug=slug).exists():
            raise ActionError(f"an organisation with the slug {slug!r} already exists: choose another slug")
    with transaction.atomic():
        org = Organisation.objects.create(name=name, slug=slug or _unique_slug(name), category=category,
                                          sec_party_id=sec_party_id, cycle_start=cycle_start)
        # Every organisation's audit chain starts with its creation (audit verify relies on it).
        record(AuditEvent.TENANCY_ORGANISATION_CREATED, org, organisation=org, after=org.as_dict())
        if by is not None:
            _add_member(org, by, MemberRole.OWNER)
    return org


def clean_changes(changes: dict) -> dict:
    """The changes to an organisation's own fields, checked and tidied, or ActionError. Applying them
    (and telling what they do to the assessment plan) is the profile's ``update_organisation``."""
    changes = dict(changes)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ActionError(f"cannot change {', '.join(sorted(unknown))}")
    if "category" in changes:
        check_category(changes["category"])
    if "cycle_start" in changes:
        guards.past_date(changes["cycle_start"], "the cycle start (end of the year-1 FUSA fieldwork)")
    if "dcc_live_since" in changes:
        guards.past_date(changes["dcc_live_since"], "the date it became a Live DCC User")
    if "name" in changes:
        changes["name"] = guards.line(changes["name"], "the legal name", 200)
        if not changes["name"]:
            raise ActionError("the legal name cannot be empty")
    if "sec_party_id" in changes:
        changes["sec_party_id"] = guards.line(changes["sec_party_id"], "the SEC Party id", 40)
    if "classification_label" in changes:
        changes["classification_label"] = guards.line(changes["classification_label"], "the classification label",
                                                      60)
        if not changes["classification_label"]:
            raise ActionError("the classification label cannot be empty: reports print it on every page")
    if "material_risk_threshold" in changes:
        threshold = changes["material_risk_threshold"]
        if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold <= 25:
            raise ActionError("the material-risk threshold is a residual score from 1 to 25 (likelihood x impact)")
    _check_organisation_text(changes)
    return changes


def _owners(org: Organisation) -> int:
    return Membership.objects.filter(organisation=org, role=MemberRole.OWNER).count()


def add_member(org: Organisation, user, role: str, *, by) -> Membership:
    access.require(by, org, access.MANAGE_MEMBERS)
    return _add_member(org, user, role)


def _add_member(org: Organisation, user, role: str) -> Membership:
    """The membership itself, for the actions that have already checked who may make it."""
    check_role(role)
    with transaction.atomic():
        try:
            with transaction.atomic():
                membership = Membership.objects.create(organisation=org, user=user, role=role)
        except IntegrityError:
            raise ActionError(f"{display_name(user)} is already a member of {org.name}; change their role "
                              "instead") from None
        record(AuditEvent.TENANCY_MEMBER_ADDED, membership, organisation=org, after={"email": user.email, "role": role})
    return membership


def change_role(membership: Membership, role: str, *, by) -> Membership:
    access.require(by, membership.organisation, access.MANAGE_MEMBERS)
    check_role(role)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
        if locked.role == role:
            return locked
        if locked.role == MemberRole.OWNER and _owners(locked.organisation) <= 1:
            raise ActionError(f"{display_name(locked.user)} is the only Owner of {locked.organisation.name}: "
                              "make someone else an Owner first")
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        record(AuditEvent.TENANCY_MEMBER_ROLE_CHANGED, locked, organisation=locked.organisation,
               before={"email": locked.user.email, "role": before}, after={"email": locked.user.email, "role": role})
    return locked


def remove_member(membership: Membership, *, by) -> None:
    access.require(by, membership.organisation, access.MANAGE_MEMBERS)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
        if locked.role == MemberRole.OWNER and _owners(locked.organisation) <= 1:
            raise ActionError(f"{display_name(locked.user)} is the only Owner of {locked.organisation.name}: "
                              "make someone else an Owner first")
        record(AuditEvent.TENANCY_MEMBER_REMOVED, locked, organisation=locked.organisation,
               before={"email": locked.user.email, "role": locked.role})
        locked.delete()


def invite(org: Organisation, email: str, role: str, *, by) -> tuple[Invitation, str]:
    """Create an invitation and email its link once committed. Returns the invitation and its
    token (shown once; only its hash is kept)."""
    access.require(by, org, access.MANAGE_MEMBERS)
    email = email.strip().lower()
    try:
        validate_email(email)
    except Exception:  # noqa: BLE001 - Django raises ValidationError; the message is ours
        raise ActionError(f"{email!r} is not an email address: give one like name@example.org") from None
    guards.fits(Invitation, "email", email, "the email address")
    check_role(role)
    if Membership.objects.filter(organisation=org, user__email__iexact=email).exists():
        raise ActionError(f"{email} is already a member of {org.name}")
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=settings.SECASSURE_INVITATION_DAYS)
    with transaction.atomic():
        invitation = Invitation.objects.create(organisation=org, email=email, role=role, token_hash=token_digest(token),
                                               invited_by=by, expires_at=expires)
        record(AuditEvent.TENANCY_INVITATION_CREATED, invitation, organisation=org,
               after={"email": email, "role": role, "expires_at": expires.isoformat()})
        transaction.on_commit(lambda: _send_invitation(invitation, token))
    return invitation, token


def invitation_path(token: str) -> str:
    return f"/invitations/{token}/"


def invitation_link(token: str) -> str:
    """The full address of an invitation, for email and the command line."""
    return f"{settings.SECASSURE_BASE_URL.rstrip('/')}{invitation_path(token)}"


def _send_invitation(invitation: Invitation, token: str) -> None:
    """Send the link. A mail server that fails must not lose it: the invitation is kept and the
    caller (the page or the command) shows the link instead, once."""
    try:
        _mail_invitation(invitation, token)
    except Exception as exc:  # noqa: BLE001 - any mail failure is reported the same way
        invitation.email_failed = f"{type(exc).__name__}: {exc}"[:200]
        logger.warning("invitation email to %s for %s could not be sent: %s", invitation.email,
                       invitation.organisation.slug, invitation.email_failed)
        return
    invitation.email_failed = ""


def _mail_invitation(invitation: Invitation, token: str) -> None:
    send_mail(
        subject=f"You are invited to {invitation.organisation.name} on secassure",
        message=(f"You have been invited to join {invitation.organisation.name} as "
                 f"{invitation.get_role_display()}.\n\nAccept the invitation here (it expires on "
                 f"{timezone.localtime(invitation.expires_at):%d %B %Y at %H:%M}):\n{invitation_link(token)}\n"),
        from_email=None,
        recipient_list=[invitation.email],
    )


def find_invitation(token: str) -> Invitation:
    """The open invitation for a token; a used, expired, revoked or unknown token is refused."""
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=token_digest(token)).first()
    if invitation is None:
        raise ActionError("This invitation link is not valid. Ask the organisation's Owner for a new one.")
    state = invitation.state(timezone.now())
    if state == "accepted":
        raise ActionError("This invitation has already been used. Sign in, or ask for a new invitation.")
    if state == "expired":
        raise ActionError("This invitation has expired. Ask the organisation's Owner to invite you again.")
    if state == "revoked":
        raise ActionError("This invitation was withdrawn. Ask the organisation's Owner if you should join.")
    return invitation


def accept_invitation(token: str, *, by, password: str | None = None) -> Membership:
    """Join through an invitation: as the signed-in person whose email it was sent to (``by``), or,
    with ``by`` ``None``, as a new person who sets a password now. The token is the check: whoever
    holds an open one may accept it, once, for its own email address."""
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        invitation = find_invitation(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        find_invitation(token)  # checked again under the lock: two tabs cannot both accept
        User = get_user_model()
        user = by
        if user is None:
            if (User.objects.filter(email__iexact=invitation.email).exists()
                    or User.objects.filter(username__iexact=invitation.email).exists()):
                raise ActionError(f"An account for {invitation.email} exists: sign in first, then open the link again.")
            if not password:
                raise ActionError("Choose a password to create your account.")
            from django.contrib.auth.password_validation import validate_password
            from django.core.exceptions import ValidationError

            try:
                validate_password(password, User(username=invitation.email, email=invitation.email))
            except ValidationError as exc:
                raise ActionError(" ".join(exc.messages)) from None
            user = User.objects.create_user(username=invitation.email, email=invitation.email, password=password)
            record(AuditEvent.AUTH_USER_CREATED, user, after={"email": user.email}, reason="invitation accepted")
        elif user.email.lower() != invitation.email:
            raise ActionError(f"This invitation was sent to {invitation.email}; you are signed in as {user.email}.")
        EmailAddress.objects.update_or_create(user=user, email=invitation.email,
                                              defaults={"verified": True, "primary": True})
        membership = _add_member(invitation.organisation, user, invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(AuditEvent.TENANCY_INVITATION_ACCEPTED, invitation, organisation=invitation.organisation,
               after={"email": invitation.email, "role": invitation.role})
    return membership


def revoke_invitation(invitation: Invitation, *, by) -> None:
    access.require(by, invitation.organisation, access.MANAGE_MEMBERS)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.revoked_at or locked.accepted_at:
            return
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(AuditEvent.TENANCY_INVITATION_REVOKED, locked, organisation=locked.organisation,
               before={"email": locked.email, "role": locked.role})
