"""The organisation page and the forms that change the profile, as people use them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.dates import add_months
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.profile import actions
from secassure.profile.actions import update_organisation
from secassure.profile.models import PortfolioSnapshot, ThirdPartyProvider, UserSystem
from tests.shipped import load_shipped_rules


@pytest.fixture
def rules(db):
    load_shipped_rules()


@pytest.fixture
def year_three_org(org_a, rules):
    """Org A, twenty months into its cycle, last reported under every threshold."""
    today = timezone.localdate()
    update_organisation(org_a, {"cycle_start": add_months(today, -20)}, by=None)
    actions.add_snapshot(org_a, as_of=add_months(today, -22), domestic=180_000, non_domestic=5_000, by=None)
    return org_a


def test_the_organisation_page_shows_the_plan_with_its_reasons(client, alice, year_three_org):
    client.force_login(alice)
    page = client.get(f"/orgs/{year_three_org.slug}/").content.decode()
    assert "Assessment cycle" in page
    assert "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)" in page
    assert "180,000 domestic premises" in page
    assert "unverified reconstructions" in page  # the warning travels with the plan


def test_a_snapshot_over_the_threshold_says_the_plan_changed(client, alice, year_three_org):
    client.force_login(alice)
    today = timezone.localdate()
    response = client.post(f"/orgs/{year_three_org.slug}/portfolio/add/", {
        "as_of": (today - dt.timedelta(days=3)).isoformat(), "domestic": "312000", "non_domestic": "9000",
        "smets1": "", "smets2": "", "source": "SECAS count"}, follow=True)
    body = response.content.decode()
    assert "This changes the cycle plan: year 3 is now a VUSA (was SSA)" in body
    assert "312,000 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC)" in body
    event = Event.objects.get(action="profile.plan.changed")
    assert event.after["changes"][0]["year"] == 3 and event.actor == alice


@pytest.mark.parametrize(("fields", "message"), [
    ({"domestic": "-1"}, "Ensure this value is greater than or equal to 0."),
    ({"domestic": "99999999"}, "Ensure this value is less than or equal to 40000000."),
    ({"as_of": "2999-01-01"}, "is in the future: record it once it has happened"),
])
def test_bad_snapshots_are_refused_next_to_the_field(client, alice, year_three_org, fields, message):
    client.force_login(alice)
    data = {"as_of": timezone.localdate().isoformat(), "domestic": "1", "non_domestic": "1", **fields}
    before = PortfolioSnapshot.objects.count()
    response = client.post(f"/orgs/{year_three_org.slug}/portfolio/add/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert PortfolioSnapshot.objects.count() == before


def test_a_contributor_may_add_a_snapshot_but_not_edit_the_organisation(client, bob, year_three_org):
    client.force_login(bob)
    page = client.get(f"/orgs/{year_three_org.slug}/").content.decode()
    assert "Add a snapshot" in page and "Edit details" not in page
    response = client.post(f"/orgs/{year_three_org.slug}/portfolio/add/", {
        "as_of": timezone.localdate().isoformat(), "domestic": "100", "non_domestic": "0"})
    assert response.status_code == 302
    assert client.get(f"/orgs/{year_three_org.slug}/edit/").status_code == 403


def test_editing_the_organisation_is_audited_and_may_change_the_plan(client, alice, year_three_org):
    client.force_login(alice)
    response = client.post(f"/orgs/{year_three_org.slug}/edit/", {
        "name": "Alpha Energy Ltd", "sec_party_id": "P-1", "category": "srp",
        "cycle_start": year_three_org.cycle_start.isoformat()}, follow=True)
    assert "year 3 is now a UNKNOWN (was SSA)" in response.content.decode()
    event = Event.objects.filter(action="tenancy.organisation.changed").order_by("-id").first()
    assert event.before["category"] == "large-supplier" and event.after["category"] == "srp"
    assert event.after["sec_party_id"] == "P-1"


def test_a_further_user_system_needs_its_ssc_notification_date(client, alice, org_a):
    client.force_login(alice)
    response = client.post(f"/orgs/{org_a.slug}/systems/add/", {
        "name": "Second head-end", "kind": "further", "hosting": "bespoke"})
    assert b"must be notified to the SSC before use" in response.content
    assert not UserSystem.objects.exists()
    client.post(f"/orgs/{org_a.slug}/systems/add/", {
        "name": "Second head-end", "kind": "further", "hosting": "bespoke",
        "ssc_notified_on": (timezone.localdate() - dt.timedelta(days=10)).isoformat()})
    assert UserSystem.objects.get().ssc_notified_on is not None
    assert Event.objects.filter(action="profile.user_system.added").count() == 1


def test_another_organisations_srp_arrangement_cannot_be_chosen(client, alice, org_a, org_b):
    theirs = actions.add_provider(org_b, name="Their SRP", kind="srp", by=None)
    not_srp = actions.add_provider(org_a, name="Our printer", kind="other", by=None)
    client.force_login(alice)
    form_page = client.get(f"/orgs/{org_a.slug}/systems/add/").content.decode()
    assert "Their SRP" not in form_page
    response = client.post(f"/orgs/{org_a.slug}/systems/add/", {
        "name": "Sneaky", "kind": "primary", "hosting": "srp-hosted", "srp_provider": theirs.pk})
    assert b"Select a valid choice" in response.content
    assert "Our printer" not in form_page  # only Shared Resource Providers are offered
    response = client.post(f"/orgs/{org_a.slug}/systems/add/", {
        "name": "Sneaky", "kind": "primary", "hosting": "srp-hosted", "srp_provider": not_srp.pk})
    assert b"Select a valid choice" in response.content
    assert not UserSystem.objects.filter(name="Sneaky").exists()
    with pytest.raises(ActionError, match="not recorded as a Shared Resource Provider"):
        actions.add_user_system(org_a, name="Sneaky", kind="primary", hosting="srp-hosted", srp_provider=not_srp,
                                by=None)
    with pytest.raises(ActionError, match="belongs to another organisation"):
        actions.add_user_system(org_a, name="Sneaky", kind="primary", hosting="srp-hosted", srp_provider=theirs,
                                by=None)


def test_roles_and_srp_arrangements_from_the_web(client, alice, org_a):
    client.force_login(alice)
    client.post(f"/orgs/{org_a.slug}/roles/add/", {"role": "gas-supplier", "user_ids": "AA-01, AA-02"})
    form_page = client.get(f"/orgs/{org_a.slug}/srp/add/").content.decode()
    assert 'name="kind"' not in form_page and "Arrangement start" in form_page
    client.post(f"/orgs/{org_a.slug}/srp/add/", {"name": "Northgate SRS", "party_id": "SRP-1",
                                                 "relationship_start": "2025-01-01"})
    page = client.get(f"/orgs/{org_a.slug}/").content.decode()
    assert "Gas Supplier" in page and "AA-01, AA-02" in page and "Northgate SRS" in page
    assert "SEC Party id SRP-1" in page and "from 1 Jan 2025" in page and "in force" in page
    assert "applies once Alpha Energy Ltd is a Live DCC User (" in page
    # One record: the arrangement is the provider on the providers page, not a second list.
    assert "Northgate SRS" in client.get(f"/orgs/{org_a.slug}/providers/").content.decode()
    duplicate = client.post(f"/orgs/{org_a.slug}/roles/add/", {"role": "gas-supplier"})
    assert b"already holds the Gas Supplier role" in duplicate.content
    provider = ThirdPartyProvider.objects.get()
    assert (provider.organisation, provider.kind, provider.party_id) == (org_a, "srp", "SRP-1")
    assert Event.objects.filter(action="evidence.provider.added").count() == 1
    ended = client.post(f"/orgs/{org_a.slug}/srp/add/", {"name": "Old SRS", "relationship_start": "2025-01-02",
                                                         "relationship_end": "2025-01-01"})
    assert b"end date is before its start date" in ended.content and ThirdPartyProvider.objects.count() == 1
    assert verify().ok


def test_the_organisation_page_costs_the_same_however_much_it_holds(client, alice, org_a, rules):
    client.force_login(alice)
    client.get("/")
    counts = []
    for extra in (0, 15):
        for n in range(extra):
            actions.add_snapshot(org_a, as_of=dt.date(2020, 1, 1) + dt.timedelta(days=n), domestic=n,
                                 non_domestic=n, by=None)
            actions.add_provider(org_a, name=f"SRP {extra}-{n}", kind="srp", by=None)
            provider = actions.add_provider(org_a, name=f"Provider {extra}-{n}", by=None)
            document = evidence.add_document(org_a, title=f"Statement {extra}-{n}", doc_type="standard",
                                             provider=provider, by=None)
            evidence.add_version(document, chunks=[b"%PDF-1.4 statement"], name="statement.pdf", by=None)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/orgs/{org_a.slug}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_removing_one_role_record_keeps_the_others(client, alice, org_a):
    ended = profile_actions_add_role(org_a, "import-supplier", end=True)
    current = profile_actions_add_role(org_a, "import-supplier")
    client.force_login(alice)
    client.post(f"/orgs/{org_a.slug}/roles/{ended.pk}/remove/")
    assert list(org_a.role_holdings.values_list("pk", flat=True)) == [current.pk]


def profile_actions_add_role(org, role, end=False):
    start = dt.date(2020, 1, 1)
    return actions.add_role(org, role, start_date=start, end_date=dt.date(2022, 1, 1) if end else None, by=None)


def test_the_home_page_gives_each_organisations_next_assessment(client, consultant, rules, settings):
    from tests.personas import join, make_org

    settings.SECASSURE_REQUIRE_MFA = False
    today = timezone.localdate()
    mid = make_org("Mid Cycle Ltd", "mid", category="other-user", cycle_start=add_months(today, -6))
    late = make_org("Late Cycle Ltd", "late", category="other-user", cycle_start=add_months(today, -18))
    over = make_org("Finished Cycle Ltd", "over", category="other-user", cycle_start=add_months(today, -40))
    for org in (mid, late, over):
        join(consultant, org, "observer")
    client.force_login(consultant)
    page = client.get("/").content.decode()

    def row(name):
        return page.split(name, 1)[1].split("</tr>", 1)[0]

    assert "VUSA (year 2)" in row("Mid Cycle Ltd")
    assert add_months(today, 6).strftime("%-d %b %Y") in row("Mid Cycle Ltd")
    assert "SSA (year 3)" in row("Late Cycle Ltd")
    assert "FUSA (next cycle)" in row("Finished Cycle Ltd")


def test_the_sscs_decision_on_a_further_user_system_is_recorded(client, org_a, alice, bob):
    """G3.9: a further User System is notified to the SSC before use; the SSC decides whether to
    review it at the next annual assessment or ad hoc. The organisation page asks for the decision
    until it is recorded, and records it through a form that saves unchanged without a trace."""
    import datetime as dt

    from secassure.audit.models import Event
    from secassure.errors import ActionError
    from secassure.profile import actions
    from secassure.profile.models import UserSystem

    primary = UserSystem.objects.create(organisation=org_a, name="Head-end", kind="primary")
    further = actions.add_user_system(org_a, by=alice, name="Second head-end", kind="further", hosting="cloud",
                                      ssc_notified_on=dt.date(2026, 9, 1))
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/").content.decode()
    assert "the SSC&#x27;s decision is not recorded" in page or "the SSC's decision is not recorded" in page
    url = f"/orgs/{org_a.slug}/systems/{further.pk}/decision/"
    assert url in page
    client.post(url, {"decision": "next-assessment", "decided_on": "2026-09-20"})
    further.refresh_from_db()
    assert (further.ssc_decision, further.ssc_decided_on) == ("next-assessment", dt.date(2026, 9, 20))
    assert "review it at the next annual assessment" in client.get(f"/orgs/{org_a.slug}/").content.decode()
    client.post(url, {"decision": "next-assessment", "decided_on": "2026-09-20"})  # saved unchanged
    assert Event.objects.filter(action="profile.user_system.decided").count() == 1
    with pytest.raises(ActionError, match="decided before the system was notified"):
        actions.record_system_decision(further, by=alice, decision="ad-hoc", decided_on=dt.date(2026, 8, 1))
    with pytest.raises(ActionError, match="this is the primary one"):
        actions.record_system_decision(primary, by=alice, decision="ad-hoc", decided_on=dt.date(2026, 9, 2))
    client.force_login(bob)  # a Contributor does not change the organisation's profile
    assert client.post(url, {"decision": "ad-hoc", "decided_on": "2026-09-21"}).status_code == 403
