"""Work on many items at once: checking and confirming the ticked rows and answers (each under the
rules of a single one, each in its own transaction, each refusal listed with its reason), the
progress counts that link to the list filtered to exactly those items, long lists a page at a time
at a fixed number of queries, and the evidence picker's search within the organisation."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.assessments import actions
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from tests.assessments import helpers
from tests.assessments.helpers import S

HX = {"HTTP_HX_REQUEST": "true"}
MAKER_CHECKER = "you made the last change to this item; someone else must check it"
UNCONFIRMED = "this item was carried forward and is not yet confirmed; its author confirms it first"


def _url(a, rest=""):
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/{rest}"


def _catalogue(write, rows: int, questions: int, version: str):
    """A published sec-g version of ``rows`` obligations N0, N1 ... and ``questions`` questions
    Q0, Q1 ..., all applying to everyone; the last of several is answered in words, the others
    Yes or No."""
    text = helpers.numbered(rows, version)
    if questions:
        text += "questions:\n" + "".join(
            f"  - {{ref: Q{i}, text: Question {i}?, topic: changes, clauses: [N0], categories: [all]"
            + (", answer_kind: text}\n" if i == questions - 1 > 0 else "}\n")
            for i in range(questions))
    return helpers.load_text(write, text, f"{version}.yaml")


def _carried(write, org, by, rows: int = 6, questions: int = 4):
    """An SSA in preparation carried forward from a submitted FUSA, every row compliant, every
    answer Yes (the one in words, "as before"), none of it confirmed yet."""
    catalogue = _catalogue(write, rows, questions, f"bulk{rows}")
    base = actions.create_assessment(org, kind="fusa", by=by, catalogue=catalogue, title="FUSA 2025").assessment
    base.rows.update(status="compliant", narrative="met last year")
    base.answers.update(answer="yes", narrative="as before")
    Assessment.objects.filter(pk=base.pk).update(status=S.SUBMITTED, submitted_at=timezone.now())
    base.refresh_from_db()
    ssa = actions.create_assessment(org, kind="ssa", by=by, baseline=base, catalogue=catalogue,
                                    title="SSA 2026").assessment
    Assessment.objects.filter(pk=ssa.pk).update(status=S.PREPARATION)
    ssa.refresh_from_db()
    return ssa


def _ids(assessment, *refs: str) -> list[int]:
    rows = dict(assessment.rows.values_list("obligation__ref", "pk"))
    answers = dict(assessment.answers.values_list("question__ref", "pk"))
    return [rows.get(ref) or answers[ref] for ref in refs]


def _confirm(assessment, by, *refs: str) -> None:
    for ref in refs:
        item = helpers.row(assessment, ref) if ref.startswith("N") else helpers.answer(assessment, ref)
        save = actions.save_row if ref.startswith("N") else actions.save_answer
        save(item, by=by, revision=item.revision)


def _events(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action).order_by("seq"))


def _checked(assessment) -> dict[str, str | None]:
    return dict(assessment.rows.values_list("obligation__ref", "checked_by__email"))


@pytest.fixture
def prepared(write, org_a, alice, bob):
    """Bob confirmed N0 and N1, Alice N2; N3, N4 and N5 are still carried forward, unconfirmed."""
    ssa = _carried(write, org_a, alice)
    _confirm(ssa, bob, "N0", "N1")
    _confirm(ssa, alice, "N2")
    return ssa


# --- checking many ---------------------------------------------------------------------------------


def test_check_many_checks_what_it_may_and_lists_each_refusal_with_its_reason(prepared, alice):
    done = actions.check_many(prepared, "rows", _ids(prepared, "N0", "N1", "N2", "N3", "N4"), by=alice)

    assert done.done == ["N0", "N1"]
    assert done.refused == [("N2", MAKER_CHECKER), ("N3", UNCONFIRMED), ("N4", UNCONFIRMED)]
    assert _checked(prepared) == {"N0": "alice@a.test", "N1": "alice@a.test", "N2": None, "N3": None, "N4": None,
                                  "N5": None}
    events = _events("assessments.row.checked")  # one per item checked, as a single check writes
    assert [e.object_repr for e in events] == ["N0", "N1"]
    assert all(e.after == {"checked_by": "alice@a.test", "revision": 2} for e in events)


def test_check_many_refuses_what_changed_since_the_page_was_drawn_and_what_is_already_checked(prepared, alice,
                                                                                            bob, dave):
    n0, n1 = _ids(prepared, "N0", "N1")
    actions.check_item(helpers.row(prepared, "N0"), by=dave, revision=2)
    # Alice's page showed N1 at revision 1, before Bob confirmed it.
    done = actions.check_many(prepared, "rows", [n0, n1], by=alice, revisions={n0: 2, n1: 1})
    assert done.done == []
    assert done.refused == [("N0", "already checked by dave@a.test"),
                            ("N1", "bob@a.test changed it after you opened the page; look at it again first")]
    assert _checked(prepared)["N0"] == "dave@a.test" and _checked(prepared)["N1"] is None
    assert len(_events("assessments.row.checked")) == 1


def test_check_many_leaves_alone_what_nobody_prepared_and_what_is_not_in_the_assessment(write, org_a, alice, bob):
    fresh = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=_catalogue(write, 2, 0, "fresh"),
                                      title="Fresh").assessment
    other = actions.create_assessment(org_a, kind="fusa", by=alice, catalogue=fresh.catalogue).assessment
    stranger = other.rows.first()
    actions.save_row(helpers.row(other, stranger.obligation.ref), by=bob, revision=1, status="compliant")
    done = actions.check_many(fresh, "rows", [*_ids(fresh, "N0"), stranger.pk], by=alice)
    assert done.done == []
    assert done.refused == [("N0", "nobody has prepared it yet, so there is nothing to check"),
                            (f"#{stranger.pk}", "not an item of this assessment")]
    assert ValidationRow.objects.get(pk=stranger.pk).checked_by is None


def test_each_item_is_its_own_transaction(prepared, alice, monkeypatch):
    """An item that fails after writing is undone alone: the others stay checked."""
    real = actions.check_item

    def failing_on_n1(item, *, by, revision):
        checked = real(item, by=by, revision=revision)
        if item.obligation.ref == "N1":
            raise ActionError("the disk is full")
        return checked

    monkeypatch.setattr(actions, "check_item", failing_on_n1)
    done = actions.check_many(prepared, "rows", _ids(prepared, "N0", "N1"), by=alice)
    assert done.done == ["N0"] and done.refused == [("N1", "the disk is full")]
    assert _checked(prepared)["N0"] == "alice@a.test" and _checked(prepared)["N1"] is None
    assert [e.object_repr for e in _events("assessments.row.checked")] == ["N0"]


def test_check_many_refuses_as_a_whole_who_may_not_check_and_a_locked_assessment(prepared, olive, alice):
    ids = _ids(prepared, "N0", "N1")
    with pytest.raises(ActionError, match=r"\(assessments\.check\)"):
        actions.check_many(prepared, "rows", ids, by=olive)
    with pytest.raises(ActionError, match="a check is made by a person, through the web"):
        actions.check_many(prepared, "rows", ids, by=None)
    Assessment.objects.filter(pk=prepared.pk).update(status=S.SIGN_OFF)
    prepared.refresh_from_db()
    with pytest.raises(ActionError, match="locked"):
        actions.check_many(prepared, "rows", ids, by=alice)
    assert _events("assessments.row.checked") == []


def test_a_bulk_check_costs_a_fixed_number_of_queries_per_item_and_one_read_of_the_items(write, org_a, alice, bob):
    ssa = _carried(write, org_a, alice, rows=6, questions=0)
    _confirm(ssa, bob, "N0", "N1", "N2", "N3", "N4", "N5")
    counts, reads = [], []
    for refs in (("N0",), ("N1", "N2"), ("N3", "N4", "N5")):
        ids = _ids(ssa, *refs)
        with CaptureQueriesContext(connection) as queries:
            assert actions.check_many(ssa, "rows", ids, by=alice).done == list(refs)
        counts.append(len(queries))
        reads.append([sum(q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
                          for q in queries.captured_queries)
                      for table in ("assessments_validationrow", "catalogue_obligation", "auth_user")])
    assert counts[2] - counts[1] == counts[1] - counts[0] > 0, counts
    assert reads == [[1, 0, 0]] * 3  # the items and their refs in one read, whatever their number


# --- confirming many -------------------------------------------------------------------------------


def test_confirm_many_saves_each_carried_forward_item_unchanged(prepared, bob):
    done = actions.confirm_many(prepared, "rows", _ids(prepared, "N0", "N3", "N4"), by=bob)
    assert done.done == ["N3", "N4"] and done.refused == [("N0", "already confirmed")]
    rows = {r.obligation.ref: r for r in helpers.rows_of(prepared)}
    for ref in ("N3", "N4"):
        assert rows[ref].confirmed and rows[ref].updated_by == bob and rows[ref].revision == 2
        assert (rows[ref].status, rows[ref].narrative) == ("compliant", "met last year")  # unchanged
    assert not rows["N5"].confirmed
    events = [e for e in _events("assessments.row.saved") if e.object_repr in ("N3", "N4")]
    assert [e.object_repr for e in events] == ["N3", "N4"]
    assert all(e.reason == "confirmed carried-forward content" and e.after == {} for e in events)


def test_confirm_many_answers_and_refuses_one_that_would_not_save(prepared, bob):
    q1 = helpers.answer(prepared, "Q1")
    QuestionAnswer.objects.filter(pk=q1.pk).update(material=True)  # carried without its rationale
    done = actions.confirm_many(prepared, "answers", _ids(prepared, "Q0", "Q1", "Q2"), by=bob)
    assert done.done == ["Q0", "Q2"]
    assert done.refused == [("Q1", "Q1: a material increase in risk needs its rationale")]
    assert dict(prepared.answers.values_list("question__ref", "confirmed")) == {"Q0": True, "Q1": False,
                                                                               "Q2": True, "Q3": False}
    assert len(_events("assessments.answer.saved")) == 2


def test_an_approver_may_check_many_but_not_confirm_them(prepared, dave):
    with pytest.raises(ActionError, match=r"\(assessments\.edit\)"):
        actions.confirm_many(prepared, "rows", _ids(prepared, "N3"), by=dave)
    assert actions.check_many(prepared, "rows", _ids(prepared, "N0"), by=dave).done == ["N0"]


# --- through the pages -----------------------------------------------------------------------------


def _tick(assessment, kind: str, *refs: str, **extra) -> dict:
    items = assessment.rows if kind == "rows" else assessment.answers
    found = {i.pk: i for i in items.filter(pk__in=_ids(assessment, *refs))}
    return {kind: list(found), **{f"revision-{pk}": i.revision for pk, i in found.items()}, **extra}


def test_a_checker_checks_the_ticked_rows_and_the_page_lists_the_refusals(client, prepared, alice):
    client.force_login(alice)
    workspace = client.get(_url(prepared)).content.decode()
    assert 'value="Check selected"' in workspace and 'value="Confirm selected"' in workspace
    assert 'data-select-all="rows"' in workspace

    response = client.post(_url(prepared, "rows/check/"),
                           _tick(prepared, "rows", "N0", "N1", "N2", "N3", next=_url(prepared, "?group=G3")))
    assert response.status_code == 302 and response["Location"] == _url(prepared, "?group=G3")
    page = client.get(response["Location"]).content.decode()
    assert "2 checked; 2 refused:" in page
    assert f'<span class="ref">N2</span>: {MAKER_CHECKER.capitalize()}' in page
    assert f'<span class="ref">N3</span>: {UNCONFIRMED.capitalize()}' in page
    assert "refused:" not in client.get(_url(prepared)).content.decode()  # shown once
    assert _checked(prepared) == {"N0": "alice@a.test", "N1": "alice@a.test", "N2": None, "N3": None, "N4": None,
                                  "N5": None}
    assert len(_events("assessments.row.checked")) == 2


def test_confirming_the_ticked_questions_through_the_page(client, prepared, bob):
    client.force_login(bob)
    questions = client.get(_url(prepared, "questions/")).content.decode()
    assert 'name="answers"' in questions and 'data-select-all="answers"' in questions
    response = client.post(_url(prepared, "answers/confirm/"), _tick(prepared, "answers", "Q0", "Q2"))
    assert response["Location"] == _url(prepared, "questions/")
    page = client.get(response["Location"]).content.decode()
    assert "2 confirmed." in page
    assert dict(prepared.answers.values_list("question__ref", "confirmed")) == {"Q0": True, "Q1": False,
                                                                               "Q2": True, "Q3": False}


def test_nothing_ticked_is_said_and_nothing_done(client, prepared, alice):
    client.force_login(alice)
    page = client.post(_url(prepared, "rows/check/"), {}, follow=True).content.decode()
    assert "Tick the rows first" in page
    assert _events("assessments.row.checked") == []


def test_an_approver_is_offered_the_check_but_not_the_confirmation(client, prepared, dave):
    client.force_login(dave)
    page = client.get(_url(prepared)).content.decode()
    assert 'value="Check selected"' in page and 'value="Confirm selected"' not in page
    assert 'name="rows"' in page and 'id="bulk-owner"' not in page
    assert client.post(_url(prepared, "rows/confirm/"), _tick(prepared, "rows", "N3")).status_code == 403
    assert not ValidationRow.objects.get(pk=_ids(prepared, "N3")[0]).confirmed


def test_an_observer_is_refused_and_nothing_is_written(client, prepared, olive):
    client.force_login(olive)
    page = client.get(_url(prepared)).content.decode()
    assert 'form="bulk"' not in page and "Check selected" not in page
    for rest in ("rows/check/", "rows/confirm/", "answers/check/", "answers/confirm/"):
        kind = rest.split("/")[0]
        refs = ("N0", "N3") if kind == "rows" else ("Q0",)
        assert client.post(_url(prepared, rest), _tick(prepared, kind, *refs)).status_code == 403, rest
    assert _events("assessments.row.checked") == _events("assessments.answer.checked") == []
    assert not prepared.rows.filter(checked_by__isnull=False).exists()
    assert prepared.rows.filter(confirmed=False).count() == 3


def test_a_contributor_of_another_organisation_gets_404_and_nothing_is_written(client, prepared, org_b):
    stranger = helpers.member(org_b, "carl@b.test", "contributor")
    client.force_login(stranger)
    events = Event.objects.count()
    for rest in ("rows/check/", "rows/confirm/", "answers/confirm/", "documents/"):
        kind = rest.split("/")[0]
        data = _tick(prepared, kind, "Q0") if kind == "answers" else _tick(prepared, "rows", "N0", "N3")
        assert client.post(_url(prepared, rest), data).status_code in (404, 405), rest
        if rest == "documents/":
            assert client.get(_url(prepared, rest)).status_code == 404
        # ... and through their own organisation's address, with org A's ids
        assert client.post(f"/orgs/{org_b.slug}/assessments/{prepared.pk}/{rest}", data).status_code in (404, 405)
    assert Event.objects.count() == events
    assert not prepared.rows.filter(checked_by__isnull=False).exists()
    assert prepared.rows.filter(confirmed=False).count() == 3
    assert prepared.answers.filter(confirmed=False).count() == 4


def test_showing_the_outcome_costs_the_same_queries_however_many_items_it_lists(client, write, org_a, alice, bob):
    ssa = _carried(write, org_a, alice, rows=8, questions=0)
    client.force_login(alice)
    client.get(_url(ssa))
    counts = []
    for refs in (("N0",), ("N1", "N2", "N3", "N4", "N5", "N6")):
        client.post(_url(ssa, "rows/check/"), _tick(ssa, "rows", *refs))  # refused: none confirmed yet
        with CaptureQueriesContext(connection) as queries:
            page = client.get(_url(ssa)).content.decode()
        assert f"0 checked; {len(refs)} refused:" in page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- counts that link to their filter ---------------------------------------------------------------


_COUNT = re.compile(r'<a (?:class="warn-text" )?href="([^"]+)">(\d+) ([^<]+)</a>')


def test_each_count_links_to_the_list_of_exactly_those_items(client, prepared, alice, bob):
    actions.check_item(helpers.row(prepared, "N0"), by=alice, revision=2)
    actions.save_row(helpers.row(prepared, "N1"), by=bob, revision=2, status="partial")
    actions.save_row(helpers.row(prepared, "N5"), by=bob, revision=1, status="not-assessed")  # confirmed, blank
    _confirm(prepared, bob, "Q0")
    actions.check_item(helpers.answer(prepared, "Q0"), by=alice, revision=2)
    actions.save_answer(helpers.answer(prepared, "Q1"), by=bob, revision=1, answer="")  # confirmed, unanswered
    client.force_login(alice)

    counts = {}
    for base in (_url(prepared), _url(prepared, "questions/")):
        box = client.get(base).content.decode().split('id="progress"')[1].split("</div>")[0]
        for href, number, what in _COUNT.findall(box):
            counts[(href, what)] = int(number)
    expected = {("rows", "not assessed"): 1, ("rows", "not checked"): 5,
                ("rows", "carried forward, not yet confirmed"): 2,
                ("questions", "unanswered"): 1, ("questions", "not checked"): 3,
                ("questions", "carried forward, not yet confirmed"): 2}
    assert {("questions" if "questions/" in href else "rows", what): n for (href, what), n in counts.items()} \
        == expected
    for (href, what), number in counts.items():
        assert href.startswith(_url(prepared)) and "?" in href
        shown = client.get(href).content.decode()
        assert shown.count('<tr id="item-') == number, (href, what)
    # and the items they show are those the count is about
    shown = client.get(_url(prepared, "?unconfirmed=1")).content.decode()
    assert re.findall(r'<td class="ref">([^<]+)</td>', shown) == ["N3", "N4"]
    shown = client.get(_url(prepared, "questions/?unanswered=1")).content.decode()
    assert re.findall(r'<td class="ref">([^<]+)</td>', shown) == ["Q1"]


# --- long lists -------------------------------------------------------------------------------------


def _refs(page: str) -> list[str]:
    return re.findall(r'<td class="ref">([^<]+)</td>', page)


def test_a_long_workspace_is_shown_a_page_at_a_time_keeping_the_filters(client, write, org_a, alice):
    big = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=_catalogue(write, 450, 0, "n450"),
                                    title="Big").assessment
    client.force_login(alice)
    first = client.get(_url(big)).content.decode()
    assert _refs(first) == [f"N{i}" for i in range(200)]
    assert "Rows 1–200 of 450" in first
    assert 'href="?page=3"' in first and 'aria-current="page"' in first
    third = client.get(_url(big, "?page=3")).content.decode()
    assert _refs(third) == [f"N{i}" for i in range(400, 450)] and "Rows 401–450 of 450" in third
    filtered = client.get(_url(big, "?group=G3&unanswered=1")).content.decode()
    assert 'href="?group=G3&amp;unanswered=1&amp;page=2"' in filtered
    second = client.get(_url(big, "?group=G3&unanswered=1&page=2")).content.decode()
    assert _refs(second) == [f"N{i}" for i in range(200, 400)]
    assert 'name="unanswered" value="1" checked' in second  # the filter is still applied, and shown
    beyond = client.get(_url(big, "?page=9")).content.decode()
    assert _refs(beyond) == [] and "There is no page 9" in beyond
    small = client.get(_url(big, "?status=compliant")).content.decode()
    assert "No row matches these filters." in small and 'class="pager"' not in small


def test_the_first_page_costs_the_same_queries_for_50_rows_as_for_600(client, write, org_a, alice):
    """Each row with its evidence: only the page's rows and links are read."""
    counts = []
    client.force_login(alice)
    policy = evidence.add_document(org_a, title="Security policy", doc_type="policy", by=None)
    for n in (50, 600):
        assessment = actions.create_assessment(org_a, kind="ssa", by=alice,
                                               catalogue=_catalogue(write, n, 0, f"n{n}"), title=f"{n}").assessment
        EvidenceLink.objects.bulk_create([EvidenceLink(assessment=assessment, row=row, document=policy)
                                          for row in assessment.rows.all()])
        client.get(_url(assessment))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            page = client.get(_url(assessment)).content.decode()
        assert page.count('<tr id="item-') == page.count("Security policy</span>") == min(n, 200)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- the evidence picker -----------------------------------------------------------------------------


@pytest.fixture
def register(org_a, org_b):
    """Org A's register of 25 records and an access control policy; org B's own policy."""
    for i in range(25):
        evidence.add_document(org_a, title=f"Record {i:02d}", doc_type="record", by=None)
    evidence.add_document(org_a, title="Access Control Policy", doc_type="policy", by=None)
    evidence.add_document(org_b, title="Access Control Policy of Bravo", doc_type="policy", by=None)


def _offered(page: str) -> list[str]:
    """The documents the picker offers: on a page, in its select; alone, the options the search gave."""
    picker = re.search(r'<select id="doc-\d+" name="document"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option value="\d+">([^<]*)</option>', picker.group(1) if picker else page)


def test_the_picker_searches_the_organisations_register_by_title_twenty_at_most(client, prepared, register, bob):
    client.force_login(bob)
    row = helpers.row(prepared, "N0")
    form = client.get(_url(prepared, f"rows/{row.pk}/?edit=1"), **HX).content.decode()
    assert _offered(form) == ["Access Control Policy"] + [f"Record {i:02d}" for i in range(19)]
    assert "More documents match" in form and 'name="q"' in form

    found = client.get(_url(prepared, "documents/?q=access"), **HX).content.decode()
    assert _offered(found) == ["Access Control Policy"] and "More documents match" not in found
    assert _offered(client.get(_url(prepared, "documents/?q=record 2")).content.decode()) == [
        "Record 02", "Record 12", "Record 20", "Record 21", "Record 22", "Record 23", "Record 24"]
    assert _offered(client.get(_url(prepared, "documents/?q=bravo")).content.decode()) == []
    assert "No document in the register matches" in client.get(_url(prepared, "documents/?q=bravo")).content.decode()

    # without JavaScript the search reloads the item's page
    page = client.get(_url(prepared, f"rows/{row.pk}/?q=policy")).content.decode()
    assert _offered(page) == ["Access Control Policy"] and 'value="policy"' in page


def test_the_picker_search_is_for_those_who_may_link_evidence(client, prepared, register, olive, mallory):
    client.force_login(olive)
    assert client.get(_url(prepared, "documents/?q=access")).status_code == 403
    client.force_login(mallory)
    assert client.get(_url(prepared, "documents/?q=access")).status_code == 404
    mine = Assessment.objects.filter(organisation=prepared.organisation).first()
    assert client.get(f"/orgs/org-b/assessments/{mine.pk}/documents/?q=access").status_code == 404
