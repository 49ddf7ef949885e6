"""Creating an assessment: which obligations and questions it holds, carry-forward from a submitted
baseline, and what is refused."""

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments import actions
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from tests.assessments import helpers
from tests.assessments.helpers import S
from tests.evidence import files


def refs(items, attr="obligation"):
    return [getattr(i, attr).ref for i in items]


def created_events(assessment):
    return list(Event.objects.filter(action="assessments.assessment.created", object_id=str(assessment.pk)))


# --- what applies ---------------------------------------------------------------------------------


def test_only_obligations_for_the_category_and_roles_in_force(cat, org_a, alice):
    today = timezone.localdate()
    helpers.hold(org_a, "import-supplier", "gas-supplier")
    helpers.hold(org_a, "export-supplier", end_date=today - dt.timedelta(days=1))  # ended yesterday
    helpers.hold(org_a, "other-user", start_date=today + dt.timedelta(days=1))  # starts tomorrow

    created = actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026", cycle_year=2)

    a = created.assessment
    assert actions.roles_in_force(org_a) == ["gas-supplier", "import-supplier"]
    assert refs(a.rows.order_by("order")) == ["T1", "T2"]  # not T3 (export ended), T4 (small), T0 (heading)
    assert [r.group_ref for r in a.rows.order_by("order")] == ["G3", "G3"]  # T2 sits in G3.A: its top group
    assert refs(a.answers.order_by("order"), "question") == ["Q1", "Q2"]  # not Q3 (small suppliers)
    assert (created.rows, created.answers, created.carried_rows, created.carried_answers,
            created.carried_links, created.warnings) == (2, 2, 0, 0, 0, [])
    assert a.catalogue == cat and a.status == S.DRAFT and a.kind == "ssa" and a.cycle_year == 2
    assert a.created_by == alice and a.title == "SSA 2026" and a.baseline is None
    assert all(r.status == "not-assessed" and r.confirmed and not r.carried_forward and r.revision == 1
               for r in a.rows.all())
    assert all(q.answer == "" and q.confirmed and not q.carried_forward for q in a.answers.all())
    [event] = created_events(a)
    assert event.organisation_id == org_a.pk and event.object_type == "assessments.assessment"
    assert event.after["rows"] == 2 and event.after["answers"] == 2
    assert event.after["carried_forward"] == {"rows": 0, "answers": 0, "links": 0}
    assert event.after["type"] == "ssa" and event.after["catalogue"] == "sec-g@test.1"


def test_a_small_supplier_gets_its_own_obligations_and_questions(cat, org_b, mallory):
    helpers.hold(org_b, "gas-supplier")
    created = actions.create_assessment(org_b, kind="fusa", by=mallory)
    assert refs(created.assessment.rows.order_by("order")) == ["T1", "T4"]
    assert refs(created.assessment.answers.order_by("order"), "question") == ["Q1", "Q3"]
    year = timezone.localdate().year
    assert created.assessment.title == f"Full User Security Assessment {year}"  # made up when left empty


def test_no_roles_recorded_means_every_roles_obligations_and_a_warning(cat, org_a, alice):
    created = actions.create_assessment(org_a, kind="ssa", by=alice)
    assert refs(created.assessment.rows.order_by("order")) == ["T1", "T2", "T3"]
    assert created.rows == 3
    assert len(created.warnings) == 1
    assert "no User Roles are recorded" in created.warnings[0]
    assert "obligations for every role are included" in created.warnings[0]


def test_the_command_line_may_create_without_a_person(cat, org_a):
    helpers.hold(org_a, "import-supplier")
    created = actions.create_assessment(org_a, kind="vusa", by=None, title="From the CLI")
    assert created.assessment.created_by is None and created.rows == 2


def test_an_explicit_catalogue_is_used_instead_of_the_one_in_force(cat, write, org_a, alice):
    other = helpers.load_text(write, helpers.numbered(3, "numbered.3"), "numbered.yaml")
    helpers.hold(org_a, "import-supplier")
    created = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=other)
    assert created.assessment.catalogue == other
    assert refs(created.assessment.rows.order_by("order")) == ["N0", "N1", "N2"]
    assert created.answers == 0


# --- carry-forward ---------------------------------------------------------------------------------


@pytest.fixture
def baseline(cat, org_a, alice, bob, dave):
    """A submitted VUSA with rows, answers and evidence filled in by bob, checked by alice, approved
    by dave."""
    helpers.hold(org_a, "import-supplier")
    vusa = actions.create_assessment(org_a, kind="vusa", by=alice, title="VUSA 2025").assessment
    actions.move(vusa, S.PREPARATION, by=bob)
    t1, t2 = helpers.row(vusa, "T1"), helpers.row(vusa, "T2")
    actions.save_row(t1, by=bob, revision=t1.revision, status="compliant", narrative="A firewall and NAC",
                     owner=bob, last_tested=dt.date(2024, 5, 1), changed=True, change_note="new NAC")
    actions.save_row(t2, by=bob, revision=t2.revision, status="not-applicable", na_reason="We import nothing")
    q1, q2 = helpers.answer(vusa, "Q1"), helpers.answer(vusa, "Q2")
    actions.save_answer(q1, by=bob, revision=q1.revision, answer="yes", narrative="A new site",
                        material=True, material_rationale="the new site widens the User System", owner=alice)
    actions.save_answer(q2, by=bob, revision=q2.revision, answer="no")
    policy = evidence.add_document(org_a, title="Security policy", doc_type="policy", by=None)
    evidence.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    report = evidence.add_document(org_a, title="Site report", doc_type="report", by=None)
    evidence.add_version(report, chunks=[files.PDF], name="report.pdf", by=None)
    actions.link_evidence(helpers.row(vusa, "T1"), policy, by=bob)
    actions.link_evidence(helpers.answer(vusa, "Q1"), report, by=bob)
    return helpers.submit(vusa, maker=bob, checker=alice, approver=dave)


def test_carry_forward_copies_the_baselines_content_unconfirmed(baseline, org_a, alice):
    assert baseline.status == S.SUBMITTED and baseline.submitted_at is not None
    helpers.hold(org_a, "export-supplier")  # T3 now applies too: it has nothing to carry
    before = Event.objects.filter(action="assessments.assessment.created").count()

    created = actions.create_assessment(org_a, kind="ssa", by=alice, baseline=baseline, title="SSA 2026")

    a = created.assessment
    assert (created.rows, created.answers, created.carried_rows, created.carried_answers,
            created.carried_links) == (3, 2, 2, 2, 2)
    t1, t2, t3 = (ValidationRow.objects.get(assessment=a, obligation__ref=r) for r in ("T1", "T2", "T3"))
    assert (t1.status, t1.narrative, t1.owner.email, t1.last_tested) == (
        "compliant", "A firewall and NAC", "bob@a.test", dt.date(2024, 5, 1))
    assert (t2.status, t2.na_reason) == ("not-applicable", "We import nothing")
    for carried in (t1, t2):
        assert carried.carried_forward is True and carried.confirmed is False
        assert carried.checked_by is None and carried.updated_by is None and carried.revision == 1
        assert carried.changed is None and carried.change_note == ""  # a change is said afresh each time
    assert t3.carried_forward is False and t3.confirmed is True and t3.status == "not-assessed"
    q1, q2 = (QuestionAnswer.objects.get(assessment=a, question__ref=r) for r in ("Q1", "Q2"))
    assert (q1.answer, q1.narrative, q1.material, q1.material_rationale, q1.owner.email) == (
        "yes", "A new site", True, "the new site widens the User System", "alice@a.test")
    assert q2.answer == "no" and q2.owner is None
    assert all(q.carried_forward and not q.confirmed for q in (q1, q2))

    links = list(EvidenceLink.objects.filter(assessment=a).select_related("document").order_by("pk"))
    assert [(li.document.title, li.row_id, li.answer_id, li.version_id, li.carried_forward) for li in links] == [
        ("Security policy", t1.pk, None, None, True),
        ("Site report", None, q1.pk, None, True),
    ]
    assert all(li.version is not None for li in baseline.links.all())  # the baseline keeps its pins

    assert Event.objects.filter(action="assessments.assessment.created").count() == before + 1
    [event] = created_events(a)
    assert event.after["baseline"] == baseline.pk
    assert event.after["carried_forward"] == {"rows": 2, "answers": 2, "links": 2}
    assert event.after["rows"] == 3 and event.after["answers"] == 2


def test_carry_forward_drops_links_of_obligations_that_no_longer_apply(baseline, org_a, alice):
    from secassure.profile.models import RoleHolding

    RoleHolding.objects.filter(organisation=org_a).delete()
    helpers.hold(org_a, "export-supplier")  # T2 no longer applies, T3 does
    created = actions.create_assessment(org_a, kind="ssa", by=alice, baseline=baseline)
    assert refs(created.assessment.rows.order_by("order")) == ["T1", "T3"]
    assert (created.carried_rows, created.carried_answers, created.carried_links) == (1, 2, 2)


# --- refused --------------------------------------------------------------------------------------


def _submitted(org, by, **extra):
    helpers.hold(org, "import-supplier")
    a = actions.create_assessment(org, kind="fusa", by=by, **extra).assessment
    Assessment.objects.filter(pk=a.pk).update(status=S.SUBMITTED, submitted_at=timezone.now())
    a.refresh_from_db()
    return a


def test_a_baseline_from_another_organisation_is_refused(cat, org_a, alice, org_b, mallory):
    theirs = _submitted(org_b, mallory)
    helpers.hold(org_a, "import-supplier")
    with pytest.raises(ActionError, match="the baseline must be one of this organisation's assessments"):
        actions.create_assessment(org_a, kind="ssa", by=alice, baseline=theirs)
    assert not Assessment.objects.filter(organisation=org_a).exists()


def test_a_baseline_that_is_not_submitted_is_refused(cat, org_a, alice):
    helpers.hold(org_a, "import-supplier")
    draft = actions.create_assessment(org_a, kind="fusa", by=alice, title="Still going").assessment
    with pytest.raises(ActionError) as caught:
        actions.create_assessment(org_a, kind="ssa", by=alice, baseline=draft)
    assert str(caught.value) == ("the baseline 'Still going' has not been submitted; a baseline is a finished "
                                 "assessment to compare with")
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize(("extra", "message"), [
    ({"kind": "audit"}, "'audit' is not an assessment type; use one of fusa, vusa, ssa, follow-up, cio-compliance, "
                         "fpa, rspa, psa"),
    ({"cycle_year": 4}, "the cycle year is 1, 2 or 3"),
    ({"cycle_year": 0}, "the cycle year is 1, 2 or 3"),
    ({"planned_start": dt.date(2026, 5, 1), "planned_end": dt.date(2026, 4, 1)},
     "the planned dates end before they start"),
    ({"period_start": dt.date(2026, 5, 1), "period_end": dt.date(2026, 4, 1)}, "the period end before they start"),
])
def test_bad_input_is_refused_with_a_helpful_message(cat, org_a, alice, extra, message):
    helpers.hold(org_a, "import-supplier")
    args = {"kind": "ssa", **extra}
    with pytest.raises(ActionError) as caught:
        actions.create_assessment(org_a, by=alice, **args)
    assert str(caught.value) == message
    assert not Assessment.objects.exists()
    assert not Event.objects.filter(action="assessments.assessment.created").exists()


def test_no_catalogue_loaded_is_refused(org_a, alice):
    with pytest.raises(ActionError) as caught:
        actions.create_assessment(org_a, kind="ssa", by=alice)
    assert str(caught.value) == "no SEC catalogue is loaded: run `secassure catalogue load` (make run does it)"
    assert not Assessment.objects.exists()


def test_a_draft_catalogue_is_refused(write, org_a, alice):
    draft = helpers.load_text(write, helpers.TINY.replace("status: published", "status: draft"), "draft.yaml")
    with pytest.raises(ActionError, match=r"sec-g@test\.1 is a draft; assess against a published catalogue"):
        actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=draft)
    with pytest.raises(ActionError, match="no SEC catalogue is loaded"):  # a draft is never in force
        actions.create_assessment(org_a, kind="ssa", by=alice)


@pytest.mark.parametrize("role", ["contributor", "observer", "approver", "cio-reviewer", "provider"])
def test_only_an_owner_may_create(cat, org_a, role):
    person = helpers.member(org_a, f"{role}@a.test", role)
    with pytest.raises(ActionError) as caught:
        actions.create_assessment(org_a, kind="ssa", by=person)
    assert str(caught.value) == "your role in Alpha Energy Ltd does not allow this (assessments.create)"
    assert not Assessment.objects.exists()


def test_someone_from_another_organisation_may_not_create(cat, org_a, mallory):
    with pytest.raises(ActionError, match=r"your role in Alpha Energy Ltd does not allow this"):
        actions.create_assessment(org_a, kind="ssa", by=mallory)
    assert not Assessment.objects.exists()


# --- cost -----------------------------------------------------------------------------------------

# Creating costs the same handful of queries whatever the size of the catalogue: rows, answers and
# carried-forward links each go in with one statement. The bound is the same for both sizes.
CREATE_QUERIES = 22


@pytest.mark.parametrize("size", [3, 400])
def test_creating_costs_the_same_queries_whatever_the_size(write, org_a, alice, size,
                                                           django_assert_max_num_queries):
    catalogue = helpers.load_text(write, helpers.numbered(size, f"sized.{size}"), "sized.yaml")
    helpers.hold(org_a, "import-supplier")
    with django_assert_max_num_queries(CREATE_QUERIES):
        created = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=catalogue)
    assert created.rows == size
    baseline = created.assessment
    documents = [evidence.add_document(org_a, title=f"Record {i}", doc_type="record", by=None) for i in range(3)]
    EvidenceLink.objects.bulk_create([EvidenceLink(assessment=baseline, row=row, document=document)
                                      for row in baseline.rows.all() for document in documents])
    ValidationRow.objects.filter(assessment=baseline).update(status="compliant", narrative="As before")
    Assessment.objects.filter(pk=baseline.pk).update(status=S.SUBMITTED, submitted_at=timezone.now())
    baseline.refresh_from_db()
    with django_assert_max_num_queries(CREATE_QUERIES):
        carried = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=catalogue, baseline=baseline)
    assert (carried.rows, carried.carried_rows, carried.carried_links) == (size, size, 3 * size)
    assert set(carried.assessment.rows.values_list("status", "narrative", "carried_forward", "confirmed")) == {
        ("compliant", "As before", True, False)}
    assert carried.assessment.links.filter(carried_forward=True, version=None).count() == 3 * size
