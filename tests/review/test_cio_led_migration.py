"""The migrations that add the CIO-conducted flow (assessments 0004, review 0003) keep what was
there: assessments keep their status, queries become questions (not evidence requests), findings
keep their response and have no sign-off yet.

The data is written through the historical models of the migrations before, then the migrations run
forward, as on an upgrade. Migrating needs the database outside the test's transaction, so this test
uses ``transactional_db``, as the end-to-end tests do; the audit log's append-only triggers are lifted
for the emptying of the database that follows it, and put back after."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.assessments import helpers
from tests.personas import make_org, make_user

BEFORE = [("assessments", "0003_answer_status_words"), ("review", "0002_query_status_words")]


def _audit_triggers(create: bool) -> None:
    from secassure.audit.triggers import statements

    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, create):
            cursor.execute(sql)


@pytest.fixture
def _audit_log_append_only_again(django_db_blocker):
    """Torn down after the database is emptied: the triggers go back."""
    yield
    with django_db_blocker.unblock():
        _audit_triggers(create=True)


@pytest.fixture
def _audit_triggers_lifted():
    """Torn down before the database is emptied, which deletes the events the setting-up wrote."""
    yield
    _audit_triggers(create=False)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_cio_led_migrations_keep_assessments_queries_and_findings(_audit_log_append_only_again, transactional_db,
                                                                      _audit_triggers_lifted, write):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    # What the migrations do not touch (people, the organisation, the catalogue) is made as today.
    catalogue = helpers.tiny(write)
    obligation = catalogue.obligations.get(ref="T1")
    org = make_org("Alpha Energy Ltd", "org-a")
    cio, director = make_user("carol@cio.test"), make_user("dave@a.test")

    old = _migrate(BEFORE)
    Assessment, Row = old.get_model("assessments", "Assessment"), old.get_model("assessments", "ValidationRow")
    Query, Finding = old.get_model("review", "ReviewQuery"), old.get_model("review", "Finding")
    assert "purpose" not in {f.name for f in Query._meta.get_fields()}
    assert "response_approved_by" not in {f.name for f in Finding._meta.get_fields()}
    ssa = Assessment.objects.create(organisation_id=org.pk, kind="ssa", catalogue_id=catalogue.pk, title="SSA 2025",
                                    status="cio-review", submitted_by_id=director.pk, submitted_at=timezone.now())
    vusa = Assessment.objects.create(organisation_id=org.pk, kind="vusa", catalogue_id=catalogue.pk,
                                     title="VUSA 2025", status="actions-requested")
    row = Row.objects.create(assessment=ssa, obligation_id=obligation.pk, status="compliant", narrative="Met")
    asked = Query.objects.create(assessment=ssa, row=row, status="answered", raised_by_id=cio.pk)
    closed = Query.objects.create(assessment=ssa, row=row, status="closed", raised_by_id=cio.pk,
                                  closed_by_id=cio.pk, closed_at=timezone.now())
    finding = Finding.objects.create(organisation_id=org.pk, assessment=vusa, ref="F-001", source="cio-report",
                                     clause="T1", kind="actual", description="No quarterly review",
                                     status="response-drafted", response="Quarterly reviews from April.",
                                     response_due=dt.date(2026, 1, 31), responded_by_id=director.pk,
                                     responded_at=timezone.now(), revision=3)

    new = _migrate(latest)
    Assessment, Query = new.get_model("assessments", "Assessment"), new.get_model("review", "ReviewQuery")
    Finding, CioReport = new.get_model("review", "Finding"), new.get_model("review", "CioReport")
    RowResult = new.get_model("review", "RowResult")
    assert dict(Assessment.objects.values_list("pk", "status")) == {ssa.pk: "cio-review",
                                                                   vusa.pk: "actions-requested"}
    assert Assessment.objects.get(pk=ssa.pk).submitted_by_id == director.pk
    assert sorted(Query.objects.values_list("pk", "purpose", "status", "row_id")) == sorted([
        (asked.pk, "question", "answered", row.pk), (closed.pk, "question", "closed", row.pk)])
    kept = Finding.objects.get(pk=finding.pk)
    assert (kept.ref, kept.kind, kept.status, kept.response, kept.response_due, kept.responded_by_id,
            kept.revision, kept.assessment_id) == (
        "F-001", "actual", "response-drafted", "Quarterly reviews from April.", dt.date(2026, 1, 31), director.pk,
        3, vusa.pk)
    assert (kept.response_approved_by_id, kept.response_approved_at) == (None, None)
    assert not CioReport.objects.exists() and not RowResult.objects.exists()

    # The tables the migration made take the new flow's rows.
    CioReport.objects.create(assessment_id=vusa.pk, version=1, summary="On site.", written_by_id=cio.pk)
    assert CioReport.objects.get().results == []
