"""The register of audit event names: record() takes no other, and stored names never change."""

import ast
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

import secassure
from secassure.assessments.choices import TRANSITIONS
from secassure.audit.actions import record
from secassure.audit.admin import AuditedAdmin
from secassure.audit.events import AuditEvent
from secassure.audit.models import ChainHead, Event
from secassure.audit.verify import verify
from secassure.tenancy.models import Organisation

# Every value is in the hash of the events written with it. Never edit or remove one here to make
# a test pass: a new name is a new member, and the old value stays registered.
PINNED = [
    "auth.signed_in", "auth.signed_out", "auth.sign_in_failed", "auth.session.expired", "auth.mfa.added",
    "auth.mfa.changed", "auth.mfa.removed", "auth.mfa.failed", "auth.password.changed", "auth.password.set",
    "auth.password.reset", "auth.user.created",
    "tenancy.organisation.created", "tenancy.organisation.changed", "tenancy.member.added",
    "tenancy.member.role_changed", "tenancy.member.removed", "tenancy.invitation.created",
    "tenancy.invitation.accepted", "tenancy.invitation.revoked",
    "profile.portfolio.added", "profile.plan.changed", "profile.role.added", "profile.role.removed",
    "profile.user_system.added", "profile.user_system.decided", "profile.srp_arrangement.added",
    "profile.rules.loaded", "profile.rules.replaced",
    "profile.advice.recorded", "profile.advice.replaced",
    "catalogue.version.loaded", "catalogue.version.replaced",
    "assessments.assessment.created", "assessments.assessment.changed", "assessments.row.saved",
    "assessments.row.checked", "assessments.answer.saved", "assessments.answer.checked",
    "assessments.rows.owner_assigned", "assessments.evidence.linked", "assessments.evidence.unlinked",
    "assessments.materiality.decided", "assessments.change.recorded", "assessments.risk.added",
    "assessments.risk.changed", "assessments.assessment.start", "assessments.assessment.send-for-review",
    "assessments.assessment.return", "assessments.assessment.send-for-sign-off", "assessments.assessment.reject",
    "assessments.assessment.submit", "assessments.assessment.reopen",
    "assessments.row.taken_in", "assessments.answer.taken_in",
    "evidence.document.added", "evidence.document.obligations_linked", "evidence.document.status_changed",
    "evidence.version.added", "evidence.blob.tampered", "inbox.delivery.changed", "evidence.provider.added",
    "evidence.provider.changed",
    "evidence.provider.member_assigned", "evidence.acceptance.recorded", "evidence.attestation.campaign_started",
    "evidence.attestation.confirmed",
    "exchange.workbook.imported", "exchange.intake.applied", "exchange.intake.mapping_saved",
    "exchange.intake.mapping_deleted",
    "review.assessment.moved",
    "review.shared", "review.share_revoked", "review.query.raised", "review.query.replied", "review.query.closed",
    "review.comment.written", "review.comment.changed", "review.comments.final", "review.outcome.recorded",
    "review.assurance.recorded", "review.fieldwork.recorded", "review.result.recorded", "review.cio_report.drafted",
    "review.cio_report.issued", "review.cio_report.reopened", "review.response.due_set", "review.response.approved",
    "review.response.sent", "review.finding.added", "review.finding.responded", "review.finding.moved",
    "review.finding.revised",
    "review.finding.evidence_linked", "review.plan.opened", "review.plan.revised", "review.plan.sent",
    "review.plan.approved", "review.action.added", "review.action.changed", "review.report.recorded",
    "review.letter.signed",
    "reminders.feed.created", "reminders.feed.revoked",
    "admin.organisation.created", "admin.organisation.changed", "admin.roleholding.created",
    "admin.roleholding.changed", "admin.roleholding.deleted", "admin.srparrangement.created",
    "admin.srparrangement.changed", "admin.srparrangement.deleted", "admin.thirdpartyprovider.created",
    "admin.thirdpartyprovider.changed", "admin.usersystem.created",
    "admin.usersystem.changed", "admin.usersystem.deleted", "admin.framework.created", "admin.framework.changed",
    "admin.frameworkversion.created", "admin.frameworkversion.changed", "admin.frameworkversion.deleted",
    "admin.group.created", "admin.group.changed", "admin.group.deleted", "admin.obligation.created",
    "admin.obligation.changed", "admin.obligation.deleted", "admin.question.created", "admin.question.changed",
    "admin.question.deleted", "admin.mapping.created", "admin.mapping.changed", "admin.mapping.deleted",
]

NAME = re.compile(r"^[a-z]+(\.[a-z][a-z_-]*[a-z]){1,2}$")


def test_stored_values_never_change():
    registered = {event.value for event in AuditEvent}
    assert [value for value in PINNED if value not in registered] == []


def test_values_are_unique_well_formed_and_fit_the_column():
    assert len(AuditEvent.__members__) == len(AuditEvent) == len({e.value for e in AuditEvent})
    assert [e.value for e in AuditEvent if not NAME.match(e.value)] == []
    assert [e.name for e in AuditEvent if e.name != re.sub(r"[.-]", "_", e.value).upper()] == []
    assert max(len(e.value) for e in AuditEvent) <= Event._meta.get_field("action").max_length


def test_every_lifecycle_move_has_an_event():
    for move in TRANSITIONS.values():
        assert AuditEvent(f"assessments.assessment.{move.name}")


def test_every_audited_admin_change_has_an_event():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_active=True)
    audited = {model._meta.model_name: model_admin for model, model_admin in admin.site._registry.items()
               if isinstance(model_admin, AuditedAdmin)}
    assert audited
    for name, model_admin in audited.items():
        assert AuditEvent(f"admin.{name}.created") and AuditEvent(f"admin.{name}.changed")
        if model_admin.has_delete_permission(request):
            assert AuditEvent(f"admin.{name}.deleted")


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["made.up.event", "AUTH_SIGNED_IN", "Auth.Signed_In", "auth.signed_in ", "", None])
def test_an_unregistered_name_is_refused_and_nothing_is_written(action):
    record(AuditEvent.AUTH_SIGNED_IN)
    org = Organisation.objects.create(name="Org A", slug="org-a")
    heads = list(ChainHead.objects.values_list("chain", "seq", "head_hash"))
    with pytest.raises(ValueError, match=re.escape(repr(action))):
        record(action)
    with pytest.raises(ValueError, match="not a registered audit event"):
        record(action, org, organisation=org, after={"n": 1})
    assert list(ChainHead.objects.values_list("chain", "seq", "head_hash")) == heads
    assert Event.objects.count() == 1
    assert verify(["system"]).ok


@pytest.mark.django_db
def test_a_member_or_its_exact_value_is_stored_as_plain_text():
    first = record(AuditEvent.AUTH_SIGNED_IN)
    second = record("auth.signed_out")
    assert type(first.action) is str and first.action == "auth.signed_in"
    stored = list(Event.objects.order_by("seq").values_list("action", flat=True))
    assert stored == ["auth.signed_in", "auth.signed_out"] and second.seq == 2
    assert verify().ok


def _literal(node) -> bool:
    if isinstance(node, ast.IfExp):
        return _literal(node.body) or _literal(node.orelse)
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_the_product_names_its_events_through_the_register():
    """A name written out as text at a call would skip the register; only AuditEvent members pass."""
    calls, literal = 0, []
    for path in sorted(Path(secassure.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) != "record":
                continue
            calls += 1
            action = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "action"), None)
            if action is not None and _literal(action):
                literal.append(f"{path.name}:{node.lineno}")
    assert calls > 60
    assert literal == []
