"""The notices register: types and deadlines from the rules, G3.9 and its User System, the G5.27 count,
overdue notices everywhere they are shown, the doors, stale saves, the audit log and the command line."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.inbox.models import Notification
from secassure.notices import actions
from secassure.notices.models import Notice
from secassure.notices.services import count_due, notice_rules, overdue_for, unnotified_systems
from secassure.profile import actions as profile_actions
from secassure.profile.models import ThirdPartyProvider, UserSystem

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def further_system(org, *, in_use_from, name="Second head-end"):
    return profile_actions.add_user_system(org, by=None, name=name, kind="further",
                                           ssc_notified_on=in_use_from - 30 * DAY, in_use_from=in_use_from)


def test_each_type_has_its_clause_recipients_and_deadline_with_its_confidence(shipped_rules):
    rules = notice_rules(TODAY)
    g35, g39, g316, g527 = (rules.notice(k) for k in ("G3.5", "G3.9", "G3.16", "G5.27"))
    assert (g35.recipients, g35.deadline.rule, g35.deadline.confidence) == (("ssc",), "without-delay", "R")
    assert (g39.deadline.rule, g39.deadline.confidence, g39.needs_system) == ("before-first-use", "S", True)
    assert g316.recipients == ("ssc", "smki-pma") and g316.several and g316.deadline.confidence == "R"
    assert (g527.recipients, g527.deadline.months, g527.needs_count) == (("secas",), 6, True)
    assert rules.notice("G3.18").recipients == ("ssc",) and rules.notice("G3.17-ACK").confidence == "I"
    for n in rules.notices:
        assert n.source_url.startswith("https://") and n.deadline.source_url.startswith("https://")
        if n.deadline.confidence == "R":
            assert "No public source states" in n.deadline.explanation


def test_an_unsourced_deadline_says_so_in_the_product(client, shipped_rules, org_a, alice, cli):
    notice = actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY - 2 * DAY, what="Phishing")
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/notices/").content.decode()
    assert "No public source states a deadline for this notice" in page and "Overdue" in page
    one = client.get(f"/orgs/{org_a.slug}/notices/{notice.pk}/").content.decode()
    assert "No public source states a deadline" in one
    listed = json.loads(cli("notice", "list", org_a.slug, "--json").stdout)["notices"][0]
    assert (listed["deadline"], listed["deadline_confidence"], listed["state"]) == (
        (TODAY - 2 * DAY).isoformat(), "R", "overdue")


def test_recipients_are_those_the_type_allows(shipped_rules, org_a, alice):
    with pytest.raises(ActionError, match="goes to ssc"):
        actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY, sent_on=TODAY, sent_to=["smki-pma"])
    with pytest.raises(ActionError, match="goes to ssc, not 'secas'"):
        actions.add_notice(org_a, by=alice, kind="G3.18", known_on=TODAY, sent_on=TODAY, sent_to=["ssc", "secas"])
    both = actions.add_notice(org_a, by=alice, kind="G3.16", known_on=TODAY, sent_on=TODAY,
                              sent_to=["ssc", "smki-pma"], sent_how="the SECAS secure form")
    assert both.sent_to == ["ssc", "smki-pma"]
    one = actions.add_notice(org_a, by=alice, kind="G3.18", known_on=TODAY, sent_on=TODAY, sent_to=["ssc", "ssc"])
    assert one.sent_to == ["ssc"]
    with pytest.raises(ActionError, match="both the date it was sent and who"):
        actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY, sent_on=TODAY)
    with pytest.raises(ActionError, match="not a type of notice"):
        actions.add_notice(org_a, by=alice, kind="G9.9", known_on=TODAY)


def test_a_g39_notice_links_its_system_and_keeps_the_decision_in_step(shipped_rules, org_a, alice, bob):
    system = further_system(org_a, in_use_from=TODAY - 5 * DAY)
    assert unnotified_systems(org_a, TODAY) == [system]
    with pytest.raises(ActionError, match="choose which"):
        actions.add_notice(org_a, by=bob, kind="G3.9", known_on=TODAY - 40 * DAY)
    notice = actions.add_notice(org_a, by=bob, kind="G3.9", known_on=TODAY - 40 * DAY, system=system.pk,
                                sent_on=TODAY - 5 * DAY, sent_to=["ssc"])
    assert unnotified_systems(org_a, TODAY) == []
    with pytest.raises(ActionError, match="an Owner"):
        actions.update_notice(notice, {"decision": "ad-hoc", "decided_on": TODAY}, by=bob, revision=notice.revision)
    with pytest.raises(ActionError, match="next-assessment, ad-hoc"):
        actions.update_notice(notice, {"decision": "never", "decided_on": TODAY}, by=alice, revision=1)
    actions.update_notice(notice, {"decision": "ad-hoc", "decided_on": TODAY}, by=alice, revision=notice.revision)
    system.refresh_from_db()
    assert (system.ssc_decision, system.ssc_decided_on) == ("ad-hoc", TODAY)
    assert Event.objects.filter(action="profile.user_system.decided").count() == 1


def test_a_notice_sent_after_first_use_leaves_the_system_flagged(shipped_rules, org_a, alice, client, cli):
    system = further_system(org_a, in_use_from=TODAY - 5 * DAY)
    actions.add_notice(org_a, by=alice, kind="G3.9", known_on=TODAY - 9 * DAY, system=system,
                       sent_on=TODAY - 4 * DAY, sent_to=["ssc"])
    assert unnotified_systems(org_a, TODAY) == [system]
    client.force_login(alice)
    organisation_page = client.get(f"/orgs/{org_a.slug}/").content.decode()
    assert "in use with no G3.9 notice sent before its first use" in organisation_page
    register = client.get(f"/orgs/{org_a.slug}/notices/").content.decode()
    assert "User Systems in use with no notice to the SSC" in register
    flags = json.loads(cli("notice", "list", org_a.slug, "--json").stdout)["unnotified_systems"]
    assert [f["system"] for f in flags] == [system.pk]
    assert "FLAG: User System" in cli("notice", "list", org_a.slug).stdout
    further_system(org_a, in_use_from=TODAY + 5 * DAY, name="Not yet in use")
    assert unnotified_systems(org_a, TODAY) == [system]


def test_another_organisations_system_and_documents_are_refused(shipped_rules, org_a, org_b, alice):
    from secassure.evidence.actions import add_document

    theirs = further_system(org_b, in_use_from=TODAY)
    with pytest.raises(ActionError, match="has no User System"):
        actions.add_notice(org_a, by=alice, kind="G3.9", known_on=TODAY, system=theirs.pk)
    document = add_document(org_b, title="B's incident report", doc_type="record", by=None)
    with pytest.raises(ActionError, match="not in Alpha Energy Ltd's register"):
        actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY, documents=[document.pk])
    ours = add_document(org_a, title="Incident report", doc_type="record", by=None)
    notice = actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY, documents=[ours.pk])
    assert list(notice.documents.all()) == [ours]


@pytest.fixture
def srp_user(org_a):
    """Org A as a Live DCC User using a Shared Resource Provider, its last snapshot a year ago."""
    org_a.dcc_live_since = TODAY - 800 * DAY
    org_a.save()
    ThirdPartyProvider.objects.create(organisation=org_a, name="Shared Host Ltd", kind="srp",
                                      relationship_start=TODAY - 700 * DAY)
    profile_actions.add_snapshot(org_a, by=None, as_of=TODAY - 365 * DAY, domestic=10, non_domestic=1)
    return org_a


def test_the_count_is_due_six_months_after_the_last_submission_not_the_snapshot(shipped_rules, srp_user, alice):
    from secassure.dates import add_months
    from secassure.reminders.dates import count_due as reminders_count_due

    assert count_due(srp_user, TODAY) == add_months(TODAY - 365 * DAY, 6)  # no submission: from the snapshot
    actions.add_notice(srp_user, by=alice, kind="G5.27", known_on=TODAY - 60 * DAY, count=1200,
                       sent_on=TODAY - 60 * DAY, sent_to=["secas"])
    assert count_due(srp_user, TODAY) == add_months(TODAY - 60 * DAY, 6)
    profile_actions.add_snapshot(srp_user, by=None, as_of=TODAY - 10 * DAY, domestic=11, non_domestic=1)
    assert count_due(srp_user, TODAY) == add_months(TODAY - 60 * DAY, 6)  # a later snapshot changes nothing
    actions.add_notice(srp_user, by=alice, kind="G5.27", known_on=TODAY - 3 * DAY, count=1250,
                       sent_on=TODAY - 3 * DAY, sent_to=["secas"])
    assert count_due(srp_user, TODAY) == reminders_count_due(srp_user, TODAY) == add_months(TODAY - 3 * DAY, 6)
    with pytest.raises(ActionError, match="number of Smart Metering Systems"):
        actions.add_notice(srp_user, by=alice, kind="G5.27", known_on=TODAY)


def test_overdue_notices_show_on_the_organisation_page_in_the_digest_and_the_inbox(
        shipped_rules, srp_user, alice, bob, olive, client, cli):
    late = actions.add_notice(srp_user, by=alice, kind="G3.16", known_on=TODAY - 3 * DAY, what="Key leaked")
    actions.add_notice(srp_user, by=alice, kind="G3.5", known_on=TODAY, what="Still in time")
    keys = [o.key for o in overdue_for(srp_user, TODAY)]
    assert keys == [f"count-{srp_user.pk}-{count_due(srp_user, TODAY).isoformat()}", f"notice-{late.pk}"]
    client.force_login(bob)
    page = client.get(f"/orgs/{srp_user.slug}/").content.decode()
    assert "Notices overdue" in page and "cryptographic material" in page and "Still in time" not in page
    cli("remind", "--date", TODAY.isoformat())
    told = Notification.objects.filter(kind="notice-overdue")
    assert sorted(told.values_list("recipient__email", flat=True)) == ["alice@a.test"] * 2 + ["bob@a.test"] * 2
    bobs = next(m.body for m in mail.outbox if m.to == ["bob@a.test"] and "overdue" in m.subject)
    assert "Notice overdue" in bobs and "[G3.16]" in bobs
    cli("remind", "--date", TODAY.isoformat())
    assert Notification.objects.filter(kind="notice-overdue").count() == 4  # each told once
    assert not Notification.objects.filter(recipient=olive).exists()


def test_a_stale_edit_is_refused(shipped_rules, org_a, alice, bob, client):
    notice = actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY - DAY)
    actions.update_notice(notice, {"sent_on": TODAY, "sent_to": ["ssc"]}, by=bob, revision=1)
    with pytest.raises(actions.StaleNotice):
        actions.update_notice(notice, {"what": "Mine"}, by=alice, revision=1)
    client.force_login(bob)
    response = client.post(f"/orgs/{org_a.slug}/notices/{notice.pk}/", {
        "kind": "G3.5", "known_on": (TODAY - DAY).isoformat(), "what": "Overwrite", "revision": "1"})
    assert "Someone else saved this notice" in response.content.decode()
    notice.refresh_from_db()
    assert (notice.what, notice.revision, notice.sent_on) == ("", 2, TODAY)


def test_every_change_is_audited(shipped_rules, org_a, alice):
    notice = actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY - DAY)
    notice = actions.update_notice(notice, {"sent_on": TODAY, "sent_to": ["ssc"]}, by=alice, revision=1)
    notice = actions.update_notice(notice, {"reply": "Thank you", "reply_on": TODAY}, by=alice, revision=2)
    notice = actions.update_notice(notice, {"what": "More detail"}, by=alice, revision=3)
    assert actions.update_notice(notice, {"what": "More detail"}, by=alice, revision=4).revision == 4  # unchanged
    assert list(Event.objects.filter(action__startswith="notices.").order_by("pk").values_list("action", flat=True)) \
        == ["notices.notice.added", "notices.notice.sent", "notices.notice.answered", "notices.notice.changed"]


ROLES = {"owner": (200, 200), "contributor": (200, 200), "approver": (200, 403), "observer": (200, 403),
         "provider": (404, 404), "cio-reviewer": (404, 404)}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_roles(shipped_rules, client, org_a, role, settings):
    from tests.personas import join, make_user

    settings.SECASSURE_REQUIRE_MFA = False
    notice = actions.add_notice(org_a, by=None, kind="G3.5", known_on=TODAY)
    user = make_user(f"{role}@a.test")
    join(user, org_a, role)
    client.force_login(user)
    read, write = ROLES[role]
    assert client.get(f"/orgs/{org_a.slug}/notices/").status_code == read
    assert client.get(f"/orgs/{org_a.slug}/notices/{notice.pk}/").status_code == read
    assert client.get(f"/orgs/{org_a.slug}/notices/add/").status_code == write
    response = client.post(f"/orgs/{org_a.slug}/notices/add/", {"kind": "G3.5", "known_on": TODAY.isoformat()})
    assert response.status_code == (302 if write == 200 else write)
    assert Notice.objects.count() == (2 if write == 200 else 1)
    edit = client.post(f"/orgs/{org_a.slug}/notices/{notice.pk}/", {"kind": "G3.5", "known_on": TODAY.isoformat(),
                                                                    "what": "x", "revision": "1"})
    assert edit.status_code == (302 if write == 200 else write)


def test_the_web_form_records_and_filters(shipped_rules, client, org_a, alice):
    client.force_login(alice)
    response = client.post(f"/orgs/{org_a.slug}/notices/add/", {
        "kind": "G3.16", "known_on": TODAY.isoformat(), "sent_on": TODAY.isoformat(),
        "sent_to": ["ssc", "smki-pma"], "sent_how": "SECAS secure form", "what": "Signing key exposed"})
    assert response.status_code == 302
    actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY - 5 * DAY, what="Unsent incident")
    sent = client.get(f"/orgs/{org_a.slug}/notices/?state=sent").content.decode()
    assert "G3.16" in sent and "Unsent incident" not in sent
    overdue = client.get(f"/orgs/{org_a.slug}/notices/?type=G3.5&state=overdue").content.decode()
    assert ">G3.5</a>" in overdue and ">G3.16</a>" not in overdue


def test_the_command_line_adds_and_lists(shipped_rules, cli, org_a):
    system = further_system(org_a, in_use_from=TODAY - DAY)
    added = cli("notice", "add", org_a.slug, "--type", "G3.9", "--known", (TODAY - 9 * DAY).isoformat(), "--sent",
                (TODAY - 2 * DAY).isoformat(), "--to", "ssc", "--system", str(system.pk), "--json")
    assert added.exit_code == 0, added.stderr
    data = json.loads(added.stdout)
    assert (data["clause"], data["state"], data["system"], data["deadline"]) == (
        "G3.9", "sent", system.pk, (TODAY - DAY).isoformat())
    refused = cli("notice", "add", org_a.slug, "--type", "G3.5", "--known", TODAY.isoformat(), "--to", "secas")
    assert refused.exit_code == 1 and "goes to ssc" in refused.stderr
    listed = json.loads(cli("notice", "list", org_a.slug, "--json").stdout)
    assert [n["type"] for n in listed["notices"]] == ["G3.9"] and listed["unnotified_systems"] == []
    assert "G3.9" in cli("notice", "list", org_a.slug).stdout


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_however_many_notices(shipped_rules, client, org_a, alice):
    from secassure.evidence.actions import add_document

    document = add_document(org_a, title="Incident report", doc_type="record", by=None)
    system = further_system(org_a, in_use_from=TODAY - DAY)
    client.force_login(alice)
    url = f"/orgs/{org_a.slug}/notices/"

    def more(n):
        for i in range(n):
            actions.add_notice(org_a, by=alice, kind="G3.5", known_on=TODAY, documents=[document.pk])
            actions.add_notice(org_a, by=alice, kind="G3.9", known_on=TODAY - DAY, system=system.pk,
                               sent_on=TODAY - DAY, sent_to=["ssc"], what=f"notice {i}")

    more(1)
    _queries(client, url)  # the first request of a session reads what later ones keep
    few = _queries(client, url)
    more(10)
    assert _queries(client, url) == few
    assert few <= 20
    assert UserSystem.objects.filter(organisation=org_a).count() == 1


@pytest.mark.parametrize("who", ["dave", "olive", "mallory"])
def test_a_role_that_may_not_record_is_refused_and_nothing_is_written(shipped_rules, org_a, who, request):
    person = request.getfixturevalue(who)
    events = Event.objects.count()
    with pytest.raises(ActionError, match="does not allow this"):
        actions.add_notice(org_a, by=person, kind="G3.5", known_on=TODAY)
    notice = actions.add_notice(org_a, by=None, kind="G3.5", known_on=TODAY)
    with pytest.raises(ActionError, match="does not allow this"):
        actions.update_notice(notice, {"what": "x"}, by=person, revision=1)
    assert Notice.objects.count() == 1 and Event.objects.count() == events + 1
