"""The command line for organisations, User Roles, portfolio snapshots, invitations, rules and the
cycle plan: what each command prints, the audit events it writes, and bad input refused
with exit 1, one line on stderr and nothing written.

Dates are relative to today so that the tests do not age. With the shipped rules, a Supplier at or
under the 250,000 domestic / 50,000 non-domestic thresholds has FUSA, VUSA, SSA; over, FUSA, VUSA,
VUSA; year n is due 12*(n-1) months after the cycle start.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from secassure.audit.models import Event
from secassure.dates import add_months
from secassure.profile.models import PortfolioSnapshot, RoleHolding, RuleSet
from secassure.profile.services import shipped_rule_files
from secassure.tenancy.models import Invitation, Organisation
from tests.personas import make_org

CATEGORIES = ["large-supplier", "small-supplier", "electricity-network", "gas-network", "other-user", "srp"]


def today() -> dt.date:
    return timezone.localdate()


def iso(day: dt.date) -> str:
    return day.isoformat()


def events(org, action: str | None = None):
    found = Event.objects.filter(chain=f"org:{org.pk}")
    return found.filter(action=action) if action else found


def audit_ok(cli) -> None:
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.json()["ok"] is True


def load_rules(cli) -> None:
    result = cli("rules", "load", "--shipped")
    assert result.exit_code == 0, result.stderr


def counts() -> tuple[int, int, int, int, int]:
    return (Organisation.objects.count(), PortfolioSnapshot.objects.count(), Event.objects.count(),
            RoleHolding.objects.count(), Invitation.objects.count())


def refused(result, *phrases: str) -> str:
    """Exit 1, nothing on stdout, one line on stderr that holds each phrase; returns that line."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])
    return lines[0]


@pytest.fixture
def supplier(db):
    """A Large Supplier whose cycle started 20 months ago: year 2 is past, year 3 still to come."""
    return make_org("Delta Supply Ltd", "delta", category="large-supplier", cycle_start=add_months(today(), -20))


# --- org create ------------------------------------------------------------------------------


def test_org_create_prints_it_and_writes_the_first_event_of_its_chain(cli):
    start = add_months(today(), -3)
    result = cli("org", "create", "Echo  Energy   Ltd", "--category", "large-supplier", "--party-id", " ECHO01 ",
                 "--cycle-start", iso(start), "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["slug"] == "echo-energy-ltd"
    assert data["name"] == "Echo Energy Ltd"
    assert data["category"] == "large-supplier"
    assert data["cycle_start"] == iso(start)
    assert data["sec_party_id"] == "ECHO01"
    assert data["roles"] == []

    org = Organisation.objects.get(slug="echo-energy-ltd")
    assert org.cycle_start == start and org.sec_party_id == "ECHO01"
    created = list(events(org))
    assert [e.action for e in created] == ["tenancy.organisation.created"]
    assert created[0].organisation_id == org.pk
    assert created[0].after["slug"] == "echo-energy-ltd"
    assert created[0].actor_label.startswith("cli:")
    audit_ok(cli)


def test_org_create_text_output_and_explicit_slug(cli):
    result = cli("org", "create", "Foxtrot Gas", "--category", "gas-network", "--slug", "fox")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "created fox: Foxtrot Gas (Gas Network Party)"
    org = Organisation.objects.get(slug="fox")
    assert org.cycle_start is None and org.sec_party_id == ""


def test_org_create_gives_a_fresh_slug_when_the_name_is_taken(cli):
    first = cli("org", "create", "Golf Power", "--category", "small-supplier", "--json").json()
    second = cli("org", "create", "Golf Power", "--category", "small-supplier", "--json").json()
    assert first["slug"] == "golf-power"
    assert second["slug"] != first["slug"] and second["slug"].startswith("golf-power")
    assert Organisation.objects.filter(name="Golf Power").count() == 2


@pytest.mark.parametrize("category", CATEGORIES)
def test_org_create_accepts_every_party_category(cli, category):
    result = cli("org", "create", f"Org {category}", "--category", category, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["category"] == category
    org = Organisation.objects.get(slug=result.json()["slug"])
    assert org.category == category
    assert events(org, "tenancy.organisation.created").count() == 1
    audit_ok(cli)


# --- org list / show / set -------------------------------------------------------------------


def test_org_list(cli):
    assert cli("org", "list", "--json").json() == []
    assert "No organisations yet" in cli("org", "list").stdout
    make_org("Zulu Ltd", "zulu", category="srp")
    make_org("Alpha Ltd", "alpha", cycle_start=dt.date(2024, 5, 1))
    rows = cli("org", "list", "--json").json()
    assert [r["slug"] for r in rows] == ["alpha", "zulu"]
    assert rows[0]["cycle_start"] == "2024-05-01" and rows[0]["category"] == "large-supplier"
    assert rows[1]["cycle_start"] is None and rows[1]["category"] == "srp"
    text = cli("org", "list").stdout
    assert "alpha\tAlpha Ltd\tlarge-supplier\tcycle start 2024-05-01" in text
    assert "zulu\tZulu Ltd\tsrp\tcycle start -" in text


def test_org_show_by_slug_and_by_id(cli, supplier):
    by_slug = cli("org", "show", "delta", "--json")
    assert by_slug.exit_code == 0, by_slug.stderr
    by_id = cli("org", "show", str(supplier.pk), "--json")
    assert by_id.exit_code == 0, by_id.stderr
    assert by_slug.json() == by_id.json()
    data = by_slug.json()
    assert data["slug"] == "delta" and data["name"] == "Delta Supply Ltd"
    assert data["category"] == "large-supplier"
    assert data["cycle_start"] == iso(supplier.cycle_start)
    assert data["roles"] == []
    text = cli("org", "show", "delta").stdout
    assert "slug: delta" in text and "category: large-supplier" in text and "sec_party_id: -" in text


def test_org_set_cycle_start_and_category_write_audit_events(cli, supplier):
    new_start = add_months(today(), -2)
    result = cli("org", "set", "delta", "--cycle-start", iso(new_start), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["cycle_start"] == iso(new_start)
    supplier.refresh_from_db()
    assert supplier.cycle_start == new_start
    changed = events(supplier, "tenancy.organisation.changed").get()
    assert changed.before["cycle_start"] != iso(new_start)
    assert changed.after["cycle_start"] == iso(new_start)

    result = cli("org", "set", str(supplier.pk), "--category", "other-user")
    assert result.exit_code == 0, result.stderr
    assert "delta: saved" in result.stdout
    supplier.refresh_from_db()
    assert supplier.category == "other-user"
    assert events(supplier, "tenancy.organisation.changed").count() == 2
    latest = events(supplier, "tenancy.organisation.changed").order_by("-seq").first()
    assert latest.before["category"] == "large-supplier" and latest.after["category"] == "other-user"
    audit_ok(cli)


def test_org_set_category_that_changes_a_year_to_come_says_so(cli, supplier):
    load_rules(cli)
    result = cli("org", "set", "delta", "--category", "srp", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["category"] == "srp"
    # Year 2 is past; only year 3 (SSA for a Supplier with no snapshot) is still to come.
    due = iso(add_months(supplier.cycle_start, 24))
    assert data["plan_changes"] == [{"year": 3, "from": "SSA", "to": "UNKNOWN", "due_by": due}]
    event = events(supplier, "profile.plan.changed").get()
    assert event.after == {"changes": data["plan_changes"]}
    audit_ok(cli)


def test_org_role_add_and_remove(cli, supplier):
    added = cli("org", "role", "add", "delta", "import-supplier", "--user-id", "00-11-22-33-44-55-66-77",
                "--user-id", "00-11-22-33-44-55-66-78", "--start", "2020-01-01")
    assert added.exit_code == 0, added.stderr
    assert added.stdout.strip() == "delta: holds import-supplier"
    roles = cli("org", "show", "delta", "--json").json()["roles"]
    assert roles == [{"role": "import-supplier", "user_ids": ["00-11-22-33-44-55-66-77", "00-11-22-33-44-55-66-78"],
                      "start_date": "2020-01-01", "end_date": None}]
    event = events(supplier, "profile.role.added").get()
    assert event.after["role"] == "import-supplier"

    by_id = cli("org", "role", "add", str(supplier.pk), "gas-supplier")
    assert by_id.exit_code == 0, by_id.stderr
    assert RoleHolding.objects.filter(organisation=supplier).count() == 2

    removed = cli("org", "role", "remove", "delta", "import-supplier")
    assert removed.exit_code == 0, removed.stderr
    assert removed.stdout.strip() == "delta: no longer holds import-supplier"
    assert list(RoleHolding.objects.filter(organisation=supplier).values_list("role", flat=True)) == ["gas-supplier"]
    gone = events(supplier, "profile.role.removed").get()
    assert gone.before["role"] == "import-supplier"
    audit_ok(cli)


# --- portfolio add ---------------------------------------------------------------------------


def test_snapshot_that_changes_a_year_to_come_says_so_and_is_audited(cli, supplier):
    load_rules(cli)
    assert cli("plan", "delta", "--json").json()["cycle"][2]["type"] == "SSA"
    result = cli("portfolio", "add", "delta", "--date", iso(today()), "--domestic", "312000",
                 "--non-domestic", "1200", "--smets1", "1000", "--smets2", "300000", "--source", "SECAS return")
    assert result.exit_code == 0, result.stderr
    due = iso(add_months(supplier.cycle_start, 24))
    assert "plan changed: year 3 is now a VUSA (was SSA)" in result.stdout
    assert f"due by {due}" in result.stdout
    assert "year 2" not in result.stdout  # year 2 is past: its type is not re-decided

    snapshot = PortfolioSnapshot.objects.get(organisation=supplier)
    assert (snapshot.as_of, snapshot.domestic, snapshot.non_domestic, snapshot.smets1, snapshot.smets2) == (
        today(), 312000, 1200, 1000, 300000)
    assert snapshot.source == "SECAS return"
    added = events(supplier, "profile.portfolio.added").get()
    assert added.after["domestic"] == 312000
    changed = events(supplier, "profile.plan.changed").get()
    assert changed.after == {"changes": [{"year": 3, "from": "SSA", "to": "VUSA", "due_by": due}]}
    assert iso(today()) in changed.reason
    assert cli("plan", "delta", "--json").json()["cycle"][2]["type"] == "VUSA"
    audit_ok(cli)


def test_snapshot_json_output_lists_the_plan_changes(cli, supplier):
    load_rules(cli)
    result = cli("portfolio", "add", "delta", "--date", iso(today()), "--domestic", "0",
                 "--non-domestic", "60000", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["as_of"] == iso(today()) and data["non_domestic"] == 60000
    assert data["smets1"] is None and data["smets2"] is None
    assert data["plan_changes"] == [
        {"year": 3, "from": "SSA", "to": "VUSA", "due_by": iso(add_months(supplier.cycle_start, 24))}]


def test_snapshot_that_changes_nothing_writes_no_plan_event(cli, supplier):
    load_rules(cli)
    result = cli("portfolio", "add", "delta", "--date", iso(today() - dt.timedelta(days=1)), "--domestic", "100000",
                 "--non-domestic", "2000")
    assert result.exit_code == 0, result.stderr
    assert "plan changed" not in result.stdout
    assert result.stdout.strip() == "delta: saved"
    assert events(supplier, "profile.portfolio.added").count() == 1
    assert not events(supplier, "profile.plan.changed").exists()

    # Over the threshold, then over again: only the first changes year 3.
    over = cli("portfolio", "add", "delta", "--date", iso(today()), "--domestic", "260000", "--non-domestic", "0")
    assert "plan changed: year 3 is now a VUSA (was SSA)" in over.stdout
    org_b = make_org("Echo Ltd", "echo", category="large-supplier", cycle_start=add_months(today(), -20))
    cli("portfolio", "add", "echo", "--date", iso(today() - dt.timedelta(days=2)), "--domestic", "300000",
        "--non-domestic", "0")
    again = cli("portfolio", "add", "echo", "--date", iso(today()), "--domestic", "400000", "--non-domestic", "0")
    assert again.exit_code == 0, again.stderr
    assert "plan changed" not in again.stdout
    assert events(org_b, "profile.plan.changed").count() == 1
    audit_ok(cli)


# --- plan ------------------------------------------------------------------------------------


def test_plan_json_gives_the_cycle_with_types_dates_reasons_and_rule_ids(cli, supplier):
    load_rules(cli)
    cli("portfolio", "add", "delta", "--date", iso(today()), "--domestic", "312000", "--non-domestic", "0")
    result = cli("plan", "delta", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert {"organisation", "cycle", "warnings"} <= set(data)
    assert data["organisation"] == "delta"
    assert isinstance(data["warnings"], list)
    cycle = data["cycle"]
    assert [y["year"] for y in cycle] == [1, 2, 3]
    assert [y["type"] for y in cycle] == ["FUSA", "VUSA", "VUSA"]
    start = supplier.cycle_start
    assert [y["due_by"] for y in cycle] == [iso(start), iso(add_months(start, 12)), iso(add_months(start, 24))]
    for y in cycle:
        assert {"year", "type", "due_by", "reasons", "rules"} <= set(y)
        assert dt.date.fromisoformat(y["due_by"])
        assert y["reasons"] and all(isinstance(r, str) for r in y["reasons"])
        assert y["rules"]
        for rule_id in y["rules"]:
            assert re.fullmatch(r"[A-Z][A-Z0-9-]+", rule_id), rule_id
    year3 = " ".join(cycle[2]["reasons"])
    assert "312,000 domestic premises, above the 250,000 threshold" in year3
    assert "TH-DOMESTIC" in year3 and "CY-SUPPLIER-NETWORK-OVER" in year3
    assert {"TH-DOMESTIC", "CY-SUPPLIER-NETWORK-OVER", "TM-12-MONTHS"} <= set(cycle[2]["rules"])
    # Year 2 was decided on its due date, before the snapshot: at or under the thresholds.
    year2 = " ".join(cycle[1]["reasons"])
    assert "no portfolio snapshot" in year2 and "CY-SUPPLIER-NETWORK-AT-OR-UNDER" in cycle[1]["rules"]
    assert cycle[0]["rules"] == ["CY-SUPPLIER-NETWORK-AT-OR-UNDER"]


def test_plan_by_id_matches_plan_by_slug(cli, supplier):
    load_rules(cli)
    assert cli("plan", str(supplier.pk), "--json").json() == cli("plan", "delta", "--json").json()


def test_plan_without_rules_warns_that_none_are_loaded(cli, supplier):
    result = cli("plan", "delta", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["organisation"] == "delta"
    assert data["cycle"] == []
    assert any("no assessment-cycle rules are loaded" in w and "rules load --shipped" in w
               for w in data["warnings"])
    text = cli("plan", "delta")
    assert "no assessment-cycle rules are loaded" in text.stdout


def test_plan_text_prints_each_year(cli, supplier):
    load_rules(cli)
    result = cli("plan", "delta")
    assert result.exit_code == 0, result.stderr
    start = supplier.cycle_start
    out = result.stdout
    assert f"Year 1: FUSA due by {iso(start)}" in out
    assert f"Year 2: VUSA due by {iso(add_months(start, 12))}" in out
    assert f"Year 3: SSA due by {iso(add_months(start, 24))}" in out
    assert "assessment-cycle@2026.4" in out
    assert "  - " in out  # reasons under each year


# --- user invite -----------------------------------------------------------------------------


def test_user_invite_prints_a_link_and_emails_it(cli, supplier, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = cli("user", "invite", "New.Person@Example.TEST", "--org", "delta", "--role", "contributor", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["email"] == "new.person@example.test"
    assert data["organisation"] == "delta" and data["role"] == "contributor"
    assert "/invitations/" in data["link"]
    assert dt.datetime.fromisoformat(data["expires_at"]) > timezone.now()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new.person@example.test"]
    assert data["link"] in mail.body
    assert "Delta Supply Ltd" in mail.subject
    invitation = Invitation.objects.get(organisation=supplier)
    assert invitation.email == "new.person@example.test" and invitation.role == "contributor"
    assert data["link"].rstrip("/").rsplit("/", 1)[1] not in str(invitation.token_hash)
    assert events(supplier, "tenancy.invitation.created").count() == 1
    audit_ok(cli)


def test_user_invite_text_shows_the_link(cli, supplier, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = cli("user", "invite", "obs@example.test", "--org", str(supplier.pk), "--role", "observer")
    assert result.exit_code == 0, result.stderr
    link = re.search(r"(\S+/invitations/\S+)", result.stdout).group(1)
    assert result.stdout.startswith("invited obs@example.test to delta as observer")
    assert link in mailoutbox[0].body


# --- rules -----------------------------------------------------------------------------------


def test_rules_load_twice_is_unchanged_and_list_shows_it(cli):
    shipped = len(shipped_rule_files())  # the assessment cycle first, then the other rule files
    first = cli("rules", "load", "--shipped", "--json")
    assert first.exit_code == 0, first.stderr
    assert [r["outcome"] for r in first.json()] == ["created"] * shipped
    assert first.json()[0]["rules"] == "assessment-cycle@2026.4"
    loaded_events = Event.objects.filter(action="profile.rules.loaded").count()
    assert loaded_events == shipped

    second = cli("rules", "load", "--shipped")
    assert second.exit_code == 0, second.stderr
    assert "assessment-cycle@2026.4 unchanged" in second.stdout
    assert RuleSet.objects.count() == shipped
    assert Event.objects.filter(action__startswith="profile.rules.").count() == shipped

    listed = cli("rules", "list", "--json")
    assert listed.exit_code == 0
    rows = listed.json()
    assert [r["rules"] for r in rows][0] == "assessment-cycle@2026.4" and len(rows) == shipped
    assert rows[0]["status"] == "published" and rows[0]["effective_date"] == "2019-02-28"
    assert "assessment-cycle@2026.4\tpublished\teffective 2019-02-28" in cli("rules", "list").stdout
    audit_ok(cli)


def test_rules_list_when_none_loaded(cli):
    assert cli("rules", "list", "--json").json() == []
    assert "rules load --shipped" in cli("rules", "list").stdout


def test_rules_changed_content_under_a_published_version_is_refused(cli, write):
    load_rules(cli)
    shipped = shipped_rule_files()[0].read_text(encoding="utf-8")
    assert "limit: 250000" in shipped
    changed = write("assessment-cycle.yaml", shipped.replace("limit: 250000", "limit: 300000", 1))
    before = (RuleSet.objects.get(name="assessment-cycle").content_hash, Event.objects.count())
    line = refused(cli("rules", "load", changed), str(changed), "already published with different content")
    assert "new version" in line
    assert (RuleSet.objects.get(name="assessment-cycle").content_hash, Event.objects.count()) == before
    audit_ok(cli)


def test_rules_load_with_nothing_named_is_refused(cli):
    refused(cli("rules", "load"), "--shipped")
    assert RuleSet.objects.count() == 0


# --- bad input -------------------------------------------------------------------------------


# Placeholders filled in when the test runs, so that the dates follow the clock.
TODAY, TOMORROW = "<today>", "<tomorrow>"


def _fill(arg: str) -> str:
    if arg == TODAY:
        return iso(today())
    if arg == TOMORROW:
        return iso(today() + dt.timedelta(days=1))
    return arg


BAD_INPUT = [
    # (id, arguments, phrases the one-line message must hold)
    ("unknown-category", ["org", "create", "Mars Ltd", "--category", "martian"],
     ["'martian' is not a Party category", "use one of", "large-supplier", "srp"]),
    ("set-unknown-category", ["org", "set", "delta", "--category", "martian"],
     ["'martian' is not a Party category", "use one of"]),
    ("cycle-start-in-future-create", ["org", "create", "Future Ltd", "--category", "srp", "--cycle-start", TOMORROW],
     ["is in the future", "record it once it has happened"]),
    ("cycle-start-in-future-set", ["org", "set", "delta", "--cycle-start", TOMORROW],
     ["is in the future", "record it once it has happened"]),
    ("malformed-cycle-start", ["org", "create", "Bad Date Ltd", "--category", "srp", "--cycle-start", "31/03/2025"],
     ["--cycle-start '31/03/2025' is not a date", "YYYY-MM-DD"]),
    ("impossible-cycle-start", ["org", "set", "delta", "--cycle-start", "2025-02-30"],
     ["'2025-02-30' is not a date", "YYYY-MM-DD"]),
    ("duplicate-slug", ["org", "create", "Another Delta", "--category", "srp", "--slug", "delta"],
     ["slug 'delta' already exists"]),
    ("bad-slug", ["org", "create", "Another Delta", "--category", "srp", "--slug", "Not A Slug"],
     ["is not a slug", "lower-case letters"]),
    ("empty-name", ["org", "create", "   ", "--category", "srp"], ["legal name"]),
    ("set-nothing", ["org", "set", "delta"], ["nothing to change", "--cycle-start", "--category"]),
    ("show-unknown-org", ["org", "show", "nobody"], ["no organisation 'nobody'", "org list"]),
    ("set-unknown-org", ["org", "set", "nobody", "--category", "srp"], ["no organisation 'nobody'", "org list"]),
    ("unknown-user-role", ["org", "role", "add", "delta", "meter-reader"],
     ["'meter-reader' is not a User Role", "use one of", "import-supplier"]),
    ("remove-unknown-user-role", ["org", "role", "remove", "delta", "meter-reader"],
     ["'meter-reader' is not a User Role", "use one of"]),
    ("remove-role-not-held", ["org", "role", "remove", "delta", "gas-supplier"],
     ["does not hold the Gas Supplier role"]),
    ("role-unknown-org", ["org", "role", "add", "nobody", "gas-supplier"], ["no organisation 'nobody'"]),
    ("negative-domestic", ["portfolio", "add", "delta", "--date", TODAY, "--domestic=-5", "--non-domestic", "0"],
     ["domestic premises cannot be negative"]),
    ("negative-non-domestic", ["portfolio", "add", "delta", "--date", TODAY, "--domestic", "0", "--non-domestic=-1"],
     ["non-domestic premises cannot be negative"]),
    ("negative-smets1", ["portfolio", "add", "delta", "--date", TODAY, "--domestic", "0", "--non-domestic", "0",
                         "--smets1=-1"], ["SMETS1 systems cannot be negative"]),
    ("absurd-domestic", ["portfolio", "add", "delta", "--date", TODAY, "--domestic", "40000001", "--non-domestic", "0"],
     ["more than there are premises in Great Britain", "check the figure"]),
    ("absurd-non-domestic", ["portfolio", "add", "delta", "--date", TODAY, "--domestic", "0",
                             "--non-domestic", "999999999999"], ["more than there are premises", "check the figure"]),
    ("absurd-smets2", ["portfolio", "add", "delta", "--date", TODAY, "--domestic", "0", "--non-domestic", "0",
                       "--smets2", "40000001"], ["more than there are premises", "check the figure"]),
    ("absurd-smets-sum", ["portfolio", "add", "delta", "--date", TODAY, "--domestic", "0", "--non-domestic", "0",
                          "--smets1", "30000000", "--smets2", "20000000"], ["more than there are premises", "check"]),
    ("snapshot-in-future", ["portfolio", "add", "delta", "--date", TOMORROW, "--domestic", "1", "--non-domestic", "1"],
     ["the snapshot date", "is in the future", "record it once it has happened"]),
    ("malformed-snapshot-date", ["portfolio", "add", "delta", "--date", "yesterday", "--domestic", "1",
                                 "--non-domestic", "1"], ["--date 'yesterday' is not a date", "YYYY-MM-DD"]),
    ("snapshot-unknown-org", ["portfolio", "add", "nobody", "--date", TODAY, "--domestic", "1", "--non-domestic", "1"],
     ["no organisation 'nobody'", "org list"]),
    ("plan-unknown-org", ["plan", "nobody", "--json"], ["no organisation 'nobody'", "org list"]),
    ("invite-malformed-email", ["user", "invite", "not-an-email", "--org", "delta", "--role", "contributor"],
     ["'not-an-email' is not an email address"]),
    ("invite-unknown-role", ["user", "invite", "x@example.test", "--org", "delta", "--role", "overlord"],
     ["'overlord' is not a role", "use one of", "contributor"]),
    ("invite-unknown-org", ["user", "invite", "x@example.test", "--org", "nobody", "--role", "contributor"],
     ["no organisation 'nobody'", "org list"]),
]


@pytest.mark.parametrize(("args", "phrases"), [pytest.param(a, p, id=i) for i, a, p in BAD_INPUT])
def test_bad_input_is_refused_with_one_line_and_nothing_written(cli, supplier, mailoutbox,
                                                                django_capture_on_commit_callbacks, args, phrases):
    load_rules(cli)
    args = [_fill(a) for a in args]
    before = counts()
    before_org = Organisation.objects.get(pk=supplier.pk).as_dict()
    with django_capture_on_commit_callbacks(execute=True):
        result = cli(*args)
    refused(result, *phrases)
    assert counts() == before
    assert Organisation.objects.get(pk=supplier.pk).as_dict() == before_org
    assert mailoutbox == []
    audit_ok(cli)


def test_duplicate_snapshot_date_is_refused_and_nothing_written(cli, supplier):
    load_rules(cli)
    day = iso(today() - dt.timedelta(days=3))
    first = cli("portfolio", "add", "delta", "--date", day, "--domestic", "100", "--non-domestic", "10")
    assert first.exit_code == 0, first.stderr
    before = counts()
    refused(cli("portfolio", "add", "delta", "--date", day, "--domestic", "999999", "--non-domestic", "10"),
            f"a snapshot dated {day} already exists", "record a correction under the date it was made")
    assert counts() == before
    assert PortfolioSnapshot.objects.get(organisation=supplier).domestic == 100
    assert not events(supplier, "profile.plan.changed").exists()
    audit_ok(cli)


def test_duplicate_role_is_refused_and_nothing_written(cli, supplier):
    assert cli("org", "role", "add", "delta", "gas-supplier").exit_code == 0
    before = counts()
    refused(cli("org", "role", "add", "delta", "gas-supplier"), "already holds the Gas Supplier role",
            "remove it or end it first")
    assert counts() == before


def test_inviting_a_member_again_is_refused(cli, supplier):
    from tests.personas import join, make_user

    join(make_user("member@example.test"), supplier, "observer")
    before = counts()
    refused(cli("user", "invite", "Member@Example.test", "--org", "delta", "--role", "owner"),
            "already a member of Delta Supply Ltd")
    assert counts() == before


LONG = [
    # (id, arguments): each longer than its column (legal name 200, slug 80, SEC Party id 40, email 254)
    ("create-name-too-long", ["org", "create", "N" * 201, "--category", "srp"]),
    ("create-slug-too-long", ["org", "create", "Long Slug Ltd", "--category", "srp", "--slug", "s" * 81]),
    ("create-party-id-too-long", ["org", "create", "Long Id Ltd", "--category", "srp", "--party-id", "P" * 41]),
    ("set-name-too-long", ["org", "set", "delta", "--name", "N" * 201]),
    ("set-party-id-too-long", ["org", "set", "delta", "--party-id", "P" * 41]),
    # 255 characters: Django's validate_email accepts it, the email column holds 254.
    ("invite-email-too-long", ["user", "invite", "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example",
                               "--org", "delta", "--role", "contributor"]),
]


@pytest.mark.parametrize("args", [pytest.param(a, id=i) for i, a in LONG])
def test_text_longer_than_its_field_is_refused_and_nothing_written(cli, supplier, args):
    before = counts()
    before_org = Organisation.objects.get(pk=supplier.pk).as_dict()
    refused(cli(*args))
    assert counts() == before
    assert Organisation.objects.get(pk=supplier.pk).as_dict() == before_org
