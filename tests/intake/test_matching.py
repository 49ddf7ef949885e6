"""Matching the reference a client wrote to the catalogue's: tolerant of how it is written, never of
a different number."""

from __future__ import annotations

import pytest

from secassure.exchange.intake.matching import Match, match_ref

CLAUSES = ["G3.1", "G3.2", "G3.3", "G3.4", "G3.10", "G3.11", "G5.14", "G8.28(b)"]
QUESTIONS = ["SSA-01", "SSA-02", "SSA-03", "SSA-12"]


def test_the_reference_as_it_is():
    assert match_ref("G3.1", CLAUSES) == Match("G3.1", "exact", "certain")
    assert match_ref("  G3.10 ", CLAUSES) == Match("G3.10", "exact", "certain")
    assert match_ref("G8.28(b)", CLAUSES) == Match("G8.28(b)", "exact", "certain")


@pytest.mark.parametrize("text", ["G 3.1", "g3.1", "SEC G3.1", "sec g3.1", "Section G3.1", "G3.1.", "Clause G3.1:",
                                  " G3 .1 "])
def test_written_differently(text):
    assert match_ref(text, CLAUSES) == Match("G3.1", "written differently", "certain")


@pytest.mark.parametrize("text, ref", [("G3.10", "G3.10"), ("G 3.10", "G3.10"), ("G3.11", "G3.11"),
                                       ("SEC G3.10", "G3.10"), ("G3.10(a)", "G3.10")])
def test_g3_1_is_never_g3_10(text, ref):
    assert match_ref(text, CLAUSES).ref == ref
    assert match_ref(text, ["G3.1"]).ref is None  # not even when G3.1 is the only reference there is


@pytest.mark.parametrize("text", ["G3.1(a)", "G3.1 (b)(ii)", "G3.1.2", "G3.1a", "SEC G3.1(c)"])
def test_a_sub_clause_of_a_reference_that_exists(text):
    assert match_ref(text, CLAUSES) == Match("G3.1", "sub-clause", "likely")


def test_a_sub_clause_that_exists_is_itself():
    assert match_ref("G3.1(a)", ["G3.1", "G3.1(a)"]) == Match("G3.1(a)", "exact", "certain")
    assert match_ref("G3.1 (a)", ["G3.1", "G3.1(a)"]) == Match("G3.1(a)", "written differently", "certain")
    assert match_ref("G8.28 (B)", CLAUSES) == Match("G8.28(b)", "written differently", "certain")
    assert match_ref("G8.28", CLAUSES).ref is None  # a clause is not its own sub-clause


@pytest.mark.parametrize("text", ["SSA-1", "SSA 01", "ssa01", "SSA.1", "Q1", "q 1", "Question 1", "1"])
def test_question_references(text):
    assert match_ref(text, QUESTIONS) == Match("SSA-01", "written differently", "likely")


def test_question_references_that_name_nothing():
    assert match_ref("Q4", QUESTIONS).ref is None
    assert match_ref("SSA-21", QUESTIONS).ref is None
    assert match_ref("SSA-012", QUESTIONS).ref == "SSA-12"
    assert match_ref("Q1", ["SSA-01", "CIO-01"]).ref is None  # two questions numbered 1: no guess


def test_a_question_matched_on_its_official_form():
    refs = ["SSA-01", "SSA-02", "Q1.1", "Q1.2"]  # the caller passes both forms
    assert match_ref("Q1.2", refs) == Match("Q1.2", "exact", "certain")
    assert match_ref("q 1.1", refs) == Match("Q1.1", "written differently", "certain")


def test_a_reference_quoted_in_the_text():
    also = "In line with SEC G3.2, the User shall keep its ISMS under review."
    assert match_ref("", CLAUSES, also=also) == Match("G3.2", "quoted in the text", "possible")
    assert match_ref("see below", CLAUSES, also=also) == Match("G3.2", "quoted in the text", "possible")
    assert match_ref("", CLAUSES, also="as G3.4(a) requires") == Match("G3.4", "quoted in the text", "possible")
    assert match_ref("", ["G3.1"], also="as G3.10 requires").ref is None
    assert match_ref("", ["G3.1"], also="as G3.1.2 requires").ref is None
    assert match_ref("", QUESTIONS, also="See SSA-02 above").ref == "SSA-02"
    assert match_ref("G3.99", CLAUSES, also="under G3.3").ref == "G3.3"  # the cell names nothing that exists


def test_a_title():
    titles = {"G3.1": "Information security management system", "G3.2": "Review of the ISMS"}
    assert match_ref("Information Security Management System.", CLAUSES, titles=titles) == \
        Match("G3.1", "title", "likely")
    assert match_ref("", CLAUSES, also="review of the  ISMS", titles=titles) == Match("G3.2", "title", "likely")
    assert match_ref("Information security", CLAUSES, titles=titles).ref is None  # equality, not likeness
    assert match_ref("G3.3", CLAUSES, titles=titles) == Match("G3.3", "exact", "certain")  # the reference first


def test_nothing():
    assert match_ref("", CLAUSES) == Match(None, "none", "")
    assert match_ref("Notes: see the key below", CLAUSES) == Match(None, "none", "")
    assert match_ref("G3.1", []) == Match(None, "none", "")
