"""The scale generator: it makes what it says, refuses a database holding real data unless forced,
adds only what is missing when run again, and leaves an audit log that verifies."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from secassure.assessments.audited_state import check_state
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.generate import generate
from secassure.tenancy.models import Membership, Organisation


def test_it_makes_what_it_says(shipped_catalogue):
    made = generate(orgs=2, documents_per_org=3, assessments_per_org=2)

    assert (made.organisations, made.already, made.people, made.documents, made.assessments) == (2, 0, 6, 6, 4)
    assert Organisation.objects.count() == 2 and get_user_model().objects.count() == 6
    assert Membership.objects.count() == 6 and Document.objects.count() == 6 and Assessment.objects.count() == 4
    assert (ValidationRow.objects.count(), QuestionAnswer.objects.count(), EvidenceLink.objects.count()) == (
        made.rows, made.answers, made.links)
    assert made.rows > 0 and made.answers > 0 and made.links > 0
    assert set(Membership.objects.values_list("role", flat=True)) == {"owner", "contributor", "approver"}
    assert len(set(ValidationRow.objects.values_list("status", flat=True))) == 5  # every state is there
    assert sorted(Assessment.objects.values_list("status", flat=True)) == [
        "preparation", "preparation", "submitted", "submitted"]
    assert not any(user.has_usable_password() for user in get_user_model().objects.all())
    # One event per organisation, its chain's first, saying what was generated with it.
    events = list(Event.objects.filter(action="tenancy.organisation.created").order_by("pk"))
    assert len(events) == 2 and Event.objects.exclude(chain="system").count() == 2
    assert events[0].after["generated"]["documents"] == 3 and len(events[0].after["generated"]["people"]) == 3
    assert sum(e.after["generated"]["rows"] for e in events) == made.rows


def test_the_audit_log_verifies_afterwards(shipped_catalogue):
    generate(orgs=2, documents_per_org=2, assessments_per_org=1)

    assert verify().ok
    state = check_state()
    assert state.ok and not state.differences  # generated rows have no audited value to differ from


def test_a_database_holding_real_data_is_refused_unless_forced(shipped_catalogue, org_a, alice):
    with pytest.raises(ActionError, match="holds data the generator did not make: 1 organisation .*--force"):
        generate(orgs=1, documents_per_org=1, assessments_per_org=1)
    assert Organisation.objects.count() == 1

    made = generate(orgs=1, documents_per_org=1, assessments_per_org=1, force=True)
    assert made.organisations == 1 and Organisation.objects.count() == 2


def test_a_person_not_made_by_it_is_real_data_too(shipped_catalogue):
    get_user_model().objects.create_user("admin@example.com", "admin@example.com", "a-long-password-1")
    with pytest.raises(ActionError, match="1 person \\(admin@example.com\\)"):
        generate(orgs=1, documents_per_org=1, assessments_per_org=1)


def test_running_again_adds_only_what_is_missing(shipped_catalogue):
    generate(orgs=2, documents_per_org=1, assessments_per_org=1)
    rows = ValidationRow.objects.count()

    again = generate(orgs=2, documents_per_org=1, assessments_per_org=1)
    assert (again.organisations, again.already, again.rows) == (0, 2, 0)
    assert Organisation.objects.count() == 2 and ValidationRow.objects.count() == rows

    grown = generate(orgs=3, documents_per_org=1, assessments_per_org=1)
    assert (grown.organisations, grown.already) == (1, 2)
    assert Organisation.objects.count() == 3 and verify().ok


def test_the_command_line(cli, shipped_catalogue):
    result = cli("generate", "--orgs", "1", "--documents-per-org", "2", "--assessments-per-org", "1", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["organisations"], data["documents"], data["assessments"]) == (1, 2, 1)

    result = cli("generate", "--orgs", "1")
    assert result.exit_code == 0 and "Generated 0 organisations (1 already there)" in result.stdout

    Organisation.objects.create(name="Real Energy", slug="real-energy", category="large-supplier")
    result = cli("generate", "--orgs", "2")
    assert result.exit_code == 1 and "Real Energy" in result.stderr and "--force" in result.stderr


def test_the_planner_statistics_are_refreshed_as_the_organisations_double(db, monkeypatch):
    # A bulk load outgrowing the statistics PostgreSQL planned from made each organisation slower to
    # write than the last; the generator refreshes them each time the organisations double.
    analysed = []
    monkeypatch.setattr("secassure.generate._analyse",
                        lambda: analysed.append(Organisation.objects.filter(slug__startswith="generated-").count()))

    generate(orgs=40, documents_per_org=0, assessments_per_org=0)
    assert analysed == [16, 32, 40]  # twice on the way, and once at the end

    analysed.clear()
    generate(orgs=90, documents_per_org=0, assessments_per_org=0)
    assert analysed == [80, 90]  # counted from the 40 already there

    analysed.clear()
    generate(orgs=90, documents_per_org=0, assessments_per_org=0)
    assert analysed == []  # nothing made, nothing to refresh

    analysed.clear()
    generate(orgs=180, documents_per_org=0, assessments_per_org=0)
    assert analysed == [180]  # the run ended on a doubling of the 90: refreshed there, not again

