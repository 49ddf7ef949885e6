"""Read-and-understood campaigns: who is asked, reading the list of staff from CSV safely, and
recording each confirmation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import secrets

from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.evidence.models import Attestation, AttestationCampaign, DocumentVersion
from secassure.tenancy import access
from secassure.tenancy.models import token_digest

logger = logging.getLogger(__name__)
MAX_CSV_BYTES = 1024 * 1024
MAX_PEOPLE = 5000


def parse_people_csv(name: str, data: bytes) -> list[tuple[str, str]]:
    """(name, email) pairs from a CSV with the columns name and email; every problem names the
    row and column."""
    if len(data) > MAX_CSV_BYTES:
        raise ActionError(f"{name}: larger than {MAX_CSV_BYTES:,} bytes; split the list")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ActionError(f"{name}: byte {exc.start}: not UTF-8 text; save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "name" not in headers or "email" not in headers:
        raise ActionError(f"{name}: row 1: expected the columns name and email, found {', '.join(headers) or 'none'}")
    reader.fieldnames = headers
    people: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row_number, row in enumerate(reader, start=2):
        person = " ".join((row.get("name") or "").split())
        email = (row.get("email") or "").strip().lower()
        if not person and not email:
            continue
        if not person:
            raise ActionError(f"{name}: row {row_number}, column name: empty")
        if len(person) > 200:
            raise ActionError(f"{name}: row {row_number}, column name: longer than 200 characters")
        try:
            validate_email(email)
        except Exception:  # noqa: BLE001 - Django's ValidationError; our message
            raise ActionError(f"{name}: row {row_number}, column email: {email!r} is not an email address") from None
        if email in seen:
            raise ActionError(f"{name}: row {row_number}, column email: {email} is listed twice")
        seen.add(email)
        people.append((person, email))
        if len(people) > MAX_PEOPLE:
            raise ActionError(f"{name}: more than {MAX_PEOPLE:,} people; split the list")
    if not people:
        raise ActionError(f"{name}: no people listed")
    return people


def start_campaign(version: DocumentVersion, people: list[tuple[str, str]], *, by,
                   due_date: dt.date | None = None) -> tuple[AttestationCampaign, dict[str, str]]:
    """Create the campaign and one private link per person, emailed once committed. Returns the
    campaign and each email's token (shown nowhere else: only hashes are kept). Run by the
    organisation's own members who keep its register."""
    access.require(by, version.document.organisation, access.UPLOAD)
    if not people:
        raise ActionError("name at least one person")
    if due_date and due_date < timezone.localdate():
        raise ActionError("the due date has passed already")
    tokens: dict[str, str] = {}
    org = version.document.organisation
    with transaction.atomic():
        campaign = AttestationCampaign.objects.create(version=version, created_by=by, due_date=due_date)
        for person, email in people:
            token = secrets.token_urlsafe(24)
            tokens[email] = token
            try:
                with transaction.atomic():
                    Attestation.objects.create(campaign=campaign, name=person, email=email,
                                               token_hash=token_digest(token))
            except IntegrityError:
                raise ActionError(f"{email} is listed twice") from None
        record(AuditEvent.EVIDENCE_ATTESTATION_CAMPAIGN_STARTED, campaign, organisation=org,
               after={"document": version.document.title, "version": version.number, "people": len(people),
                      "due_date": due_date.isoformat() if due_date else None})
        transaction.on_commit(lambda: _send(campaign, tokens))
    return campaign, tokens


def attestation_path(token: str) -> str:
    return f"/attest/{token}/"


def _send(campaign: AttestationCampaign, tokens: dict[str, str]) -> None:
    from django.conf import settings

    document = campaign.version.document
    for attestation in campaign.attestations.all():
        token = tokens.get(attestation.email)
        if token is None:
            continue
        try:
            send_mail(
                subject=f"Please confirm you have read: {document.title}",
                message=(f"Dear {attestation.name},\n\n{document.organisation.name} asks you to read "
                         f"{document.title} (version {campaign.version.number}) and confirm that you have read and "
                         f"understood it:\n{settings.SECASSURE_BASE_URL.rstrip('/')}{attestation_path(token)}\n"),
                from_email=None, recipient_list=[attestation.email])
        except Exception as exc:  # noqa: BLE001 - one failed address must not stop the others
            logger.warning("attestation email to %s could not be sent: %s", attestation.email, exc)


def find(token: str) -> Attestation:
    attestation = (Attestation.objects.select_related("campaign__version__document__organisation")
                   .filter(token_hash=token_digest(token)).first())
    if attestation is None:
        raise ActionError("This link is not valid. Ask whoever sent it for a new one.")
    return attestation


def confirm(token: str) -> Attestation:
    with transaction.atomic():
        attestation = Attestation.objects.select_for_update().get(pk=find(token).pk)
        if attestation.confirmed_at is None:
            attestation.confirmed_at = timezone.now()
            attestation.save(update_fields=["confirmed_at"])
            campaign = attestation.campaign
            record(AuditEvent.EVIDENCE_ATTESTATION_CONFIRMED, attestation,
                   organisation=campaign.version.document.organisation,
                   after={"name": attestation.name, "email": attestation.email,
                          "document": campaign.version.document.title, "version": campaign.version.number})
    return attestation
