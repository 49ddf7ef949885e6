"""The planner's due dates from recorded fieldwork, SECAS's advice on the type, and the R tag.

Expected values come from the rules as SECAS states them, not from the code: each assessment is
completed within 12 months of the end of the previous assessment's fieldwork (G8.40; SCF Part 1
4.5), a self-assessment within a year of the last User CIO fieldwork; the FUSA, VUSA, follow-up
and G8.3(d) compliance assessment are conducted by the User CIO, the SSA by the User. Until a
fieldwork end is recorded, dates are estimated from the cycle start. SECAS's advice on the type is
the authority over the estimate.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import secassure
from secassure.datafiles import parse_yaml, read_text
from secassure.profile.planner import Advice, Portfolio, plan_cycle
from secassure.profile.recorded import RecordedAssessment
from secassure.profile.rules import parse_rules

RULES_PATH = str(Path(secassure.__file__).resolve().parent / "data" / "rules" / "assessment-cycle.yaml")
D = dt.date
START = D(2025, 3, 31)
TODAY = D(2025, 6, 1)
ADVISED_ON = D(2025, 5, 1)
UNDER = [Portfolio(D(2025, 4, 30), 180_000, 0)]
OVER = [Portfolio(D(2025, 4, 30), 312_000, 0)]


def _doc() -> dict:
    return parse_yaml(RULES_PATH, read_text(RULES_PATH, 10_000_000))


@pytest.fixture(scope="module")
def rules():
    return parse_rules(RULES_PATH, _doc())


def done(pk: int, kind: str, year: int | None, end: D | None, *, status: str = "submitted") -> RecordedAssessment:
    """An assessment as the reader gives it; fieldwork of five days ending on ``end``."""
    start = end - dt.timedelta(days=4) if end else None
    return RecordedAssessment(kind=kind, cycle_year=year, fieldwork_start=start, fieldwork_end=end, pk=pk,
                              status=status)


def plan(rules, *, assessments=(), advice=(), snapshots=UNDER, cycle_start=START, today=TODAY,
         category="large-supplier"):
    return plan_cycle(organisation="acme", category=category, cycle_start=cycle_start, snapshots=list(snapshots),
                      today=today, rules=rules, assessments=list(assessments), advice=list(advice))


def dues(p) -> list[D | None]:
    return [y.due_by for y in p.years]


# --- fieldwork end recorded or not ------------------------------------------------------------


def test_without_recorded_fieldwork_the_dates_are_estimated_from_the_cycle_start(rules):
    p = plan(rules)
    assert dues(p) == [START, D(2026, 3, 31), D(2027, 3, 31)]
    assert [y.due_basis for y in p.years] == ["cycle-start", "estimate", "estimate"]
    assert [y.basis for y in p.years] == ["estimate"] * 3
    assert p.years[2].reasons[-1] == ("due by 2027-03-31: within 12 months of the previous assessment's fieldwork "
                                      "(rule TM-12-MONTHS); estimated from the cycle start until that fieldwork's "
                                      "end is recorded")
    assert p.next_cycle.due_by == D(2028, 3, 31) and p.next_cycle.due_basis == "estimate"


def test_the_year_after_follows_the_recorded_fieldwork_end(rules):
    """The year-2 VUSA's fieldwork ended on 31 January 2026: year 3 is due by 31 January 2027, not by the
    estimate of 31 March 2027, and the next cycle's FUSA a year after that."""
    vusa = done(7, "vusa", 2, D(2026, 1, 31))
    p = plan(rules, assessments=[vusa], today=D(2026, 2, 1))
    year2, year3 = p.years[1], p.years[2]
    assert dues(p) == [START, D(2026, 3, 31), D(2027, 1, 31)]
    assert (year2.basis, year2.type, year2.assessment, year2.done) == ("recorded", "VUSA", vusa, True)
    assert (year3.due_basis, year3.due_from) == ("recorded-fieldwork", vusa)
    assert year3.reasons[1] == (
        "due by 2027-01-31: within 12 months of the end of the fieldwork recorded on the year-2 VUSA "
        "(assessment 7, fieldwork ended 2026-01-31), conducted by the User CIO (rule TM-12-MONTHS)")
    assert {"TM-12-MONTHS", "CB-VUSA"} <= set(year3.rules)
    assert year3.as_dict()["due_from"] == {"assessment": 7, "type": "vusa", "fieldwork_end": "2026-01-31"}
    assert p.next_cycle.due_by == D(2028, 1, 31)
    assert "counted from the fieldwork end recorded for year 2" in p.next_cycle.reasons[0]
    # Year 2's fieldwork is over, though its due date is still to come: the next one due is year 3.
    assert p.next_due() is year3


def test_an_assessment_recorded_without_its_fieldwork_end_leaves_the_estimate(rules):
    vusa = done(7, "vusa", 2, None, status="preparation")
    p = plan(rules, assessments=[vusa])
    assert p.years[1].basis == "recorded" and not p.years[1].done
    assert dues(p) == [START, D(2026, 3, 31), D(2027, 3, 31)]
    assert p.years[2].due_basis == "estimate"
    assert p.next_due() is p.years[1]


@pytest.mark.parametrize(("end", "due"), [
    pytest.param(D(2026, 1, 31), D(2027, 1, 31), id="31-january-to-31-january"),
    pytest.param(D(2028, 2, 29), D(2029, 2, 28), id="29-february-to-28-february"),
    pytest.param(D(2027, 2, 28), D(2028, 2, 28), id="28-february-before-a-leap-year-stays-28"),
    pytest.param(D(2026, 12, 31), D(2027, 12, 31), id="31-december"),
])
def test_month_ends(rules, end, due):
    p = plan(rules, assessments=[done(3, "vusa", 2, end)], cycle_start=D(2024, 2, 29), today=D(2024, 3, 1))
    assert p.years[2].due_by == due


def test_a_leap_day_cycle_start_recorded_as_the_fusa_fieldwork_end(rules):
    fusa = done(1, "fusa", 1, D(2024, 2, 29))
    p = plan(rules, assessments=[fusa], cycle_start=D(2024, 2, 29), today=D(2024, 3, 1))
    assert dues(p) == [D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28)]
    assert [y.due_basis for y in p.years] == ["cycle-start", "recorded-fieldwork", "estimate"]
    assert "estimated from the fieldwork end recorded for year 1" in p.years[2].reasons[-1]


def test_estimates_count_from_the_last_recorded_end_so_a_month_end_stays_one(rules):
    """With a 6-month rule, an estimate chained date to date would drift (31 August, 28 February,
    28 August); counted from the recorded end each time, it stays at the month's end."""
    doc = _doc()
    doc["timing"][0]["months"] = 6
    six = parse_rules("six.yaml", doc)
    p = plan(six, assessments=[done(1, "fusa", 1, D(2025, 8, 31))], cycle_start=D(2025, 8, 31),
             today=D(2025, 9, 1))
    assert dues(p) == [D(2025, 8, 31), D(2026, 2, 28), D(2026, 8, 31)]
    assert p.next_cycle.due_by == D(2027, 2, 28)


def test_a_self_assessment_is_due_a_year_after_the_last_cio_fieldwork(rules):
    """Year 3 is an SSA: due within a year of the last CIO fieldwork, here a follow-up of year 2 that
    ended after the VUSA; the SSA's own dates never move the next cycle's FUSA."""
    vusa = done(5, "vusa", 2, D(2026, 2, 10))
    follow_up = done(6, "follow-up", 2, D(2026, 5, 20))
    ssa = done(8, "ssa", 3, D(2027, 1, 15))
    p = plan(rules, assessments=[ssa, follow_up, vusa], today=D(2026, 6, 1))
    year3 = p.years[2]
    assert year3.type == "SSA" and year3.due_by == D(2027, 5, 20) and year3.due_from == follow_up
    assert "CB-FOLLOW-UP" in year3.rules
    assert not year3.done  # an SSA has no CIO fieldwork to end it
    assert p.next_cycle.due_basis == "estimate" and p.next_cycle.due_by == D(2028, 5, 20)


def test_fieldwork_recorded_on_a_self_assessment_dates_nothing(rules):
    ssa = done(4, "ssa", 2, D(2026, 1, 31))  # a year-2 SSA, against the estimate of a VUSA
    p = plan(rules, assessments=[ssa])
    assert p.years[2].due_basis == "estimate" and p.years[2].due_by == D(2027, 3, 31)
    assert any("year 2 is recorded as an SSA (assessment 4), where the rules estimate a VUSA" in w for w in p.warnings)


def test_assessments_of_an_earlier_cycle_are_left_out(rules):
    old_vusa = done(2, "vusa", 2, D(2024, 1, 31))  # fieldwork ended before this cycle began
    old_ssa = done(3, "ssa", 3, None, status="closed")  # closed, never dated: an earlier cycle's
    p = plan(rules, assessments=[old_vusa, old_ssa])
    assert [y.basis for y in p.years] == ["estimate"] * 3
    assert dues(p) == [START, D(2026, 3, 31), D(2027, 3, 31)]


def test_without_a_cycle_start_the_recorded_fieldwork_still_dates_the_next_year(rules):
    p = plan(rules, assessments=[done(9, "vusa", 2, D(2025, 5, 31))], cycle_start=None)
    assert dues(p) == [None, None, D(2026, 5, 31)]
    assert any("no cycle start recorded" in w for w in p.warnings)


def test_fieldwork_with_no_cycle_year_is_not_counted_and_the_plan_asks_for_one(rules):
    p = plan(rules, assessments=[done(11, "follow-up", None, D(2025, 9, 30))])
    assert p.years[2].due_basis == "estimate"
    assert ("assessment 11 (follow-up) has its fieldwork recorded as ending on 2025-09-30 but no cycle year: give "
            "it one so that the plan counts the next due date from it") in p.warnings


def test_a_year_1_fieldwork_end_unlike_the_cycle_start_is_pointed_out(rules):
    p = plan(rules, assessments=[done(1, "fusa", 1, D(2025, 4, 4))])
    assert ("the year-1 FUSA's fieldwork is recorded as ending on 2025-04-04 (assessment 1), but the cycle start is "
            "2025-03-31: if that assessment began this cycle, set the cycle start to 2025-04-04") in p.warnings
    assert p.years[1].due_by == D(2026, 4, 4)


def test_rules_that_do_not_say_who_conducts_each_type_leave_the_estimate(rules):
    doc = _doc()
    del doc["conducted_by"]
    older = parse_rules("older.yaml", doc)
    p = plan(older, assessments=[done(7, "vusa", 2, D(2026, 1, 31))])
    assert p.years[2].due_by == D(2027, 3, 31) and p.years[2].due_basis == "estimate"
    assert any("do not say who conducts each type of assessment" in w and "rules load --shipped" in w
               for w in p.warnings)


# --- SECAS's advice ---------------------------------------------------------------------------


def advised(year: int, kind: str, on: D = ADVISED_ON, *, cycle_start: D | None = START, reference: str = "SA-1"):
    return Advice(year=year, type=kind, advised_on=on, reference=reference, cycle_start=cycle_start)


def test_advice_that_agrees_with_the_estimate(rules):
    p = plan(rules, advice=[advised(3, "SSA")])
    year3 = p.years[2]
    assert (year3.type, year3.basis, year3.estimated_type) == ("SSA", "secas-advice", "SSA")
    assert ("SECAS advised an SSA on 2025-05-01 (reference SA-1) for year 3: SECAS counts the Smart Metering "
            "Inventory and advises the type, so its advice is the authority") in year3.reasons
    assert not any("SECAS advised" in w for w in p.warnings)
    assert year3.as_dict()["advice"] == {"type": "SSA", "advised_on": "2025-05-01", "reference": "SA-1",
                                         "cycle_start": "2025-03-31"}


def test_advice_that_disagrees_is_the_authority_with_a_warning(rules):
    p = plan(rules, advice=[advised(3, "VUSA")])
    year3 = p.years[2]
    assert (year3.type, year3.basis, year3.estimated_type) == ("VUSA", "secas-advice", "SSA")
    assert ("year 3: SECAS advised a VUSA on 2025-05-01 (reference SA-1), where the rules estimate an SSA: the plan "
            "follows SECAS's advice") in p.warnings


def test_advice_for_another_cycle_is_left_out(rules):
    p = plan(rules, advice=[advised(3, "VUSA", D(2022, 5, 1), cycle_start=D(2022, 3, 31))])
    assert p.years[2].type == "SSA" and p.years[2].basis == "estimate"
    assert any(w.startswith("year 3: SECAS advised a VUSA on 2022-05-01") and "for the cycle whose start was "
               "2022-03-31, not this one" in w for w in p.warnings)


def test_a_recorded_assessment_unlike_the_advice_is_pointed_out(rules):
    p = plan(rules, assessments=[done(12, "ssa", 3, None, status="draft")], advice=[advised(3, "VUSA")])
    year3 = p.years[2]
    assert (year3.type, year3.basis) == ("SSA", "recorded")
    assert ("year 3 is recorded as an SSA (assessment 12), but SECAS advised a VUSA on 2025-05-01 (reference SA-1): "
            "check the assessment's type with SECAS") in p.warnings
    assert not any("the plan follows SECAS's advice" in w for w in p.warnings)  # it follows the recorded type


# --- how sure the estimate is -------------------------------------------------------------------


def test_year_3_over_the_thresholds_is_tagged_recalled(rules):
    p = plan(rules, snapshots=OVER)
    year2, year3 = p.years[1], p.years[2]
    assert (year3.type, year3.confidence) == ("VUSA", "R")
    assert ("rule CY-SUPPLIER-NETWORK-OVER is recalled, to check (confidence R): no public source found states the "
            "year-3 type here; SECAS advises the type, and its advice is the authority") in year3.reasons
    assert year3.as_dict()["confidence"] == "R"
    # Year 2 is a VUSA whichever side of the thresholds: it does not rest on the recalled rule.
    assert year2.confidence == "I" and not any("recalled" in r for r in year2.reasons)
    under = plan(rules)
    assert under.years[2].confidence == "I" and not any("recalled" in r for r in under.years[2].reasons)


def test_the_shipped_over_rule_is_marked_recalled(rules):
    over = rules.rule("CY-SUPPLIER-NETWORK-OVER")
    assert (over.confidence, over.verified) == ("R", False)
    assert "no public source found states" in over.explanation


def test_a_plan_with_everything_is_json(rules):
    import json

    p = plan(rules, snapshots=OVER, assessments=[done(7, "vusa", 2, D(2026, 1, 31))],
             advice=[advised(3, "FUSA")], today=D(2026, 2, 1))
    d = p.as_dict()
    assert json.loads(json.dumps(d)) == d
    assert [y["basis"] for y in d["cycle"]] == ["estimate", "recorded", "secas-advice"]
    assert d["cycle"][1]["assessment"] == {"id": 7, "type": "vusa", "status": "submitted",
                                           "fieldwork_start": "2026-01-27", "fieldwork_end": "2026-01-31"}
