# ruff: noqa: F811 (the frozen clock fixture is imported by name and used as an argument)
"""Reminders: one digest a day for each person with the right items around the date edges, sent once
however often the job runs; and each person's calendar feed, private to its token."""

import datetime as dt

import pytest
from django.core import mail
from icalendar import Calendar

from secassure.assessments import actions as assessments
from secassure.audit.models import Event
from secassure.evidence import actions as evidence
from secassure.evidence.models import Document
from secassure.profile.models import PortfolioSnapshot, ThirdPartyProvider
from secassure.reminders.models import Digest
from secassure.review.models import Finding, RemediationAction, RemediationPlan
from secassure.tenancy.models import Organisation
from tests.assessments import helpers
from tests.pages import without_form_tokens
from tests.review.remediation_fixtures import DAY, TODAY, today  # noqa: F401 (fixture)


@pytest.fixture
def dated(today, write, org_a, alice, bob, mallory, org_b):
    """Org A with something due on each side of each edge: for bob (contributor) documents and
    actions, for alice (owner) an unowned document, a finding's response and the G5.27 count."""
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")

    def document(org, title: str, owner, next_review: dt.date, expiry: dt.date | None = None):
        found = evidence.add_document(org, title=title, doc_type="policy", owner=owner, by=None)
        if expiry:
            evidence.add_version(found, chunks=[b"%PDF-1.4 x"], name="x.pdf", effective_date=TODAY - 30 * DAY,
                                 expiry_date=expiry, by=None)
        Document.objects.filter(pk=found.pk).update(next_review=next_review)
        return found

    document(org_a, "Access Control Policy", bob, TODAY + 14 * DAY)  # the last day of the digest
    document(org_a, "Backup Procedure", bob, TODAY + 15 * DAY)  # the day after it: the feed only
    document(org_a, "Key Management Standard", bob, TODAY + 200 * DAY, expiry=TODAY)  # expires today
    document(org_a, "Unowned Register", None, TODAY - 3 * DAY)  # overdue: the Owner answers for it
    document(org_b, "Bravo Policy", mallory, TODAY)
    assessment = assessments.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    plan = RemediationPlan.objects.create(organisation=org_a, assessment=assessment)
    RemediationAction.objects.create(plan=plan, description="Rotate the HSM keys", owner=bob, target_date=TODAY - DAY)
    RemediationAction.objects.create(plan=plan, description="Patch the VPN", owner=bob, target_date=TODAY)
    RemediationAction.objects.create(plan=plan, description="Already done", owner=bob, target_date=TODAY,
                                     status="done")
    Finding.objects.create(organisation=org_a, assessment=assessment, ref="F-001", kind="potential",
                           description="Logs", response_due=TODAY + 14 * DAY, clause="G5.14")
    Finding.objects.create(organisation=org_a, assessment=assessment, ref="F-002", kind="potential",
                           description="Answered", response_due=TODAY, response="We fixed it")
    ThirdPartyProvider.objects.create(organisation=org_a, name="Shared Host Ltd", kind="srp")
    Organisation.objects.filter(pk=org_a.pk).update(dcc_live_since=dt.date(2024, 1, 1))
    org_a.refresh_from_db()
    PortfolioSnapshot.objects.create(organisation=org_a, as_of=dt.date(2025, 9, 2), domestic=1, non_domestic=0)
    return org_a


def _digest(email: str):
    found = [m for m in mail.outbox if m.to == [email]]
    assert len(found) == 1, (email, [m.subject for m in mail.outbox])
    return found[0]


def test_each_person_gets_one_digest_with_their_own_items(cli, dated, bob, alice, mallory):
    result = cli("remind", "--date", TODAY.isoformat(), "--json")
    assert result.exit_code == 0, result.stderr
    assert {m.to[0] for m in mail.outbox} == {"alice@a.test", "bob@a.test", "mallory@b.test"}
    bobs = _digest("bob@a.test").body
    assert "Rotate the HSM keys" in bobs and "overdue by 1 day" in bobs
    assert "Patch the VPN" in bobs and "Key Management Standard v1 expires" in bobs
    assert bobs.count("due today") == 2
    assert "Review Access Control Policy" in bobs and "due in 14 days" in bobs
    assert "Backup Procedure" not in bobs and "Already done" not in bobs
    assert "F-001" not in bobs and "Unowned Register" not in bobs and "Bravo" not in bobs
    assert _digest("bob@a.test").subject == "secassure: 1 overdue and 3 due in the next 14 days"
    alices = _digest("alice@a.test").body
    assert "F-001: management response to the SSC" in alices and "[G5.14]" in alices
    assert "F-002" not in alices
    assert "Report the number of Smart Metering Systems to SECAS" in alices and "[G5.27]" in alices
    assert "Review Unowned Register" in alices and "overdue by 3 days" in alices
    assert "Rotate the HSM keys" not in alices and "Access Control Policy" not in alices
    assert "Alpha" not in _digest("mallory@b.test").body
    assert "http://" in bobs and "/remediation/" in bobs


def test_running_again_the_same_day_sends_nothing_and_the_next_day_sends_again(cli, dated, today):
    cli("remind", "--date", TODAY.isoformat())
    assert len(mail.outbox) == 3
    again = cli("remind", "--date", TODAY.isoformat(), "--json")
    assert len(mail.outbox) == 3 and again.json()["already_sent"] == 3 and again.json()["sent"] == []
    cli("remind", "--date", (TODAY + DAY).isoformat())
    assert len(mail.outbox) == 6
    assert Digest.objects.filter(day=TODAY).count() == 3 and Digest.objects.filter(day=TODAY + DAY).count() == 3


def test_the_edges_move_with_the_day(cli, dated):
    cli("remind", "--date", (TODAY + DAY).isoformat())
    bobs = _digest("bob@a.test").body
    assert "Review Backup Procedure" in bobs  # now 14 days ahead
    assert "Rotate the HSM keys" in bobs and "overdue by 2 days" in bobs
    assert "Patch the VPN" in bobs and "overdue by 1 day" in bobs


def test_a_dry_run_sends_and_records_nothing(cli, dated):
    result = cli("remind", "--date", TODAY.isoformat(), "--dry-run", "--json")
    assert result.exit_code == 0 and len(result.json()["sent"]) == 3
    assert mail.outbox == [] and not Digest.objects.exists()


def test_a_failed_send_is_not_recorded_so_the_next_run_tries_again(cli, dated, monkeypatch):
    from secassure.reminders import digest

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(digest, "send_mail", refuse)
    result = cli("remind", "--date", TODAY.isoformat())
    assert result.exit_code == 1 and "mail server down" in result.stderr
    assert not Digest.objects.exists()
    monkeypatch.undo()
    cli("remind", "--date", TODAY.isoformat())
    assert len(mail.outbox) == 3


def test_the_next_assessment_is_a_reminder_once_it_is_close(cli, today, org_a, alice, bob, settings):
    from secassure.profile.actions import load_rules
    from secassure.profile.services import plan_for, read_rules, shipped_rule_files

    for path in shipped_rule_files():
        load_rules(read_rules(path, 10_000_000), by=None)
    due = plan_for(org_a, TODAY).next_due().due_by
    cli("remind", "--date", (due - 15 * DAY).isoformat())
    assert mail.outbox == []
    cli("remind", "--date", (due - 14 * DAY).isoformat())
    assert "to be completed" in _digest("bob@a.test").body and "due in 14 days" in _digest("alice@a.test").body


# --- the calendar feed -----------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, settings):
    settings.SECASSURE_REQUIRE_MFA = False

    def as_(user):
        client.force_login(user)
        return client

    return as_


def _new_link(client) -> str:
    response = client.post("/calendar/", {"action": "new"})
    assert response.status_code == 200
    link = response.context["link"]
    assert link.startswith("https://") and link.endswith(".ics")
    return link.split("/calendar/", 1)[1][:-4]


def test_the_feed_lists_the_persons_dates_and_parses(signed_in, dated, bob):
    client = signed_in(bob)
    token = _new_link(client)
    client.logout()
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert events["Document review: Review Backup Procedure"].decoded("dtstart") == TODAY + 15 * DAY
    assert events["Remediation action: Rotate the HSM keys"].decoded("dtstart") == TODAY - DAY
    assert "Document review: Review Key Management Standard" in events  # 200 days ahead: the feed looks further
    assert not any("F-001" in s or "Bravo" in s or "Unowned" in s for s in events)
    uids = {str(e["uid"]) for e in calendar.walk("VEVENT")}
    assert len(uids) == len(events)
    again = Calendar.from_ical(client.get(f"/calendar/{token}.ics").content)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == uids
    assert Event.objects.filter(action="reminders.feed.created").count() == 1


def test_the_feed_is_private_to_its_token(signed_in, dated, bob, alice, client):
    token = _new_link(signed_in(bob))
    wrong = client.get("/calendar/" + "x" * 43 + ".ics")
    assert wrong.status_code == 404
    assert without_form_tokens(client.get(f"/calendar/{token[:-1]}.ics")) == without_form_tokens(wrong)
    replaced = _new_link(signed_in(bob))
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{replaced}.ics").status_code == 200
    alices = _new_link(signed_in(alice))
    assert b"Rotate the HSM keys" not in client.get(f"/calendar/{alices}.ics").content
    signed_in(bob).post("/calendar/", {"action": "stop"})
    assert client.get(f"/calendar/{replaced}.ics").status_code == 404
    from secassure.reminders.models import CalendarFeed

    assert replaced not in "".join(CalendarFeed.objects.values_list("token_hash", flat=True))


def test_the_page_shows_what_is_due_and_is_for_signed_in_people(signed_in, dated, bob, client):
    assert client.get("/calendar/").status_code == 302
    page = signed_in(bob).get("/calendar/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rotate the HSM keys" in text and "overdue by 1 day" in text and "Backup Procedure" not in text
    assert "Create my private link" in text


def test_a_calendar_link_is_made_and_stopped_only_by_a_signed_in_person_for_themself(bob):
    from secassure.errors import ActionError
    from secassure.reminders import actions
    from secassure.reminders.models import CalendarFeed

    for refused in (actions.new_feed_link, actions.revoke_feed):
        with pytest.raises(ActionError, match="signed-in person"):
            refused(by=None)
    assert not CalendarFeed.objects.exists()
    actions.new_feed_link(by=bob)
    assert list(CalendarFeed.objects.values_list("user", flat=True)) == [bob.pk]
    actions.revoke_feed(by=bob)
    assert not CalendarFeed.objects.exists()
