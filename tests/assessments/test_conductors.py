"""Who conducts each type of assessment (rule data), and the fieldwork dates recorded on it."""

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments import actions
from secassure.audit.models import Event
from secassure.errors import ActionError
from tests.assessments import helpers
from tests.shipped import load_shipped_rules

CONDUCTED_BY = {"ssa": "user", "fusa": "cio", "vusa": "cio", "follow-up": "cio", "cio-compliance": "cio"}


# The security types; the privacy types (SEC Section I, Other Users only) in tests/privacy.
@pytest.mark.parametrize("kind", list(CONDUCTED_BY))
def test_show_says_who_conducts_each_type_from_the_rules(cli, cat, org_a, alice, kind):
    load_shipped_rules()
    created = actions.create_assessment(org_a, kind=kind, by=alice).assessment
    shown = cli("assessment", "show", str(created.pk), "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["assessment"]["conducted_by"] == CONDUCTED_BY[kind]
    who = "the User CIO" if CONDUCTED_BY[kind] == "cio" else "the User"
    assert f"conducted by {who}\n" in cli("assessment", "show", str(created.pk)).stdout


def test_without_rules_nobody_is_named_and_the_page_says_how_to_know(cli, client, cat, org_a, alice):
    fusa = actions.create_assessment(org_a, kind="fusa", by=alice).assessment
    assert cli("assessment", "show", str(fusa.pk), "--json").json()["assessment"]["conducted_by"] is None
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/assessments/{fusa.pk}/details/").content.decode()
    assert "Who conducts this type of assessment is not known" in page and "secassure rules load" in page


def test_the_details_page_names_the_conductor_with_clause_and_source(client, cat, org_a, alice):
    load_shipped_rules()
    fusa = actions.create_assessment(org_a, kind="fusa", by=alice).assessment
    ssa = actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/assessments/{fusa.pk}/details/").content.decode()
    assert "Conducted by <strong>the User CIO</strong>" in page and "G8.16" in page
    assert 'href="https://smartenergycodecompany.co.uk/glossary/full-user-security-assessment/"' in page
    page = client.get(f"/orgs/{org_a.slug}/assessments/{ssa.pk}/details/").content.decode()
    assert "Conducted by <strong>the User</strong>" in page and "G8.18" in page


def test_set_records_the_fieldwork_dates_with_an_audit_event(cli, cat, org_a, alice):
    fusa = actions.create_assessment(org_a, kind="fusa", by=alice).assessment
    before = Event.objects.filter(object_id=str(fusa.pk), object_type="assessments.assessment").count()
    done = cli("assessment", "set", str(fusa.pk), "--fieldwork-start", "2026-01-12", "--fieldwork-end",
               "2026-01-16", "--json")
    assert done.exit_code == 0, done.stderr
    assert done.json()["fieldwork"] == ["2026-01-12", "2026-01-16"]
    fusa.refresh_from_db()
    assert (fusa.fieldwork_start, fusa.fieldwork_end) == (dt.date(2026, 1, 12), dt.date(2026, 1, 16))
    events = Event.objects.filter(object_id=str(fusa.pk), object_type="assessments.assessment")
    assert events.count() == before + 1
    assert events.order_by("-seq").first().after["fieldwork"] == ["2026-01-12", "2026-01-16"]
    # The same again changes nothing and records nothing.
    assert cli("assessment", "set", str(fusa.pk), "--fieldwork-end", "2026-01-16").exit_code == 0
    assert events.count() == before + 1
    assert "fieldwork 2026-01-12 to 2026-01-16" in cli("assessment", "set", str(fusa.pk), "--fieldwork-end",
                                                       "2026-01-16").stdout


def test_set_refuses_what_cannot_be_true(cli, cat, org_a, alice):
    fusa = actions.create_assessment(org_a, kind="fusa", by=alice).assessment
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = cli("assessment", "set", str(fusa.pk), "--fieldwork-end", tomorrow)
    assert future.exit_code == 1 and "the fieldwork's end" in future.stderr and "is in the future" in future.stderr
    backwards = cli("assessment", "set", str(fusa.pk), "--fieldwork-start", "2026-02-10", "--fieldwork-end",
                    "2026-02-01")
    assert backwards.exit_code == 1 and "the fieldwork ends before it starts" in backwards.stderr
    not_a_date = cli("assessment", "set", str(fusa.pk), "--fieldwork-end", "31/01/2026")
    assert not_a_date.exit_code == 1 and "is not a date in the form YYYY-MM-DD" in not_a_date.stderr
    nothing = cli("assessment", "set", str(fusa.pk))
    assert nothing.exit_code == 1 and "give at least one of" in nothing.stderr
    fusa.refresh_from_db()
    assert (fusa.fieldwork_start, fusa.fieldwork_end) == (None, None)


def test_fieldwork_dates_are_recorded_after_submission_but_nothing_else_is(cli, a, org_a, alice, bob, dave):
    submitted = helpers.submit(a, maker=bob, checker=alice, approver=dave)
    done = actions.update_details(submitted, by=alice, fieldwork_start=dt.date(2026, 3, 2),
                                  fieldwork_end=dt.date(2026, 3, 6))
    assert done.fieldwork_end == dt.date(2026, 3, 6)
    with pytest.raises(ActionError, match="re-open it to change its details"):
        actions.update_details(submitted, by=alice, title="Renamed after submission")
    refused = cli("assessment", "set", str(submitted.pk), "--title", "Renamed")
    assert refused.exit_code == 1 and "re-open it" in refused.stderr
    with pytest.raises(ActionError, match="does not allow this"):
        actions.update_details(submitted, by=dave, fieldwork_end=dt.date(2026, 3, 5))


def test_after_submission_the_details_page_records_only_the_fieldwork(client, a, org_a, alice, bob, dave):
    submitted = helpers.submit(a, maker=bob, checker=alice, approver=dave)
    url = f"/orgs/{org_a.slug}/assessments/{submitted.pk}/details/"
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert "The CIO's fieldwork" in page and 'name="fieldwork_end"' in page and 'name="title"' not in page
    saved = client.post(url, {"fieldwork_start": "2026-03-02", "fieldwork_end": "2026-03-06",
                              "title": "Not changed this way"})
    assert saved.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.fieldwork_start, submitted.fieldwork_end) == (dt.date(2026, 3, 2), dt.date(2026, 3, 6))
    assert submitted.title == "SSA 2026"
    backwards = client.post(url, {"fieldwork_start": "2026-03-09", "fieldwork_end": "2026-03-06"})
    assert backwards.status_code == 200 and "The fieldwork ends before it starts" in backwards.content.decode()
    client.force_login(dave)  # an Approver signs off; recording the engagement's dates is not theirs
    assert 'name="fieldwork_end"' not in client.get(url).content.decode()
    assert client.post(url, {"fieldwork_end": "2026-03-05"}).status_code == 403
