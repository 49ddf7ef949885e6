"""SECAS's advice on the assessment type, and due dates from the fieldwork recorded, as people meet
them: the action and who may take it, `secassure org advise` and `secassure plan --json`, the
organisation page and its form, and pages whose cost does not grow with what they hold.

Dates are relative to today so that the tests do not age. With the shipped rules, a Supplier at or
under the thresholds has FUSA, VUSA, SSA, year n due 12 months after the previous year's CIO
fieldwork ended (estimated from the cycle start until it is recorded).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.assessments import actions as assessment_actions
from secassure.assessments.models import Assessment
from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.dates import add_months
from secassure.errors import ActionError
from secassure.profile import actions
from secassure.profile.models import SecasAdvice
from secassure.profile.services import plan_for
from tests.assessments import helpers
from tests.personas import join, make_org
from tests.shipped import load_shipped_rules


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def rules(db):
    load_shipped_rules()


@pytest.fixture
def year_two_org(org_a, rules):
    """Org A, fourteen months into its cycle, under every threshold: year 2 (VUSA) is next."""
    actions.update_organisation(org_a, {"cycle_start": add_months(today(), -14)}, by=None)
    actions.add_snapshot(org_a, as_of=add_months(today(), -13), domestic=180_000, non_domestic=5_000, by=None)
    return org_a


def assessment(org, kind: str, year: int | None, fieldwork_end: dt.date | None = None):
    """An assessment made through the real action, its fieldwork dates then set as recorded."""
    made = assessment_actions.create_assessment(org, kind=kind, by=None, cycle_year=year).assessment
    if fieldwork_end:
        Assessment.objects.filter(pk=made.pk).update(fieldwork_start=fieldwork_end - dt.timedelta(days=4),
                                                     fieldwork_end=fieldwork_end)
    return made


# --- the action -------------------------------------------------------------------------------


def test_an_owner_records_advice_and_the_plan_follows_it(alice, year_two_org):
    advice, changes = actions.record_advice(year_two_org, by=alice, year=3, kind="vusa",
                                            advised_on=today() - dt.timedelta(days=2), reference="SECAS/2026/17")
    assert (advice.year, advice.kind, advice.reference, advice.recorded_by) == (3, "vusa", "SECAS/2026/17", alice)
    assert advice.cycle_start == year_two_org.cycle_start
    assert changes == [{"year": 3, "from": "SSA", "to": "VUSA",
                        "due_by": add_months(year_two_org.cycle_start, 24).isoformat()}]
    event = Event.objects.get(action="profile.advice.recorded")
    assert event.after["type"] == "vusa" and event.after["reference"] == "SECAS/2026/17"
    assert Event.objects.filter(action="profile.plan.changed").latest("seq").reason == "SECAS advice for year 3"
    year3 = plan_for(year_two_org).years[2]
    assert (year3.type, year3.basis, year3.estimated_type) == ("VUSA", "secas-advice", "SSA")
    assert verify().ok


def test_new_advice_replaces_the_old_and_the_audit_shows_both(alice, year_two_org):
    first_day, second_day = today() - dt.timedelta(days=30), today() - dt.timedelta(days=1)
    actions.record_advice(year_two_org, by=alice, year=3, kind="vusa", advised_on=first_day)
    again, changes = actions.record_advice(year_two_org, by=alice, year=3, kind="vusa", advised_on=first_day)
    assert changes == [] and Event.objects.filter(action__startswith="profile.advice.").count() == 1
    replaced, changes = actions.record_advice(year_two_org, by=alice, year=3, kind="ssa", advised_on=second_day,
                                              reference="revised count")
    assert SecasAdvice.objects.filter(organisation=year_two_org).count() == 1
    assert replaced.pk == again.pk and replaced.kind == "ssa"
    event = Event.objects.get(action="profile.advice.replaced")
    assert event.before["type"] == "vusa" and event.before["advised_on"] == first_day.isoformat()
    assert event.after["type"] == "ssa" and event.after["reference"] == "revised count"
    assert [c["to"] for c in changes] == ["SSA"]
    assert verify().ok


def test_a_contributor_may_not_record_advice(bob, year_two_org):
    with pytest.raises(ActionError, match="does not allow"):
        actions.record_advice(year_two_org, by=bob, year=3, kind="vusa", advised_on=today())
    assert not SecasAdvice.objects.exists() and not Event.objects.filter(action__startswith="profile.advice.")


def test_another_organisations_owner_may_not_record_advice(mallory, year_two_org):
    with pytest.raises(ActionError, match="does not allow"):
        actions.record_advice(year_two_org, by=mallory, year=3, kind="vusa", advised_on=today())
    assert not SecasAdvice.objects.exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"year": 4}, "the cycle year must be 1, 2 or 3"),
    ({"year": 0}, "the cycle year must be 1, 2 or 3"),
    ({"kind": "follow-up"}, "'follow-up' is not a type SECAS advises"),
    ({"advised_on": "2026-01-01"}, "give the date of SECAS's advice"),
    ({"advised_on": dt.date(2999, 1, 1)}, "is in the future"),
    ({"reference": "x" * 201}, "the most it can be is 200"),
    ({"reference": "SA\x00-1"}, "control character"),
])
def test_bad_advice_is_refused(alice, year_two_org, changes, message):
    given = {"year": 3, "kind": "vusa", "advised_on": today(), "reference": "", **changes}
    with pytest.raises(ActionError, match=message):
        actions.record_advice(year_two_org, by=alice, **given)
    assert not SecasAdvice.objects.exists()


# --- the recorded fieldwork, read through the assessments' reader --------------------------------


def test_the_plan_reads_the_fieldwork_recorded_on_the_assessments(year_two_org, write):
    helpers.tiny(write)
    ended = today() - dt.timedelta(days=20)
    vusa = assessment(year_two_org, "vusa", 2, ended)
    plan = plan_for(year_two_org)
    year2, year3 = plan.years[1], plan.years[2]
    assert (year2.basis, year2.assessment.pk, year2.done) == ("recorded", vusa.pk, True)
    assert (year3.due_by, year3.due_basis, year3.due_from.pk) == (add_months(ended, 12), "recorded-fieldwork", vusa.pk)
    assert plan.next_due() is year3
    other = make_org("Other Ltd", "other", cycle_start=year_two_org.cycle_start)
    assessment(other, "vusa", 2, today() - dt.timedelta(days=200))
    assert plan_for(year_two_org).years[2].due_by == add_months(ended, 12)  # another's assessments never count


# --- the command line ---------------------------------------------------------------------------


def test_org_advise_records_it_and_plan_json_gives_each_years_basis(cli, year_two_org, write):
    helpers.tiny(write)
    ended = today() - dt.timedelta(days=10)
    assessment(year_two_org, "vusa", 2, ended)
    done = cli("org", "advise", year_two_org.slug, "--year", "3", "--type", "vusa", "--date",
               (today() - dt.timedelta(days=3)).isoformat(), "--reference", "SA-9", "--json")
    assert done.exit_code == 0, done.stderr
    data = done.json()
    assert (data["year"], data["type"], data["reference"]) == (3, "vusa", "SA-9")
    assert data["plan_changes"] == [
        {"year": 3, "from": "SSA", "to": "VUSA", "due_by": add_months(ended, 12).isoformat()}]
    shown = cli("plan", year_two_org.slug, "--json")
    assert shown.exit_code == 0, shown.stderr
    cycle = shown.json()["cycle"]
    assert [y["basis"] for y in cycle] == ["estimate", "recorded", "secas-advice"]
    assert [y["due_basis"] for y in cycle] == ["cycle-start", "estimate", "recorded-fieldwork"]
    assert cycle[2]["due_by"] == add_months(ended, 12).isoformat()
    assert cycle[2]["advice"]["type"] == "VUSA" and cycle[2]["estimated_type"] == "SSA"
    warnings = shown.json()["warnings"]
    assert any("where the rules estimate an SSA: the plan follows SECAS's advice" in w for w in warnings)
    text = cli("plan", year_two_org.slug).stdout
    assert "Year 3: VUSA due by" in text and "(type from SECAS's advice; date from the fieldwork recorded" in text


def test_org_advise_refuses_bad_input_and_writes_nothing(cli, year_two_org):
    before = Event.objects.count()
    result = cli("org", "advise", year_two_org.slug, "--year", "5", "--type", "vusa", "--date", today().isoformat())
    assert result.exit_code == 1 and "the cycle year must be 1, 2 or 3" in result.stderr
    result = cli("org", "advise", year_two_org.slug, "--year", "3", "--type", "vusa", "--date", "yesterday")
    assert result.exit_code == 1
    assert Event.objects.count() == before and not SecasAdvice.objects.exists()


# --- the organisation page -----------------------------------------------------------------------


def test_the_organisation_page_shows_each_years_basis_and_the_advice(client, alice, year_two_org, write):
    helpers.tiny(write)
    ended = today() - dt.timedelta(days=10)
    assessment(year_two_org, "vusa", 2, ended)
    actions.record_advice(year_two_org, by=alice, year=3, kind="vusa", advised_on=today(), reference="SA-4")
    client.force_login(alice)
    page = client.get(f"/orgs/{year_two_org.slug}/").content.decode()
    assert "Type from the assessment recorded for the year" in page
    assert "Type from SECAS&#x27;s advice" in page and "Type from the rules&#x27; estimate" in page
    assert f"Counted from the fieldwork end recorded on the VUSA, {ended:%-d %b %Y}" in page
    assert "The cycle start" in page
    assert "SECAS advised a VUSA; the rules estimate an SSA" in page
    assert "SA-4" in page and "Record SECAS's advice" in page


def test_the_page_tags_a_recalled_estimate(client, alice, year_two_org):
    actions.add_snapshot(year_two_org, as_of=today() - dt.timedelta(days=1), domestic=312_000, non_domestic=0,
                         by=None)
    client.force_login(alice)
    page = client.get(f"/orgs/{year_two_org.slug}/").content.decode()
    assert '<span class="conf conf-R" title="Recalled, to check: no public source found states it">R</span>' in page
    assert "rule CY-SUPPLIER-NETWORK-OVER is recalled, to check (confidence R)" in page


def test_an_owner_records_advice_through_the_form(client, alice, year_two_org):
    client.force_login(alice)
    response = client.post(f"/orgs/{year_two_org.slug}/advice/", {
        "year": "3", "kind": "vusa", "advised_on": today().isoformat(), "reference": "SA-5"}, follow=True)
    body = response.content.decode()
    assert "SECAS&#x27;s advice for year 3 is recorded. This changes the cycle plan: year 3 is now a VUSA" in body
    assert SecasAdvice.objects.get().recorded_by == alice
    assert Event.objects.get(action="profile.advice.recorded").actor == alice
    refused = client.post(f"/orgs/{year_two_org.slug}/advice/", {
        "year": "3", "kind": "vusa", "advised_on": "2999-01-01"})
    assert refused.status_code == 200 and "is in the future" in refused.content.decode()


def test_a_contributor_sees_the_advice_but_not_the_form(client, bob, year_two_org):
    client.force_login(bob)
    page = client.get(f"/orgs/{year_two_org.slug}/").content.decode()
    assert "SECAS's advice on the assessment type" in page and "Record SECAS's advice" not in page
    assert client.post(f"/orgs/{year_two_org.slug}/advice/", {
        "year": "3", "kind": "vusa", "advised_on": today().isoformat()}).status_code == 403
    assert not SecasAdvice.objects.exists()


def test_another_organisations_owner_cannot_reach_the_form(client, mallory, year_two_org):
    client.force_login(mallory)
    assert client.get(f"/orgs/{year_two_org.slug}/advice/").status_code == 404


# --- what the pages cost ------------------------------------------------------------------------


def test_the_organisation_page_costs_the_same_with_more_assessments_and_advice(client, alice, year_two_org, write):
    helpers.tiny(write)
    client.force_login(alice)
    client.get("/")
    # One assessment first, so that both pages read the organisation's assessments (a page with none
    # reads what a new one would hold instead).
    assessment(year_two_org, "vusa", 1, today() - dt.timedelta(days=60))
    counts = []
    for step in range(2):
        if step:
            for year in (1, 2, 3):
                assessment(year_two_org, "vusa", year, today() - dt.timedelta(days=40 - year))
                actions.record_advice(year_two_org, by=alice, year=year, kind="vusa", advised_on=today())
            assessment(year_two_org, "follow-up", 2, today() - dt.timedelta(days=5))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/orgs/{year_two_org.slug}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_home_page_reads_every_organisations_plan_in_the_same_queries(client, consultant, rules, settings,
                                                                           write):
    settings.SECASSURE_REQUIRE_MFA = False
    helpers.tiny(write)
    start = add_months(today(), -14)

    def organisations(first: int, last: int) -> None:
        for n in range(first, last):
            org = make_org(f"Client {n:02}", f"client-{n:02}", cycle_start=start)
            join(consultant, org, "owner")
            assessment(org, "vusa", 2, today() - dt.timedelta(days=n + 1))
            actions.record_advice(org, by=None, year=3, kind="vusa", advised_on=today())

    organisations(0, 2)
    client.force_login(consultant)
    client.get("/")
    with CaptureQueriesContext(connection) as two:
        page = client.get("/").content.decode()
    organisations(2, 12)
    with CaptureQueriesContext(connection) as twelve:
        more = client.get("/").content.decode()
    assert len(twelve) == len(two), [q["sql"][:100] for q in twelve.captured_queries]
    # Each row's next assessment is year 3, dated from its own VUSA's fieldwork and typed by the advice.
    row = more.split("Client 05", 1)[1].split("</tr>", 1)[0]
    assert "VUSA (year 3)" in row and add_months(today() - dt.timedelta(days=6), 12).strftime("%-d %b %Y") in row
    assert "VUSA (year 3)" in page
