"""Rows and answers: saving (refusing stale saves), confirming carried-forward content, checking
(maker-checker), evidence links, bulk owners, the lock after review, and fixed query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.assessments import access as assessment_access
from secassure.assessments import actions, services
from secassure.assessments.actions import StaleEdit
from secassure.assessments.models import Assessment, ChangeRecord, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from tests.assessments import helpers
from tests.assessments.helpers import S
from tests.evidence import files


@pytest.fixture
def policy(org_a):
    document = evidence.add_document(org_a, title="Security policy", doc_type="policy", by=None)
    evidence.add_version(document, chunks=[files.PDF], name="policy.pdf", by=None)
    return document


def events(action):
    return list(Event.objects.filter(action=action).order_by("seq"))


def carried(org, by):
    """An SSA carried forward from a submitted FUSA whose rows and answers were all filled in."""
    base = actions.create_assessment(org, kind="fusa", by=by, title="FUSA 2025").assessment
    base.rows.update(status="compliant", narrative="met last year")
    base.answers.update(answer="yes", narrative="as before")
    Assessment.objects.filter(pk=base.pk).update(status=S.SUBMITTED, submitted_at=timezone.now())
    base.refresh_from_db()
    return actions.create_assessment(org, kind="ssa", by=by, baseline=base).assessment


# --- saving ---------------------------------------------------------------------------------------


def test_save_row_sets_fields_bumps_revision_clears_the_check_and_audits_what_changed(a, alice, bob):
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=1, status="compliant", narrative="Network access control")
    actions.check_item(t1, by=alice, revision=2)
    assert ValidationRow.objects.get(pk=t1.pk).checked_by == alice

    t1 = helpers.row(a, "T1")
    saved = actions.save_row(t1, by=bob, revision=2, status="compliant", narrative="  NAC on every port  ",
                             last_tested=dt.date(2024, 1, 15), owner=bob)

    db = ValidationRow.objects.get(pk=t1.pk)
    assert (db.status, db.narrative, db.last_tested, db.owner) == ("compliant", "NAC on every port",
                                                                   dt.date(2024, 1, 15), bob)
    assert db.revision == 3 and saved.revision == 3
    assert db.updated_by == bob and db.updated_at is not None
    assert db.checked_by is None and db.checked_at is None  # a change clears the check
    event = events("assessments.row.saved")[-1]
    assert event.object_id == str(t1.pk) and event.object_repr == "T1" and event.organisation_id == a.organisation_id
    assert event.before == {"narrative": "Network access control", "last_tested": None, "owner": None}
    assert event.after == {"narrative": "NAC on every port", "last_tested": "2024-01-15", "owner": "bob@a.test"}
    assert event.reason == ""  # status was sent but did not change: it is left out


def test_a_save_that_changes_nothing_on_a_confirmed_row_writes_nothing(a, bob):
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=1, status="not-assessed", narrative="")
    db = ValidationRow.objects.get(pk=t1.pk)
    assert db.revision == 1 and db.updated_by is None
    assert events("assessments.row.saved") == []


def test_a_stale_row_save_is_refused_and_the_first_save_kept(a, alice, bob):
    bobs, alices = helpers.row(a, "T1"), helpers.row(a, "T1")  # both open the row at revision 1
    actions.save_row(bobs, by=bob, revision=1, status="partial", narrative="Bob's words")

    with pytest.raises(StaleEdit) as caught:
        actions.save_row(alices, by=alice, revision=1, status="compliant", narrative="Alice's words")

    message = str(caught.value)
    assert "bob@a.test" in message and "your change was not saved" in message
    current = caught.value.current
    assert (current.status, current.narrative, current.revision, current.updated_by) == (
        "partial", "Bob's words", 2, bob)
    db = ValidationRow.objects.get(pk=bobs.pk)
    assert (db.status, db.narrative, db.revision, db.updated_by) == ("partial", "Bob's words", 2, bob)
    assert [e.after for e in events("assessments.row.saved")] == [{"status": "partial", "narrative": "Bob's words"}]


def test_a_stale_answer_save_is_refused_and_the_first_save_kept(a, alice, bob):
    bobs, alices = helpers.answer(a, "Q1"), helpers.answer(a, "Q1")
    actions.save_answer(bobs, by=bob, revision=1, narrative="Bob's narrative")

    with pytest.raises(StaleEdit) as caught:
        actions.save_answer(alices, by=alice, revision=1, narrative="Alice's narrative")

    assert caught.value.current.narrative == "Bob's narrative" and caught.value.current.revision == 2
    assert caught.value.current.updated_by == bob
    db = QuestionAnswer.objects.get(pk=bobs.pk)
    assert (db.narrative, db.revision, db.updated_by) == ("Bob's narrative", 2, bob)
    assert len(events("assessments.answer.saved")) == 1


def test_a_stale_check_is_refused(a, alice, bob):
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=1, status="compliant")
    seen_by_alice = helpers.row(a, "T1")  # revision 2
    actions.save_row(helpers.row(a, "T1"), by=bob, revision=2, narrative="changed again")

    with pytest.raises(StaleEdit, match="it was changed after you opened it; check the new version") as caught:
        actions.check_item(seen_by_alice, by=alice, revision=2)

    assert caught.value.current.revision == 3 and caught.value.current.narrative == "changed again"
    assert ValidationRow.objects.get(pk=t1.pk).checked_by is None
    assert events("assessments.row.checked") == []


def test_save_answer_sets_the_answer(a, bob):
    """The answer is the one thing an answer is for. save_answer's first parameter is itself called
    ``answer``: unless it is positional-only, answer=... collides with it (TypeError)."""
    q1 = helpers.answer(a, "Q1")
    actions.save_answer(q1, by=bob, revision=1, answer="yes", narrative="A new site")
    db = QuestionAnswer.objects.get(pk=q1.pk)
    assert (db.answer, db.narrative, db.revision, db.updated_by) == ("yes", "A new site", 2, bob)
    assert events("assessments.answer.saved")[-1].after == {"answer": "yes", "narrative": "A new site"}


def test_save_answer_records_a_material_increase_with_its_rationale(a, bob):
    q1 = helpers.answer(a, "Q1")
    actions.save_answer(q1, by=bob, revision=1, material=True, material_rationale="a new hosting provider")
    db = QuestionAnswer.objects.get(pk=q1.pk)
    assert db.material is True and db.material_rationale == "a new hosting provider" and db.revision == 2
    assert events("assessments.answer.saved")[-1].before == {"material": False, "material_rationale": ""}


# --- carried-forward content -----------------------------------------------------------------------


def test_saving_a_carried_forward_row_unchanged_confirms_it(org_a, cat, alice, bob):
    helpers.hold(org_a, "import-supplier")
    ssa = carried(org_a, alice)
    t1 = helpers.row(ssa, "T1")
    assert t1.carried_forward and not t1.confirmed and t1.status == "compliant"

    actions.save_row(t1, by=bob, revision=1, status="compliant", narrative="met last year")

    db = ValidationRow.objects.get(pk=t1.pk)
    assert db.confirmed is True and db.carried_forward is True
    assert (db.revision, db.updated_by, db.status) == (2, bob, "compliant")
    event = events("assessments.row.saved")[-1]
    assert event.object_id == str(t1.pk)
    assert "confirmed" in event.reason and event.reason == "confirmed carried-forward content"
    assert event.before == {} and event.after == {}


def test_saving_a_carried_forward_answer_unchanged_confirms_it(org_a, cat, alice, bob):
    helpers.hold(org_a, "import-supplier")
    ssa = carried(org_a, alice)
    q1 = helpers.answer(ssa, "Q1")
    actions.save_answer(q1, by=bob, revision=1)
    db = QuestionAnswer.objects.get(pk=q1.pk)
    assert db.confirmed is True and db.revision == 2 and db.updated_by == bob and db.answer == "yes"
    assert events("assessments.answer.saved")[-1].reason == "confirmed carried-forward content"


def test_changing_a_carried_forward_row_confirms_it_too(org_a, cat, alice, bob):
    helpers.hold(org_a, "import-supplier")
    ssa = carried(org_a, alice)
    t2 = helpers.row(ssa, "T2")
    actions.save_row(t2, by=bob, revision=1, status="partial", changed=True, change_note="one site is not covered")
    db = ValidationRow.objects.get(pk=t2.pk)
    assert db.confirmed is True and db.status == "partial" and db.changed is True
    event = events("assessments.row.saved")[-1]
    assert event.reason == ""
    assert event.before == {"status": "compliant", "changed": None, "change_note": ""}


# --- refused saves --------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "message"), [
    ({"status": "not-applicable"}, "T1: say why the obligation does not apply to you"),
    ({"status": "not-applicable", "na_reason": "   "}, "T1: say why the obligation does not apply to you"),
    ({"changed": True}, "say what changed since the baseline"),
    ({"changed": True, "change_note": "  "}, "say what changed since the baseline"),
    ({"last_tested": "tomorrow"}, "the last tested date is in the future"),
    ({"status": "done"}, "'done' is not a compliance status; use one of not-assessed, compliant, partial, "
                         "non-compliant, not-applicable"),
    ({"checked_by": None}, "cannot change checked_by"),
    ({"revision_": 5, "assessment": None}, "cannot change assessment, revision_"),
    ({"narrative": "x" * 20_001}, "how it is met is 20,001 characters long; the most it can be is 20,000"),
])
def test_bad_row_saves_are_refused(a, bob, changes, message):
    if changes.get("last_tested") == "tomorrow":
        changes = {"last_tested": timezone.localdate() + dt.timedelta(days=1)}
    t1 = helpers.row(a, "T1")
    with pytest.raises(ActionError) as caught:
        actions.save_row(t1, by=bob, revision=1, **changes)
    assert str(caught.value) == message
    db = ValidationRow.objects.get(pk=t1.pk)
    assert (db.revision, db.status, db.updated_by) == (1, "not-assessed", None)
    assert events("assessments.row.saved") == []


def test_today_is_not_in_the_future(a, bob):
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=1, last_tested=timezone.localdate())
    assert ValidationRow.objects.get(pk=t1.pk).last_tested == timezone.localdate()


def test_an_owner_who_is_not_a_member_is_refused(a, bob, mallory):
    t1 = helpers.row(a, "T1")
    with pytest.raises(ActionError) as caught:
        actions.save_row(t1, by=bob, revision=1, owner=mallory)
    assert str(caught.value) == "the owner must be a member of Alpha Energy Ltd"
    assert ValidationRow.objects.get(pk=t1.pk).owner is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"material": True}, "Q1: a material increase in risk needs its rationale"),
    ({"material": True, "material_rationale": " "}, "Q1: a material increase in risk needs its rationale"),
    ({"status": "compliant"}, "cannot change status"),
    ({"na_reason": "x"}, "cannot change na_reason"),
    ({"changed": True}, "say what changed since the baseline"),
])
def test_bad_answer_saves_are_refused(a, bob, changes, message):
    q1 = helpers.answer(a, "Q1")
    with pytest.raises(ActionError) as caught:
        actions.save_answer(q1, by=bob, revision=1, **changes)
    assert str(caught.value) == message
    db = QuestionAnswer.objects.get(pk=q1.pk)
    assert (db.revision, db.material, db.updated_by) == (1, False, None)
    assert events("assessments.answer.saved") == []


def test_an_answer_outside_the_vocabulary_is_refused(a, bob):
    q1 = helpers.answer(a, "Q1")
    with pytest.raises(ActionError, match="'maybe' is not an answer to Q1; use one of yes, no, partial, "
                                          "not-applicable"):
        actions.save_answer(q1, by=bob, revision=1, answer="maybe")
    assert QuestionAnswer.objects.get(pk=q1.pk).answer == ""


@pytest.mark.parametrize("role", ["approver", "observer", "cio-reviewer"])
def test_roles_without_edit_may_not_save(a, org_a, role):
    person = helpers.member(org_a, f"{role}@a.test", role)
    with pytest.raises(ActionError) as caught:
        actions.save_row(helpers.row(a, "T1"), by=person, revision=1, status="compliant")
    assert str(caught.value) == "your role in Alpha Energy Ltd does not allow this (assessments.edit)"
    with pytest.raises(ActionError, match=r"\(assessments\.edit\)"):
        actions.save_answer(helpers.answer(a, "Q1"), by=person, revision=1, narrative="x")
    assert ValidationRow.objects.get(assessment=a, obligation__ref="T1").revision == 1


# --- the lock after review ----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "message"), [
    (S.SIGN_OFF, "the assessment is locked while it is management sign-off; return it to preparation to change it"),
    (S.SUBMITTED, "the assessment is locked while it is submitted; an Owner can re-open it, giving a reason"),
])
def test_a_locked_assessment_refuses_changes(a, alice, bob, policy, status, message):
    link = actions.link_evidence(helpers.row(a, "T1"), policy, by=bob)
    link = assessment_access.get_link_for(a, link.pk)
    Assessment.objects.filter(pk=a.pk).update(status=status)
    a.refresh_from_db()
    t1, q1 = helpers.row(a, "T1"), helpers.answer(a, "Q1")
    attempts = {
        "save_row": lambda: actions.save_row(t1, by=bob, revision=1, status="compliant"),
        "save_answer": lambda: actions.save_answer(q1, by=bob, revision=1, narrative="x"),
        "link_evidence": lambda: actions.link_evidence(helpers.row(a, "T2"), policy, by=bob),
        "unlink_evidence": lambda: actions.unlink_evidence(link, by=bob),
        "add_change": lambda: actions.add_change(a, by=bob, area="systems", description="A new firewall"),
        "assign_owner": lambda: actions.assign_owner(a, [t1.pk], bob, by=alice),
        "check_item": lambda: actions.check_item(t1, by=alice, revision=1),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ActionError) as caught:
            attempt()
        assert str(caught.value) == message, name
    assert ValidationRow.objects.get(pk=t1.pk).revision == 1
    assert QuestionAnswer.objects.get(pk=q1.pk).revision == 1
    assert EvidenceLink.objects.filter(assessment=a).count() == 1
    assert not ChangeRecord.objects.exists()


# --- evidence -------------------------------------------------------------------------------------


def test_link_and_unlink_evidence_are_audited(a, bob, policy):
    t1 = helpers.row(a, "T1")
    link = actions.link_evidence(t1, policy, by=bob)
    assert (link.row_id, link.answer_id, link.document_id, link.version_id, link.added_by) == (
        t1.pk, None, policy.pk, None, bob)  # it follows the latest version until submission
    [linked] = events("assessments.evidence.linked")
    assert linked.after == {"item": "T1", "document": "Security policy"}
    answer_link = actions.link_evidence(helpers.answer(a, "Q1"), policy, by=bob)  # the same document elsewhere
    assert answer_link.answer_id is not None and answer_link.row_id is None

    actions.unlink_evidence(assessment_access.get_link_for(a, link.pk), by=bob)

    assert list(EvidenceLink.objects.filter(assessment=a)) == [answer_link]
    [unlinked] = events("assessments.evidence.unlinked")
    assert unlinked.before == {"item": "T1", "document": "Security policy"}
    assert unlinked.object_id == str(link.pk)


def test_a_document_is_linked_to_an_item_only_once(a, bob, policy):
    t1 = helpers.row(a, "T1")
    actions.link_evidence(t1, policy, by=bob)
    with pytest.raises(ActionError) as caught:
        actions.link_evidence(helpers.row(a, "T1"), policy, by=bob)
    assert str(caught.value) == "'Security policy' is already linked here"
    assert EvidenceLink.objects.filter(row=t1).count() == 1
    assert len(events("assessments.evidence.linked")) == 1


def test_another_organisations_document_is_refused(a, bob, org_b):
    theirs = evidence.add_document(org_b, title="Bravo policy", doc_type="policy", by=None)
    with pytest.raises(ActionError) as caught:
        actions.link_evidence(helpers.row(a, "T1"), theirs, by=bob)
    assert str(caught.value) == "that document is not in this organisation's register"
    assert not EvidenceLink.objects.exists()


def test_an_observer_may_not_link_evidence(a, olive, policy):
    with pytest.raises(ActionError, match=r"\(assessments\.edit\)"):
        actions.link_evidence(helpers.row(a, "T1"), policy, by=olive)
    assert not EvidenceLink.objects.exists()


# --- owners in bulk -------------------------------------------------------------------------------


def test_assign_owner_updates_many_rows_in_one_statement_with_one_event(cat, org_a, alice, bob):
    a = actions.create_assessment(org_a, kind="ssa", by=alice).assessment  # no roles: T1, T2, T3
    other = actions.create_assessment(org_a, kind="fusa", by=alice).assessment
    ids = list(a.rows.values_list("pk", flat=True))
    stranger = other.rows.first()

    with CaptureQueriesContext(connection) as queries:
        count = actions.assign_owner(a, [*ids, stranger.pk], bob, by=alice)

    assert count == 3
    assert list(a.rows.order_by("order").values_list("owner__email", "revision")) == [("bob@a.test", 2)] * 3
    assert ValidationRow.objects.get(pk=stranger.pk).owner is None  # another assessment's row is left alone
    row_updates = [q for q in queries.captured_queries
                   if q["sql"].startswith("UPDATE") and "assessments_validationrow" in q["sql"]]
    assert len(row_updates) == 1
    [event] = events("assessments.rows.owner_assigned")
    assert event.object_id == str(a.pk)
    assert event.after["owner"] == "bob@a.test" and sorted(event.after["rows"]) == ["T1", "T2", "T3"]

    assert actions.assign_owner(a, ids, bob, by=alice) == 0  # already theirs: nothing changes, nothing recorded
    assert len(events("assessments.rows.owner_assigned")) == 1


def test_assign_owner_refuses_a_stranger_and_an_observer(a, alice, olive, mallory):
    ids = list(a.rows.values_list("pk", flat=True))
    with pytest.raises(ActionError, match="the owner must be a member of Alpha Energy Ltd"):
        actions.assign_owner(a, ids, mallory, by=alice)
    with pytest.raises(ActionError, match=r"\(assessments\.edit\)"):
        actions.assign_owner(a, ids, alice, by=olive)
    assert not a.rows.filter(owner__isnull=False).exists()
    assert events("assessments.rows.owner_assigned") == []


# --- maker-checker --------------------------------------------------------------------------------


def test_the_maker_may_not_check_their_own_change(a, alice, bob, dave):
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=1, status="compliant")
    with pytest.raises(ActionError) as caught:
        actions.check_item(helpers.row(a, "T1"), by=bob, revision=2)
    assert str(caught.value) == "you made the last change to this item; someone else must check it"
    assert ValidationRow.objects.get(pk=t1.pk).checked_by is None

    checked = actions.check_item(helpers.row(a, "T1"), by=alice, revision=2)

    db = ValidationRow.objects.get(pk=t1.pk)
    assert db.checked_by == alice and db.checked_at is not None and checked.checked_by == alice
    assert db.revision == 2 and db.updated_by == bob  # a check changes no content
    [event] = events("assessments.row.checked")
    assert event.after == {"checked_by": "alice@a.test", "revision": 2} and event.object_id == str(t1.pk)

    q1 = helpers.answer(a, "Q1")
    actions.save_answer(q1, by=alice, revision=1, narrative="x")
    actions.check_item(helpers.answer(a, "Q1"), by=dave, revision=2)  # an Approver checks too
    assert QuestionAnswer.objects.get(pk=q1.pk).checked_by == dave
    assert events("assessments.answer.checked")[0].after == {"checked_by": "dave@a.test", "revision": 2}


def test_an_observer_may_not_check(a, bob, olive):
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=1, status="compliant")
    with pytest.raises(ActionError) as caught:
        actions.check_item(helpers.row(a, "T1"), by=olive, revision=2)
    assert str(caught.value) == "your role in Alpha Energy Ltd does not allow this (assessments.check)"
    assert ValidationRow.objects.get(pk=t1.pk).checked_by is None


def test_the_command_line_may_not_check(a, bob):
    actions.save_row(helpers.row(a, "T1"), by=bob, revision=1, status="compliant")
    with pytest.raises(ActionError, match="a check is made by a person, through the web"):
        actions.check_item(helpers.row(a, "T1"), by=None, revision=2)


def test_an_unconfirmed_carried_forward_item_may_not_be_checked(org_a, cat, alice, bob):
    helpers.hold(org_a, "import-supplier")
    ssa = carried(org_a, alice)
    message = "this item was carried forward and is not yet confirmed; its author confirms it first"
    with pytest.raises(ActionError) as caught:
        actions.check_item(helpers.row(ssa, "T1"), by=bob, revision=1)
    assert str(caught.value) == message
    with pytest.raises(ActionError, match=message):
        actions.check_item(helpers.answer(ssa, "Q1"), by=bob, revision=1)
    assert not ValidationRow.objects.filter(assessment=ssa, checked_by__isnull=False).exists()
    actions.save_row(helpers.row(ssa, "T1"), by=alice, revision=1)  # alice confirms it
    actions.check_item(helpers.row(ssa, "T1"), by=bob, revision=2)
    assert ValidationRow.objects.get(assessment=ssa, obligation__ref="T1").checked_by == bob


# --- query counts ---------------------------------------------------------------------------------


def test_progress_is_one_query_whatever_the_size(write, a, org_a, alice, bob, django_assert_num_queries):
    actions.save_row(helpers.row(a, "T1"), by=bob, revision=1, status="partial")
    actions.check_item(helpers.row(a, "T1"), by=alice, revision=2)
    actions.save_answer(helpers.answer(a, "Q1"), by=bob, revision=1, answer="yes", material=True,
                        material_rationale="new site")

    with django_assert_num_queries(1):
        result = services.progress(a)

    assert result["rows"].as_dict() == {"total": 2, "assessed": 1, "checked": 1, "unconfirmed": 0,
                                        "non_compliant": 1, "percent": 50}
    assert result["questions"].as_dict() == {"total": 2, "assessed": 1, "checked": 0, "unconfirmed": 0,
                                             "non_compliant": 1, "percent": 50}
    assert set(result["groups"]) == {"G3"} and result["groups"]["G3"].total == 2

    big_catalogue = helpers.load_text(write, helpers.numbered(200, "n200"), "n200.yaml")
    big = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=big_catalogue).assessment
    with django_assert_num_queries(1):
        result = services.progress(big)
    assert result["rows"].total == 200 and result["questions"].total == 0


def _save_queries(assessment, by, owner) -> list[str]:
    first = assessment.rows.order_by("order").first()
    row = assessment_access.get_row_for(assessment, first.pk)
    with CaptureQueriesContext(connection) as queries:
        actions.save_row(row, by=by, revision=row.revision, status="compliant", narrative="met", owner=owner)
    assert ValidationRow.objects.get(pk=row.pk).revision == 2
    return [q["sql"] for q in queries.captured_queries]


def test_save_row_costs_the_same_queries_for_10_rows_as_for_200(write, cat, org_a, alice, bob):
    small = helpers.load_text(write, helpers.numbered(10, "n10"), "n10.yaml")
    large = helpers.load_text(write, helpers.numbered(200, "n200"), "n200.yaml")
    ten = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=small).assessment
    two_hundred = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=large).assessment
    assert (ten.rows.count(), two_hundred.rows.count()) == (10, 200)

    few = _save_queries(ten, bob, alice)
    many = _save_queries(two_hundred, bob, alice)

    assert len(few) == len(many)
    assert 0 < len(few) <= 15


def test_changing_evidence_asks_for_a_fresh_check_but_a_new_owner_does_not(a, alice, bob, policy):
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=t1.revision, status="compliant")
    actions.check_item(t1, by=alice, revision=t1.revision)
    actions.save_row(t1, by=bob, revision=t1.revision, owner=alice)
    assert ValidationRow.objects.get(pk=t1.pk).checked_by == alice  # who owns it is not what was checked
    link = actions.link_evidence(t1, policy, by=bob)
    assert ValidationRow.objects.get(pk=t1.pk).checked_by is None
    actions.check_item(t1, by=alice, revision=ValidationRow.objects.get(pk=t1.pk).revision)
    actions.unlink_evidence(assessment_access.get_link_for(a, link.pk), by=bob)
    assert ValidationRow.objects.get(pk=t1.pk).checked_by is None
