"""Changing the party profile: portfolio snapshots, SECAS's advice on the assessment type, User
Roles held, User Systems, third-party providers (a Shared Resource Provider among them). Each
writes an audit event in its transaction; a snapshot or advice that changes the type of an
assessment still to come says so, and the audit log records it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from secassure import guards
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.catalogue.choices import UserRole
from secassure.datafiles import DataFileError
from secassure.errors import ActionError
from secassure.profile.choices import AdvisedType, ProviderKind, SscReview, SystemKind
from secassure.profile.models import (
    PortfolioSnapshot,
    RoleHolding,
    RuleSet,
    SecasAdvice,
    ThirdPartyProvider,
    UserSystem,
)
from secassure.profile.planner import CYCLE_YEARS, changed_years
from secassure.profile.rules import RuleSetData
from secassure.profile.services import plan_for
from secassure.tenancy import access
from secassure.tenancy.actions import EDITABLE, clean_changes
from secassure.tenancy.models import Organisation

# Great Britain has about 30 million premises: a count beyond this is a typing error, not a portfolio.
MAX_PREMISES = 40_000_000


def _count(value, what: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActionError(f"{what} must be a whole number")
    if value < 0:
        raise ActionError(f"{what} cannot be negative ({value:,}): give the count reported to SECAS")
    if value > MAX_PREMISES:
        raise ActionError(f"{what} of {value:,} is more than there are premises in Great Britain; check the figure")
    return value


def add_snapshot(org: Organisation, *, by, as_of: dt.date, domestic: int, non_domestic: int,
                 smets1: int | None = None, smets2: int | None = None,
                 source: str = "") -> tuple[PortfolioSnapshot, list[dict]]:
    """Record the portfolio on a date. Returns the snapshot and the future assessment years whose
    type it changes."""
    access.require(by, org, access.ADD_PORTFOLIO)
    guards.past_date(as_of, "the snapshot date")
    _count(domestic, "domestic premises")
    _count(non_domestic, "non-domestic premises")
    _count(smets1, "SMETS1 systems", optional=True)
    _count(smets2, "SMETS2 systems", optional=True)
    if (smets1 or 0) + (smets2 or 0) > MAX_PREMISES:
        raise ActionError("the SMETS1 and SMETS2 counts together are more than there are premises; check them")
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()
        if PortfolioSnapshot.objects.filter(organisation=org, as_of=as_of).exists():
            raise ActionError(f"a snapshot dated {as_of.isoformat()} already exists; snapshots are kept as "
                              "reported, so record a correction under the date it was made")
        before = plan_for(org)
        snapshot = PortfolioSnapshot.objects.create(
            organisation=org, as_of=as_of, domestic=domestic, non_domestic=non_domestic, smets1=smets1,
            smets2=smets2, source=guards.text(source, "the source", 300), recorded_by=by)
        record(AuditEvent.PROFILE_PORTFOLIO_ADDED, snapshot, organisation=org, after=snapshot.as_dict())
        changes = changed_years(before, plan_for(org))
        if changes:
            record(AuditEvent.PROFILE_PLAN_CHANGED, org, organisation=org, after={"changes": changes},
                   reason=f"portfolio snapshot of {as_of.isoformat()}")
    return snapshot, changes


def record_advice(org: Organisation, *, by, year: int, kind: str, advised_on: dt.date,
                  reference: str = "") -> tuple[SecasAdvice, list[dict]]:
    """Record the assessment type SECAS advised for a year of the current cycle. SECAS counts the
    Smart Metering Inventory and advises the type, so the plan follows its advice. Advice for a year
    that has some replaces it (the audit event shows both). Returns the advice and the years still to
    come whose type it changes."""
    access.require(by, org, access.EDIT)
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= CYCLE_YEARS:
        raise ActionError(f"the cycle year must be 1, 2 or 3, not {year!r}")
    if kind not in AdvisedType.values:
        raise ActionError(f"{kind!r} is not a type SECAS advises; use one of {', '.join(AdvisedType.values)}")
    if not isinstance(advised_on, dt.date) or isinstance(advised_on, dt.datetime):
        raise ActionError("give the date of SECAS's advice")
    guards.past_date(advised_on, "the date of the advice")
    reference = guards.line(reference, "the reference", SecasAdvice._meta.get_field("reference").max_length)
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=org.pk)
        existing = SecasAdvice.objects.filter(organisation=locked, year=year).first()
        fields = {"kind": kind, "advised_on": advised_on, "reference": reference, "cycle_start": locked.cycle_start}
        if existing is not None and all(getattr(existing, k) == v for k, v in fields.items()):
            return existing, []
        before_plan = plan_for(locked)
        if existing is None:
            advice = SecasAdvice.objects.create(organisation=locked, year=year, recorded_by=by,
                                                recorded_at=timezone.now(), **fields)
            record(AuditEvent.PROFILE_ADVICE_RECORDED, advice, organisation=locked, after=advice.as_dict())
        else:
            before = existing.as_dict()
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.recorded_by, existing.recorded_at = by, timezone.now()
            existing.save()
            advice = existing
            record(AuditEvent.PROFILE_ADVICE_REPLACED, advice, organisation=locked, before=before,
                   after=advice.as_dict())
        changes = changed_years(before_plan, plan_for(locked))
        if changes:
            record(AuditEvent.PROFILE_PLAN_CHANGED, locked, organisation=locked, after={"changes": changes},
                   reason=f"SECAS advice for year {year}")
    return advice, changes


def add_role(org: Organisation, role: str, *, by, user_ids: list[str] | None = None,
             start_date: dt.date | None = None, end_date: dt.date | None = None) -> RoleHolding:
    access.require(by, org, access.EDIT)
    if role not in UserRole.values:
        raise ActionError(f"{role!r} is not a User Role; use one of {', '.join(UserRole.values)}")
    if start_date and end_date and end_date < start_date:
        raise ActionError("the role's end date is before its start date")
    ids = [i for i in (guards.line(i, "a User ID", 40) for i in (user_ids or [])) if i]
    for uid in ids:
        if len(uid) > 40:
            raise ActionError(f"{uid[:40]}… is too long to be a User ID")
    with transaction.atomic():
        if RoleHolding.objects.filter(organisation=org, role=role, end_date__isnull=True).exists() and not end_date:
            raise ActionError(f"{org.name} already holds the {UserRole(role).label} role; remove it or end it first")
        holding = RoleHolding.objects.create(organisation=org, role=role, user_ids=ids, start_date=start_date,
                                             end_date=end_date)
        record(AuditEvent.PROFILE_ROLE_ADDED, holding, organisation=org, after=_plain(holding))
    return holding


def remove_role_holding(holding: RoleHolding, *, by) -> None:
    """Remove one record of a User Role held (the page lists each one)."""
    access.require(by, holding.organisation, access.EDIT)
    with transaction.atomic():
        record(AuditEvent.PROFILE_ROLE_REMOVED, holding, organisation=holding.organisation, before=_plain(holding))
        holding.delete()


def remove_role(org: Organisation, role: str, *, by) -> int:
    """Remove every record of a User Role the organisation holds (the command line's form)."""
    access.require(by, org, access.EDIT)
    if role not in UserRole.values:
        raise ActionError(f"{role!r} is not a User Role; use one of {', '.join(UserRole.values)}")
    with transaction.atomic():
        holdings = list(RoleHolding.objects.filter(organisation=org, role=role))
        if not holdings:
            raise ActionError(f"{org.name} does not hold the {UserRole(role).label} role")
        for holding in holdings:
            record(AuditEvent.PROFILE_ROLE_REMOVED, holding, organisation=org, before=_plain(holding))
            holding.delete()
    return len(holdings)


def add_user_system(org: Organisation, *, by, **fields) -> UserSystem:
    access.require(by, org, access.EDIT)
    system = UserSystem(organisation=org, **fields)
    if system.kind == "further" and not system.ssc_notified_on:
        raise ActionError("a further User System must be notified to the SSC before use: give the date it was")
    if system.srp_provider_id and system.srp_provider.organisation_id != org.pk:
        raise ActionError("that Shared Resource Provider belongs to another organisation")
    if system.srp_provider_id and system.srp_provider.kind != ProviderKind.SRP:
        raise ActionError(f"{system.srp_provider.name} is not recorded as a Shared Resource Provider")
    if system.hosting == "srp-hosted" and not system.srp_provider_id:
        raise ActionError("an SRP-hosted system needs the Shared Resource Provider it runs under")
    guards.past_date(system.ssc_notified_on, "the SSC notification date")
    with transaction.atomic():
        system.save()
        record(AuditEvent.PROFILE_USER_SYSTEM_ADDED, system, organisation=org, after=_plain(system))
    return system


def record_system_decision(system: UserSystem, *, by, decision: str, decided_on: dt.date) -> UserSystem:
    """The SSC's decision on a further User System notified to it before use (G3.9): review it at
    the next annual assessment or in an ad hoc review."""
    org = system.organisation
    access.require(by, org, access.EDIT)
    if system.kind != SystemKind.FURTHER:
        raise ActionError("the SSC decides on a further User System notified to it; this is the primary one")
    if system.ssc_notified_on is None:
        raise ActionError("record when the system was notified to the SSC first")
    if decision not in (SscReview.NEXT_ASSESSMENT, SscReview.AD_HOC):
        raise ActionError(f"{decision!r} is not an SSC decision; use {SscReview.NEXT_ASSESSMENT} or {SscReview.AD_HOC}")
    guards.past_date(decided_on, "the date of the SSC's decision")
    if decided_on is None:
        raise ActionError("give the date of the SSC's decision")
    if decided_on < system.ssc_notified_on:
        raise ActionError("the SSC decided before the system was notified to it; check the dates")
    if (decision, decided_on) == (system.ssc_decision, system.ssc_decided_on):  # saved unchanged
        return system
    with transaction.atomic():
        before = {"decision": system.ssc_decision or None,
                  "decided_on": system.ssc_decided_on.isoformat() if system.ssc_decided_on else None}
        UserSystem.objects.filter(pk=system.pk).update(ssc_decision=decision, ssc_decided_on=decided_on)
        system.ssc_decision, system.ssc_decided_on = decision, decided_on
        record(AuditEvent.PROFILE_USER_SYSTEM_DECIDED, system, organisation=org, before=before,
               after={"decision": decision, "decided_on": decided_on.isoformat()})
    return system


PROVIDER_FIELDS = {"name", "kind", "party_id", "services", "contacts", "relationship_start", "relationship_end",
                   "notes"}


def _clean_provider(fields: dict) -> dict:
    """A provider's fields, checked and tidied, or ActionError."""
    fields = dict(fields)
    unknown = set(fields) - PROVIDER_FIELDS
    if unknown:
        raise ActionError(f"a provider has no {', '.join(sorted(unknown))}")
    if "name" in fields:
        fields["name"] = guards.line(fields["name"], "the provider's name", 200)
        if not fields["name"]:
            raise ActionError("give the provider's name")
    if "kind" in fields and fields["kind"] not in ProviderKind.values:
        raise ActionError(f"{fields['kind']!r} is not a kind of provider; use one of {', '.join(ProviderKind.values)}")
    for field in ("services", "contacts", "notes"):
        if field in fields:
            fields[field] = guards.text(fields[field], field)
    if "party_id" in fields:
        fields["party_id"] = guards.line(fields["party_id"], "the SEC Party id", 40)
    return fields


def _check_relationship(provider: ThirdPartyProvider) -> None:
    start, end = provider.relationship_start, provider.relationship_end
    if start and end and end < start:
        raise ActionError("the relationship's end date is before its start date")


def add_provider(org: Organisation, *, by, name: str, kind: str = ProviderKind.OTHER, **fields) -> ThirdPartyProvider:
    """Record a third-party provider. One of the kind ``srp`` is the organisation's arrangement with a
    Shared Resource Provider: its relationship dates decide when the obligations on a User of such
    a provider apply."""
    access.require(by, org, access.EDIT)
    provider = ThirdPartyProvider(organisation=org, **_clean_provider({"name": name, "kind": kind, **fields}))
    _check_relationship(provider)
    with transaction.atomic():
        provider.save()
        record(AuditEvent.EVIDENCE_PROVIDER_ADDED, provider, organisation=org, after=_plain(provider))
    return provider


def update_provider(provider: ThirdPartyProvider, changes: dict, *, by) -> ThirdPartyProvider:
    """Change a provider's details, for a Shared Resource Provider the arrangement's dates too (an
    arrangement that ended stops the obligations on its Users applying to later assessments).
    Saving it unchanged writes nothing."""
    org = provider.organisation
    access.require(by, org, access.EDIT)
    changes = _clean_provider(changes)
    with transaction.atomic():
        locked = ThirdPartyProvider.objects.select_for_update().get(pk=provider.pk)
        before = _plain(locked)
        for field, value in changes.items():
            setattr(locked, field, value)
        _check_relationship(locked)
        if locked.kind != ProviderKind.SRP and locked.user_systems.exists():
            raise ActionError(f"{locked.name} runs a User System as a Shared Resource Provider; it stays of that kind")
        after = _plain(locked)
        if after == before:
            return locked
        locked.save()
        changed = sorted(k for k in after if after[k] != before[k])
        record(AuditEvent.EVIDENCE_PROVIDER_CHANGED, locked, organisation=org,
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return locked


def _plain(obj) -> dict:
    data = model_to_dict(obj)
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}


def update_organisation(org: Organisation, changes: dict, reason: str = "", *, by) -> list[dict]:
    """Apply changes to the organisation's own fields. Returns the assessment years whose type
    the change alters (the planner's view), which the audit log records too."""
    access.require(by, org, access.EDIT)
    changes = clean_changes(changes)
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=org.pk)
        before_plan = plan_for(locked)
        before = locked.as_dict()
        for field, value in changes.items():
            setattr(locked, field, value)
        if locked.as_dict() == before:
            return []
        locked.save()
        record(AuditEvent.TENANCY_ORGANISATION_CHANGED, locked, organisation=locked, before=before,
               after=locked.as_dict(), reason=reason)
        changes_to_plan = changed_years(before_plan, plan_for(locked))
        if changes_to_plan:
            record(AuditEvent.PROFILE_PLAN_CHANGED, locked, organisation=locked, after={"changes": changes_to_plan},
                   reason="organisation profile changed")
    for field in EDITABLE:
        setattr(org, field, getattr(locked, field))
    return changes_to_plan


def load_rules(data: RuleSetData, *, by) -> tuple[str, RuleSet]:
    """Store a rules version. The same content again does nothing; different content under a
    published version is refused: publish it under a new version. Rules hold for every
    organisation, so only the operator loads them (``by`` is ``None``: the command line)."""
    if by is not None:
        raise ActionError("assessment rules are loaded by whoever runs the installation, from the command line")
    digest = data.content_hash()
    existing = RuleSet.objects.filter(name=data.name, version=data.version).first()
    if existing is not None:
        if existing.content_hash == digest:
            return "unchanged", existing
        if existing.status == "published":
            raise DataFileError(data.file, "version", f"{data.label} is already published with different content; "
                                                      "give this content a new version string")
    with transaction.atomic():
        fields = {"status": data.status, "effective_date": data.effective_date, "source": data.source,
                  "source_url": data.source_url, "document": data.document, "content_hash": digest,
                  "loaded_at": dt.datetime.now(dt.UTC)}
        if existing is not None:
            RuleSet.objects.filter(pk=existing.pk).update(**fields)
            ruleset, outcome = RuleSet.objects.get(pk=existing.pk), "replaced-draft"
        else:
            ruleset, outcome = RuleSet.objects.create(name=data.name, version=data.version, **fields), "created"
        record(AuditEvent.PROFILE_RULES_LOADED if outcome == "created" else AuditEvent.PROFILE_RULES_REPLACED, ruleset,
               after={"rules": data.label, "status": data.status, "effective_date": data.effective_date.isoformat(),
                      "content_hash": digest, "file": Path(data.file).name})
    return outcome, ruleset
