"""The cycle planner and the assessment-cycle rules it reads.

Expected values come from the domain's reconstructed default table, not from the code:
thresholds 250,000 domestic premises (Supplier and Network Parties), 50,000 non-domestic premises
and the weighted sum domestic/250,000 + non-domestic/50,000 against 1 (Supplier Parties only);
"over" means strictly greater. At or under: FUSA, VUSA, SSA; over: FUSA, VUSA, VUSA; Other User:
FUSA, VUSA, SSA; Shared Resource Provider: FUSA, UNKNOWN, UNKNOWN. Year n is due 12*(n-1) months
after the cycle start, and its type follows the latest snapshot on or before min(due date, today).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

import secassure
from secassure.datafiles import DataFileError, parse_yaml, read_text
from secassure.dates import add_months
from secassure.profile.planner import Plan, Portfolio, changed_years, plan_cycle
from secassure.profile.rules import RuleSetData, parse_rules

RULES_PATH = str(Path(secassure.__file__).resolve().parent / "data" / "rules" / "assessment-cycle.yaml")

D = dt.date


def _load_doc() -> dict:
    return parse_yaml(RULES_PATH, read_text(RULES_PATH, 10_000_000))


SHIPPED_DOC = _load_doc()


@pytest.fixture(scope="module")
def rules() -> RuleSetData:
    return parse_rules(RULES_PATH, _load_doc())


def snap(day: str, domestic: int, non_domestic: int = 0) -> Portfolio:
    return Portfolio(as_of=D.fromisoformat(day), domestic=domestic, non_domestic=non_domestic)


START = D(2025, 3, 31)
TODAY = D(2025, 6, 1)


def plan(rules: RuleSetData, category: str, snapshots=(), *, cycle_start: D | None = START,
         today: D = TODAY, organisation: str = "Acme Energy") -> Plan:
    return plan_cycle(organisation=organisation, category=category, cycle_start=cycle_start,
                      snapshots=list(snapshots), today=today, rules=rules)


def later_reasons(p: Plan) -> str:
    """The reasons of years 2 and 3, the years the portfolio decides."""
    return "\n".join(r for y in p.years[1:] for r in y.reasons)


# --- the table of profiles ------------------------------------------------------------------

AT_OR_UNDER = ("FUSA", "VUSA", "SSA")
OVER = ("FUSA", "VUSA", "VUSA")
SRP = ("FUSA", "UNKNOWN", "UNKNOWN")
STANDARD_DUES = ("2025-03-31", "2026-03-31", "2027-03-31")
S0 = "2025-04-30"  # the usual snapshot date: after the cycle start, before "today" (2025-06-01)

# id, category, snapshots, cycle_start, today, types, due dates, fragments in year 3's reasons,
# fragments that must not appear in the reasons of years 2 and 3
PROFILES = [
    pytest.param(
        "large-supplier", [snap(S0, 312_000)], D(2025, 3, 31), D(2025, 6, 1), OVER, STANDARD_DUES,
        ["Large Supplier with 312,000 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC)",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)", f"snapshot of {S0}"],
        ["CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        id="large-supplier-312000-domestic-over"),
    pytest.param(
        "large-supplier", [snap(S0, 250_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["Large Supplier at or under every threshold",
         "250,000 domestic premises (threshold 250,000, rule TH-DOMESTIC)",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        ["above the 250,000 threshold", "CY-SUPPLIER-NETWORK-OVER"],
        id="large-supplier-250000-exactly-at-or-under"),
    pytest.param(
        "large-supplier", [snap(S0, 250_001)], D(2025, 3, 31), D(2025, 6, 1), OVER, STANDARD_DUES,
        ["250,001 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC)",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        ["CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        id="large-supplier-250001-over"),
    pytest.param(
        "small-supplier", [snap(S0, 120_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["Small Supplier at or under every threshold", "120,000 domestic premises (threshold 250,000",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        ["above the"],
        id="small-supplier-small-at-or-under"),
    pytest.param(
        "small-supplier", [snap(S0, 0, 50_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["50,000 non-domestic premises (threshold 50,000, rule TH-NON-DOMESTIC)",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        ["above the"],
        id="small-supplier-50000-non-domestic-exactly-at-or-under"),
    pytest.param(
        "small-supplier", [snap(S0, 0, 50_001)], D(2025, 3, 31), D(2025, 6, 1), OVER, STANDARD_DUES,
        ["50,001 non-domestic premises, above the 50,000 threshold (rule TH-NON-DOMESTIC)",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        ["above the 250,000 threshold"],
        id="small-supplier-50001-non-domestic-over"),
    pytest.param(
        "electricity-network", [snap(S0, 312_000)], D(2025, 3, 31), D(2025, 6, 1), OVER, STANDARD_DUES,
        ["Electricity Network Party with 312,000 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC)",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        ["TH-WEIGHTED", "TH-NON-DOMESTIC"],
        id="electricity-network-312000-over"),
    pytest.param(
        "electricity-network", [snap(S0, 100_000, 400_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER,
        STANDARD_DUES,
        ["Electricity Network Party at or under every threshold",
         "100,000 domestic premises (threshold 250,000, rule TH-DOMESTIC)",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        ["non-domestic", "TH-NON-DOMESTIC", "TH-WEIGHTED", "above the"],
        id="electricity-network-large-non-domestic-ignored"),
    pytest.param(
        "gas-network", [snap(S0, 250_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["Gas Network Party at or under every threshold", "250,000 domestic premises (threshold 250,000",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        ["above the"],
        id="gas-network-250000-exactly-at-or-under"),
    pytest.param(
        "gas-network", [snap(S0, 250_001)], D(2025, 3, 31), D(2025, 6, 1), OVER, STANDARD_DUES,
        ["Gas Network Party with 250,001 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC)",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        [],
        id="gas-network-250001-over"),
    pytest.param(
        "gas-network", [snap(S0, 150_000, 25_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["Gas Network Party at or under every threshold", "year 3 is an SSA"],
        ["weighted", "non-domestic"],
        id="gas-network-mixed-portfolio-no-weighted-limit"),
    pytest.param(
        "large-supplier", [snap(S0, 150_000, 25_000)], D(2025, 3, 31), D(2025, 6, 1), OVER, STANDARD_DUES,
        ["a weighted sum of 1.10, above the 1 threshold (rule TH-WEIGHTED)",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        ["above the 250,000 threshold", "above the 50,000 threshold"],
        id="supplier-mixed-weighted-1.1-over"),
    pytest.param(
        "small-supplier", [snap(S0, 100_000, 25_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["a weighted sum of 0.90 (threshold 1, rule TH-WEIGHTED)",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        ["above the"],
        id="supplier-mixed-weighted-0.9-under"),
    pytest.param(
        "large-supplier", [snap(S0, 125_000, 25_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["a weighted sum of 1.00 (threshold 1, rule TH-WEIGHTED)", "year 3 is an SSA"],
        ["above the"],
        id="supplier-mixed-weighted-exactly-1-not-over"),
    pytest.param(
        "small-supplier", [snap(S0, 175_000, 15_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["a weighted sum of 1.00 (threshold 1, rule TH-WEIGHTED)", "year 3 is an SSA"],
        ["above the"],
        id="supplier-mixed-weighted-0.7-plus-0.3-not-over"),
    pytest.param(
        "other-user", [snap(S0, 900_000, 900_000)], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["Other User: the size of the portfolio does not change the type: year 3 is an SSA (rule CY-OTHER-USER)"],
        ["above the", "TH-"],
        id="other-user-huge-portfolio-still-ssa"),
    pytest.param(
        "other-user", [], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["year 3 is an SSA (rule CY-OTHER-USER)"],
        ["no portfolio snapshot"],
        id="other-user-no-snapshot"),
    pytest.param(
        "srp", [snap(S0, 400_000, 60_000)], D(2025, 3, 31), D(2025, 6, 1), SRP, STANDARD_DUES,
        ["Shared Resource Provider: the size of the portfolio does not change the type",
         "year 3 is a UNKNOWN (rule CY-SRP)"],
        ["above the"],
        id="srp-fusa-then-unknown"),
    pytest.param(
        "large-supplier", [], D(2025, 3, 31), D(2025, 6, 1), AT_OR_UNDER, STANDARD_DUES,
        ["Large Supplier with no portfolio snapshot recorded: taken as at or under the thresholds",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        [],
        id="large-supplier-no-snapshot-taken-as-under"),
    pytest.param(
        "large-supplier", [snap("2024-04-01", 200_000), snap("2025-06-30", 300_000)], D(2024, 3, 31),
        D(2025, 9, 1), OVER, ("2024-03-31", "2025-03-31", "2026-03-31"),
        ["300,000 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC)", "snapshot of 2025-06-30",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        [],
        id="threshold-crossed-mid-cycle"),
    pytest.param(
        "large-supplier", [snap("2024-04-01", 200_000), snap("2025-06-30", 300_000)], D(2024, 3, 31),
        D(2025, 5, 1), AT_OR_UNDER, ("2024-03-31", "2025-03-31", "2026-03-31"),
        ["200,000 domestic premises (threshold 250,000", "snapshot of 2024-04-01",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        ["300,000", "2025-06-30"],
        id="later-snapshot-after-today-not-used"),
    pytest.param(
        "small-supplier", [snap("2024-04-01", 300_000), snap("2025-06-30", 200_000)], D(2024, 3, 31),
        D(2025, 9, 1), AT_OR_UNDER, ("2024-03-31", "2025-03-31", "2026-03-31"),
        ["200,000 domestic premises (threshold 250,000", "snapshot of 2025-06-30",
         "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)"],
        [],
        id="dropped-under-before-year-3"),
    pytest.param(
        "electricity-network", [snap("2026-03-31", 260_000), snap("2024-04-01", 100_000)], D(2024, 3, 31),
        D(2026, 3, 31), OVER, ("2024-03-31", "2025-03-31", "2026-03-31"),
        ["260,000 domestic premises, above the 250,000 threshold", "snapshot of 2026-03-31",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        [],
        id="snapshot-on-the-due-date-counts-unsorted-input"),
    pytest.param(
        "large-supplier", [snap(S0, 312_000)], None, D(2025, 6, 1), OVER, (None, None, None),
        ["312,000 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC)",
         "year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)"],
        ["due by"],
        id="no-cycle-start-no-due-dates"),
]


@pytest.mark.parametrize(("category", "snapshots", "cycle_start", "today", "types", "dues", "year3_has",
                          "nowhere"), PROFILES)
def test_plan_table(rules, category, snapshots, cycle_start, today, types, dues, year3_has, nowhere):
    p = plan(rules, category, snapshots, cycle_start=cycle_start, today=today)
    assert [y.year for y in p.years] == [1, 2, 3]
    assert tuple(y.type for y in p.years) == types
    assert p.types() == dict(zip((1, 2, 3), types, strict=True))
    assert tuple(y.due_by.isoformat() if y.due_by else None for y in p.years) == dues
    year3 = "\n".join(p.years[2].reasons)
    for fragment in year3_has:
        assert fragment in year3
    text = later_reasons(p)
    for fragment in nowhere:
        assert fragment not in text
    # Year 1 is always the FUSA that starts the cycle.
    assert p.years[0].reasons[0].startswith("year 1 of every cycle is a FUSA (rule ")
    # Every year cites the rules behind it, and every cited rule is in the rule set.
    for year in p.years:
        assert year.rules
        assert len(year.rules) == len(set(year.rules))
        for rule_id in year.rules:
            rules.rule(rule_id)
    # The cycle rule each year relies on is cited in its reasons.
    cycle_ids = {c.id for c in rules.cycle}
    for year in p.years:
        (cycle_id,) = [r for r in year.rules if r in cycle_ids]
        assert f"(rule {cycle_id})" in "\n".join(year.reasons)


# --- reasons and rule ids in detail --------------------------------------------------------


def test_over_domestic_reasons_and_rules(rules):
    p = plan(rules, "large-supplier", [snap(S0, 312_000)])
    year1, year2, year3 = p.years
    assert year1.reasons == [
        "year 1 of every cycle is a FUSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER); its fieldwork ended on "
        "2025-03-31, which starts the cycle"]
    assert year1.rules == ["CY-SUPPLIER-NETWORK-AT-OR-UNDER"]
    assert year2.reasons[0] == (
        "Large Supplier with 312,000 domestic premises, above the 250,000 threshold (rule TH-DOMESTIC); "
        f"a weighted sum of 1.25, above the 1 threshold (rule TH-WEIGHTED) (snapshot of {S0}): "
        "year 2 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)")
    assert year3.reasons[0].endswith("year 3 is a VUSA (rule CY-SUPPLIER-NETWORK-OVER)")
    assert year3.reasons[1].startswith("due by 2027-03-31: within 12 months of the previous assessment's fieldwork "
                                       "(rule TM-12-MONTHS)")
    assert year3.rules == ["TH-DOMESTIC", "TH-WEIGHTED", "CY-SUPPLIER-NETWORK-OVER", "TM-PORTFOLIO-AT-DUE-DATE",
                           "TM-12-MONTHS"]
    assert "TH-NON-DOMESTIC" not in year3.rules  # not crossed, so not relied on


def test_at_or_under_reason_lists_every_threshold(rules):
    p = plan(rules, "small-supplier", [snap(S0, 100_000, 25_000)])
    assert p.years[2].reasons[0] == (
        "Small Supplier at or under every threshold: 100,000 domestic premises (threshold 250,000, rule TH-DOMESTIC); "
        "25,000 non-domestic premises (threshold 50,000, rule TH-NON-DOMESTIC); "
        f"a weighted sum of 0.90 (threshold 1, rule TH-WEIGHTED) (snapshot of {S0}): "
        "year 3 is an SSA (rule CY-SUPPLIER-NETWORK-AT-OR-UNDER)")
    assert p.years[2].rules[:4] == ["TH-DOMESTIC", "TH-NON-DOMESTIC", "TH-WEIGHTED",
                                    "CY-SUPPLIER-NETWORK-AT-OR-UNDER"]


def test_mid_cycle_year_2_uses_snapshot_before_its_due_date(rules):
    p = plan(rules, "large-supplier", [snap("2024-04-01", 200_000), snap("2025-06-30", 300_000)],
             cycle_start=D(2024, 3, 31), today=D(2025, 9, 1))
    year2, year3 = p.years[1], p.years[2]
    assert year2.type == "VUSA"
    assert "snapshot of 2024-04-01" in year2.reasons[0]
    assert "CY-SUPPLIER-NETWORK-AT-OR-UNDER" in year2.rules
    assert year3.type == "VUSA"
    assert "snapshot of 2025-06-30" in year3.reasons[0]
    assert "CY-SUPPLIER-NETWORK-OVER" in year3.rules


def test_snapshot_after_due_date_does_not_decide_a_past_year(rules):
    # Year 3 was due on 2026-03-31; a snapshot over the threshold from later must not change it.
    p = plan(rules, "large-supplier", [snap("2024-04-01", 200_000), snap("2026-04-01", 400_000)],
             cycle_start=D(2024, 3, 31), today=D(2026, 6, 1))
    assert p.years[2].type == "SSA"
    assert "snapshot of 2024-04-01" in p.years[2].reasons[0]


def test_srp_reasons_and_type_names(rules):
    p = plan(rules, "srp", [])
    d = p.as_dict()
    assert [y["type_name"] for y in d["cycle"]] == [
        "Full User Security Assessment", "not publicly described", "not publicly described"]
    assert p.years[1].reasons[0] == (
        "Shared Resource Provider: the size of the portfolio does not change the type: "
        "year 2 is a UNKNOWN (rule CY-SRP)")
    assert not any("snapshot" in w for w in p.warnings)


def test_type_names(rules):
    d = plan(rules, "large-supplier", [snap(S0, 10)]).as_dict()
    assert [y["type_name"] for y in d["cycle"]] == [
        "Full User Security Assessment", "Verification User Security Assessment", "User Security Self-Assessment"]


# --- warnings ------------------------------------------------------------------------------


def test_no_snapshot_warns_for_each_later_year(rules):
    p = plan(rules, "gas-network", [])
    assert [y.type for y in p.years] == list(AT_OR_UNDER)
    snapshot_warnings = [w for w in p.warnings if "no portfolio snapshot" in w]
    assert snapshot_warnings == [
        "year 2: no portfolio snapshot on or before 2025-06-01; add one with the counts reported to SECAS",
        "year 3: no portfolio snapshot on or before 2025-06-01; add one with the counts reported to SECAS",
    ]
    assert "Gas Network Party with no portfolio snapshot recorded: taken as at or under the thresholds" in (
        p.years[2].reasons[0])


def test_snapshot_only_after_today_counts_as_none(rules):
    p = plan(rules, "large-supplier", [snap("2025-07-01", 400_000)])
    assert [y.type for y in p.years] == list(AT_OR_UNDER)
    assert any(w.startswith("year 3: no portfolio snapshot on or before 2025-06-01") for w in p.warnings)


def test_no_cycle_start(rules):
    p = plan(rules, "large-supplier", [snap(S0, 10)], cycle_start=None)
    assert [y.due_by for y in p.years] == [None, None, None]
    assert any("no cycle start recorded" in w and "year-1 FUSA fieldwork" in w for w in p.warnings)
    assert not any("was due by" in w for w in p.warnings)
    d = p.as_dict()
    assert d["cycle_start"] is None
    assert [y["due_by"] for y in d["cycle"]] == [None, None, None]
    assert p.next_due() is None
    json.dumps(d)


def test_cycle_start_gives_no_missing_start_warning(rules):
    p = plan(rules, "large-supplier", [snap(S0, 10)])
    assert not any("no cycle start" in w for w in p.warnings)
    assert not any("was due by" in w for w in p.warnings)


def test_unverified_rules_warning_lists_ids(rules):
    p = plan(rules, "large-supplier", [snap(S0, 10)])
    warning = [w for w in p.warnings if "unverified" in w]
    assert len(warning) == 1
    text = warning[0]
    assert text.startswith("rules ")
    assert "are unverified reconstructions" in text
    for rule_id in ("CY-SUPPLIER-NETWORK-AT-OR-UNDER", "TH-WEIGHTED", "TM-PORTFOLIO-AT-DUE-DATE"):
        assert rule_id in text
    for rule_id in ("TH-DOMESTIC", "TH-NON-DOMESTIC", "TM-12-MONTHS", "CY-SUPPLIER-NETWORK-OVER", "CY-SRP"):
        assert rule_id not in text
    listed = text.removeprefix("rules ").split(" are unverified")[0].split(", ")
    assert sorted(listed) == ["CY-SUPPLIER-NETWORK-AT-OR-UNDER", "TH-WEIGHTED", "TM-PORTFOLIO-AT-DUE-DATE"]


def test_unverified_warning_for_over_and_srp(rules):
    over = plan(rules, "electricity-network", [snap(S0, 300_000)])
    text = next(w for w in over.warnings if "unverified" in w)
    assert "CY-SUPPLIER-NETWORK-OVER" in text
    assert "TH-DOMESTIC" not in text
    srp = plan(rules, "srp", [])
    text = next(w for w in srp.warnings if "unverified" in w)
    assert "CY-SRP" in text


def test_unverified_warning_absent_when_all_rules_verified():
    doc = copy.deepcopy(SHIPPED_DOC)
    for section in ("thresholds", "cycle", "timing"):
        for node in doc[section]:
            node["verified"] = True
    verified = parse_rules("verified.yaml", doc)
    p = plan(verified, "large-supplier", [snap(S0, 10)])
    assert not any("unverified" in w for w in p.warnings)


@pytest.mark.parametrize(("today", "warned"), [
    pytest.param(D(2027, 4, 1), True, id="day-after-year-3-due"),
    pytest.param(D(2027, 3, 31), False, id="on-year-3-due-date"),
    pytest.param(D(2026, 4, 1), False, id="before-year-3-due"),
])
def test_year_3_past_warning(rules, today, warned):
    p = plan(rules, "large-supplier", [snap(S0, 10)], today=today)
    expected = ("year 3 was due by 2027-03-31: once the next cycle's FUSA fieldwork has ended, "
                "set the new cycle start")
    assert (expected in p.warnings) is warned


def test_not_a_party_category(rules):
    p = plan(rules, "supplier", [snap(S0, 10)])
    assert p.years == []
    assert any("'supplier' is not a Party category" in w for w in p.warnings)
    json.dumps(p.as_dict())


# --- due dates and month arithmetic ---------------------------------------------------------


@pytest.mark.parametrize(("start", "dues"), [
    pytest.param(D(2024, 2, 29), (D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28)), id="leap-day-start"),
    pytest.param(D(2025, 1, 31), (D(2025, 1, 31), D(2026, 1, 31), D(2027, 1, 31)), id="january-31"),
    pytest.param(D(2023, 2, 28), (D(2023, 2, 28), D(2024, 2, 28), D(2025, 2, 28)), id="feb-28-before-leap-year"),
    pytest.param(D(2024, 12, 31), (D(2024, 12, 31), D(2025, 12, 31), D(2026, 12, 31)), id="december-31"),
])
def test_due_dates(rules, start, dues):
    p = plan(rules, "other-user", [], cycle_start=start, today=start)
    assert tuple(y.due_by for y in p.years) == dues
    assert p.years[1].reasons[-1].startswith(f"due by {dues[1].isoformat()}: within 12 months")


@pytest.mark.parametrize(("day", "months", "expected"), [
    pytest.param(D(2024, 2, 29), 12, D(2025, 2, 28), id="leap-day-plus-12"),
    pytest.param(D(2024, 2, 29), 48, D(2028, 2, 29), id="leap-day-plus-48"),
    pytest.param(D(2025, 1, 31), 12, D(2026, 1, 31), id="jan-31-plus-12"),
    pytest.param(D(2025, 1, 31), 1, D(2025, 2, 28), id="jan-31-plus-1"),
    pytest.param(D(2024, 1, 31), 1, D(2024, 2, 29), id="jan-31-plus-1-leap"),
    pytest.param(D(2024, 11, 30), 3, D(2025, 2, 28), id="across-year-end-short-month"),
    pytest.param(D(2024, 1, 15), 11, D(2024, 12, 15), id="to-december"),
    pytest.param(D(2024, 12, 15), 12, D(2025, 12, 15), id="december-plus-12"),
    pytest.param(D(2024, 12, 15), 1, D(2025, 1, 15), id="december-plus-1"),
    pytest.param(D(2024, 5, 31), 0, D(2024, 5, 31), id="zero"),
    pytest.param(D(2024, 3, 31), 24, D(2026, 3, 31), id="plus-24"),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_timing_months_come_from_the_rules():
    doc = copy.deepcopy(SHIPPED_DOC)
    doc["timing"][0]["months"] = 6
    six = parse_rules("six.yaml", doc)
    p = plan(six, "other-user", [], cycle_start=D(2025, 8, 31), today=D(2025, 9, 1))
    assert [y.due_by for y in p.years] == [D(2025, 8, 31), D(2026, 2, 28), D(2026, 8, 31)]
    assert "within 6 months" in p.years[1].reasons[-1]


def test_next_due(rules):
    p = plan(rules, "large-supplier", [snap(S0, 10)], today=D(2026, 4, 1))
    assert p.next_due().year == 3
    p = plan(rules, "large-supplier", [snap(S0, 10)], today=D(2025, 4, 1))
    assert p.next_due().year == 2


# --- as_dict --------------------------------------------------------------------------------


def test_as_dict_is_json_and_has_the_keys(rules):
    p = plan(rules, "large-supplier", [snap(S0, 312_000)], organisation="Acme Energy")
    d = p.as_dict()
    assert set(d) == {"organisation", "category", "cycle_start", "ruleset", "as_of", "cycle", "next_cycle",
                      "warnings"}
    assert d["organisation"] == "Acme Energy"
    assert d["category"] == "large-supplier"
    assert d["cycle_start"] == "2025-03-31"
    assert d["ruleset"] == "assessment-cycle@2026.4"
    assert d["as_of"] == "2025-06-01"
    assert len(d["cycle"]) == 3
    for entry in d["cycle"]:
        assert set(entry) == {"year", "type", "type_name", "due_by", "reasons", "rules", "basis", "estimated_type",
                              "confidence", "due_basis", "due_from", "assessment", "advice"}
        assert entry["basis"] == "estimate" and entry["assessment"] is None and entry["advice"] is None
    assert [e["due_basis"] for e in d["cycle"]] == ["cycle-start", "estimate", "estimate"]
    assert [e["confidence"] for e in d["cycle"]] == [None, "I", "R"]  # year 2's VUSA holds either side
    assert [e["type"] for e in d["cycle"]] == ["FUSA", "VUSA", "VUSA"]
    assert [e["due_by"] for e in d["cycle"]] == list(STANDARD_DUES)
    assert json.loads(json.dumps(d)) == d
    assert isinstance(d["warnings"], list)


# --- changed_years --------------------------------------------------------------------------


def test_changed_years_reports_year_3_going_over(rules):
    base = [snap("2025-04-30", 200_000)]
    before = plan(rules, "large-supplier", base)
    after = plan(rules, "large-supplier", [*base, snap("2025-05-31", 260_000)])
    assert before.years[2].type == "SSA"
    assert after.years[2].type == "VUSA"
    assert changed_years(before, after) == [{"year": 3, "from": "SSA", "to": "VUSA", "due_by": "2027-03-31"}]
    assert changed_years(after, before) == [{"year": 3, "from": "VUSA", "to": "SSA", "due_by": "2027-03-31"}]


def test_changed_years_nothing_when_same(rules):
    before = plan(rules, "large-supplier", [snap(S0, 200_000)])
    after = plan(rules, "large-supplier", [snap(S0, 200_000), snap("2025-05-31", 210_000)])
    assert changed_years(before, after) == []


def test_changed_years_skips_past_years(rules):
    # Year 3 was due on 2026-03-31; a back-dated snapshot changes its type but it is past.
    start, today = D(2024, 3, 31), D(2026, 6, 1)
    before = plan(rules, "small-supplier", [snap("2024-04-01", 200_000)], cycle_start=start, today=today)
    after = plan(rules, "small-supplier", [snap("2024-04-01", 200_000), snap("2026-01-01", 300_000)],
                 cycle_start=start, today=today)
    assert (before.years[2].type, after.years[2].type) == ("SSA", "VUSA")
    assert changed_years(before, after) == []


def test_changed_years_due_today_still_to_come(rules):
    start, today = D(2024, 3, 31), D(2026, 3, 31)
    before = plan(rules, "small-supplier", [snap("2024-04-01", 200_000)], cycle_start=start, today=today)
    after = plan(rules, "small-supplier", [snap("2024-04-01", 200_000), snap("2026-03-01", 300_000)],
                 cycle_start=start, today=today)
    assert changed_years(before, after) == [{"year": 3, "from": "SSA", "to": "VUSA", "due_by": "2026-03-31"}]


def test_changed_years_without_cycle_start(rules):
    before = plan(rules, "large-supplier", [snap(S0, 200_000)], cycle_start=None)
    after = plan(rules, "large-supplier", [snap(S0, 200_000), snap("2025-05-31", 0, 60_000)], cycle_start=None)
    assert changed_years(before, after) == [{"year": 3, "from": "SSA", "to": "VUSA", "due_by": None}]


# --- the rules file -------------------------------------------------------------------------


def test_shipped_rules_parse(rules):
    assert rules.label == "assessment-cycle@2026.4"
    assert rules.status == "published"
    assert rules.effective_date == D(2019, 2, 28)
    limits = {t.id: (t.measure, t.limit, set(t.categories)) for t in rules.thresholds}
    suppliers = {"large-supplier", "small-supplier"}
    assert limits == {
        "TH-DOMESTIC": ("domestic", 250_000, suppliers | {"electricity-network", "gas-network"}),
        "TH-NON-DOMESTIC": ("non_domestic", 50_000, suppliers),
        "TH-WEIGHTED": ("weighted", 1, suppliers),
    }
    assert rules.timing_months()[0] == 12
    for category in ("large-supplier", "small-supplier", "electricity-network", "gas-network"):
        assert rules.cycle_rule(category, over=False).years == AT_OR_UNDER
        assert rules.cycle_rule(category, over=True).years == OVER
    for over in (False, True):
        assert rules.cycle_rule("other-user", over).years == AT_OR_UNDER
        assert rules.cycle_rule("srp", over).years == SRP
    assert len(rules.content_hash()) == 64


def _remove_srp(doc):
    doc["cycle"] = [c for c in doc["cycle"] if c["id"] != "CY-SRP"]


def _remove_over(doc):
    doc["cycle"] = [c for c in doc["cycle"] if c["id"] != "CY-SUPPLIER-NETWORK-OVER"]


def _set(path, value):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


REFUSALS = [
    pytest.param(_set(["colour"], "blue"), "colour", "unknown key", id="unknown-top-level-key"),
    pytest.param(_set(["cycle", 0, "colour"], "blue"), "cycle[0].colour", "unknown key", id="unknown-rule-key"),
    pytest.param(_set(["cycle", 1, "id"], "CY-SUPPLIER-NETWORK-AT-OR-UNDER"), "cycle[1].id",
                 "duplicate rule id 'CY-SUPPLIER-NETWORK-AT-OR-UNDER'", id="duplicate-id-in-cycle"),
    pytest.param(_set(["timing", 0, "id"], "TH-DOMESTIC"), "timing[0].id", "duplicate rule id 'TH-DOMESTIC'",
                 id="duplicate-id-across-sections"),
    pytest.param(_remove_srp, "cycle", "no rule covers a srp at or under the thresholds", id="srp-not-covered"),
    pytest.param(_remove_over, "cycle", "no rule covers a large-supplier over a threshold",
                 id="over-not-covered"),
    pytest.param(_set(["cycle", 0, "years", 1], "SELF"), "cycle[0].years[1]", "'SELF' is not one of",
                 id="bad-assessment-type"),
    pytest.param(_set(["cycle", 2, "years"], ["FUSA", "VUSA"]), "cycle[2].years",
                 "expected the three years' assessment types", id="two-years-only"),
    pytest.param(_set(["thresholds", 0, "source_url"], "http://smartenergycodecompany.co.uk/"),
                 "thresholds[0].source_url", "must be an https:// address", id="http-source-url"),
    pytest.param(_set(["timing", 1, "source_url"], "javascript:alert(1)"), "timing[1].source_url",
                 "must be an https:// address", id="javascript-source-url"),
    pytest.param(_delete(["timing", 0, "months"]), "timing", "no timing rule gives the months",
                 id="missing-timing-months"),
    pytest.param(_set(["timing", 0, "months"], 0), "timing[0].months", "expected a whole number of months",
                 id="zero-months"),
    pytest.param(_set(["timing", 0, "months"], "12"), "timing[0].months", "expected a whole number of months",
                 id="months-as-text"),
    pytest.param(_set(["thresholds", 1, "categories", 0], "supplier"), "thresholds[1].categories[0]",
                 "'supplier' is not a Party category", id="bad-category"),
    pytest.param(_set(["thresholds", 0, "limit"], -5), "thresholds[0].limit", "expected a positive number",
                 id="negative-limit"),
    pytest.param(_set(["thresholds", 0, "measure"], "meters"), "thresholds[0].measure", "is not one of",
                 id="bad-measure"),
    pytest.param(_set(["thresholds", 1, "measure"], "domestic"), "thresholds",
                 "needs domestic and non_domestic thresholds for it too", id="weighted-without-non-domestic"),
    pytest.param(_set(["cycle", 3, "confidence"], "X"), "cycle[3].confidence", "expected S, I or R",
                 id="bad-confidence"),
    pytest.param(_set(["cycle", 3, "verified"], "yes"), "cycle[3].verified", "expected true or false",
                 id="verified-not-boolean"),
    pytest.param(_set(["cycle", 0, "portfolio"], "under"), "cycle[0].portfolio", "expected one of",
                 id="bad-portfolio-condition"),
    pytest.param(_set(["format"], "secassure.rules/2"), "format", "expected 'secassure.rules/1'",
                 id="wrong-format"),
    pytest.param(_set(["effective_date"], "28/02/2019"), "effective_date", "expected a date",
                 id="bad-effective-date"),
    pytest.param(_set(["cycle"], []), "cycle", "expected a non-empty list", id="empty-cycle"),
]


@pytest.mark.parametrize(("mutate", "place", "problem"), REFUSALS)
def test_parse_rules_refuses(mutate, place, problem):
    doc = copy.deepcopy(SHIPPED_DOC)
    mutate(doc)
    with pytest.raises(DataFileError) as info:
        parse_rules("rules.yaml", doc)
    assert str(info.value).startswith(f"rules.yaml: {place}: ")
    assert info.value.place == place
    assert problem in str(info.value)


def test_parse_rules_refuses_non_mapping():
    with pytest.raises(DataFileError, match=r"^rules\.yaml: root: expected a mapping$"):
        parse_rules("rules.yaml", ["not", "a", "mapping"])


def test_parse_rules_leaves_the_document_alone():
    doc = copy.deepcopy(SHIPPED_DOC)
    parse_rules("rules.yaml", doc)
    assert doc == SHIPPED_DOC


def test_a_weighted_threshold_for_a_category_without_both_counts_is_refused():
    """A file giving the weighted threshold to network parties, which have no non-domestic
    threshold, would crash every plan of theirs: it is refused when loaded."""
    doc = copy.deepcopy(SHIPPED_DOC)
    weighted = next(t for t in doc["thresholds"] if t["measure"] == "weighted")
    weighted["categories"] = [*weighted["categories"], "gas-network"]
    with pytest.raises(DataFileError, match="the weighted threshold for gas-network needs"):
        parse_rules("rules.yaml", doc)


def test_year_one_cites_the_rule_that_applied_when_the_cycle_began(rules):
    big = [Portfolio(dt.date(2024, 1, 1), 400_000, 0)]
    plan = plan_cycle(organisation="x", category="large-supplier", cycle_start=dt.date(2024, 3, 31),
                      snapshots=big, today=dt.date(2024, 6, 1), rules=rules)
    assert plan.years[0].rules == ["CY-SUPPLIER-NETWORK-OVER"]
    assert "CY-SUPPLIER-NETWORK-AT-OR-UNDER" not in " ".join(plan.warnings)


def test_after_year_three_the_next_assessment_is_the_next_cycles_fusa(rules):
    plan = plan_cycle(organisation="x", category="other-user", cycle_start=dt.date(2022, 1, 31), snapshots=[],
                      today=dt.date(2025, 6, 1), rules=rules)
    nxt = plan.next_due()
    assert nxt is plan.next_cycle and nxt.type == "FUSA" and nxt.due_by == dt.date(2025, 1, 31)
    assert plan.as_dict()["next_cycle"]["due_by"] == "2025-01-31"
    within = plan_cycle(organisation="x", category="other-user", cycle_start=dt.date(2025, 1, 31), snapshots=[],
                        today=dt.date(2025, 6, 1), rules=rules)
    assert within.next_due().year == 2
