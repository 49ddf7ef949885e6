"""The CIO's review: sharing, query threads, comments, final comments; who may write what."""

import pytest

from secassure.assessments import actions as assessment_actions
from secassure.assessments.models import Assessment
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.review import actions, services
from secassure.review.models import Comment, QueryMessage, ReviewQuery
from tests.assessments import helpers
from tests.evidence import files
from tests.personas import make_user, persona


@pytest.fixture
def submitted(write, org_a, alice, bob, dave):
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessment_actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    return helpers.submit(assessment, maker=bob, checker=alice, approver=dave)


@pytest.fixture
def shared(submitted, alice, carol):
    actions.share(submitted, carol, by=alice)
    submitted.refresh_from_db()
    return submitted


def events(name):
    return list(Event.objects.filter(action=name))


def test_sharing_starts_the_cio_review_and_is_audited(submitted, alice, carol):
    actions.share(submitted, carol, by=alice)
    submitted.refresh_from_db()
    assert submitted.status == "cio-review"
    assert submitted.status_changes.last().to_status == "cio-review"
    assert events("review.shared")[0].after == {"reviewer": "carol@cio.test"}
    with pytest.raises(ActionError, match="already shared with carol@cio.test"):
        actions.share(submitted, carol, by=alice)


def test_only_an_owner_shares_and_only_with_a_cio_reviewer_of_the_organisation(submitted, alice, bob, carol, dave):
    with pytest.raises(ActionError, match="does not allow"):
        actions.share(submitted, carol, by=bob)
    with pytest.raises(ActionError, match="does not allow"):
        actions.share(submitted, carol, by=dave)
    with pytest.raises(ActionError, match="is not a CIO reviewer of Alpha Energy"):
        actions.share(submitted, bob, by=alice)
    outsider = make_user("cio@elsewhere.test")
    with pytest.raises(ActionError, match="invite them in that role first"):
        actions.share(submitted, outsider, by=alice)


def test_a_draft_cannot_be_shared(org_a, write, alice, carol):
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    draft = assessment_actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    with pytest.raises(ActionError, match="submit it first"):
        actions.share(draft, carol, by=alice)


def test_a_query_thread_from_question_to_close(shared, carol, bob, alice):
    row = helpers.row(shared, "T1")
    query = actions.raise_query(shared, row, by=carol, text="Show the monitoring alerts for March.")
    assert query.status == "open" and query.row == row
    policy = evidence.add_document(shared.organisation, title="Monitoring report", doc_type="report", by=None)
    evidence.add_version(policy, chunks=[files.PDF], name="report.pdf", by=None)
    answer = actions.reply(query, by=bob, text="Attached.", document=policy)
    assert answer.side == "user" and answer.version.number == 1
    query.refresh_from_db()
    assert query.status == "answered"
    actions.reply(query, by=carol, text="Thanks; and April?")
    query.refresh_from_db()
    assert query.status == "open"
    actions.close_query(query, by=carol, note="Resolved.")
    assert [m.side for m in query.messages.all()] == ["cio", "user", "cio", "cio"]
    with pytest.raises(ActionError, match="closed"):
        actions.reply(query, by=bob, text="One more thing")
    assert [e.action for e in Event.objects.filter(action__startswith="review.query.")] == [
        "review.query.raised", "review.query.replied", "review.query.replied", "review.query.closed"]


def test_only_the_cio_raises_and_closes_queries_and_only_the_user_attaches_evidence(shared, carol, bob, alice,
                                                                                    olive, org_b, mallory):
    row = helpers.row(shared, "T1")
    for person in (alice, bob):
        with pytest.raises(ActionError, match="only a CIO reviewer"):
            actions.raise_query(shared, row, by=person, text="?")
    query = actions.raise_query(shared, row, by=carol, text="Why?")
    with pytest.raises(ActionError, match="only a CIO reviewer"):
        actions.close_query(query, by=alice)
    document = evidence.add_document(shared.organisation, title="Policy", doc_type="policy", by=None)
    evidence.add_version(document, chunks=[files.PDF], name="p.pdf", by=None)
    with pytest.raises(ActionError, match="evidence is attached by the User"):
        actions.reply(query, by=carol, text="here", document=document)
    theirs = evidence.add_document(org_b, title="B", doc_type="policy", by=None)
    with pytest.raises(ActionError, match="not in this organisation's register"):
        actions.reply(query, by=bob, text="here", document=theirs)
    with pytest.raises(ActionError, match="does not allow"):
        actions.reply(query, by=olive, text="I see")


def test_a_cio_reviewer_the_assessment_is_not_shared_with_can_do_nothing(shared, org_a):
    other_cio = persona("other_cio", org_a)
    row = helpers.row(shared, "T1")
    for attempt in (lambda: actions.raise_query(shared, row, by=other_cio, text="?"),
                    lambda: actions.comment(shared, by=other_cio, text="Fine"),
                    lambda: actions.finalise(shared, by=other_cio)):
        with pytest.raises(ActionError, match="only a CIO reviewer with whom the assessment is shared"):
            attempt()


def test_a_revoked_share_ends_access(shared, alice, carol):
    share = shared.shares.get()
    actions.revoke(share, by=alice)
    assert not actions.is_reviewer(carol, shared)
    with pytest.raises(ActionError, match="only a CIO reviewer"):
        actions.comment(shared, by=carol, text="late")
    actions.share(shared, carol, by=alice)  # shared again
    assert actions.is_reviewer(carol, shared)


def test_comments_belong_to_their_author_until_final(shared, carol, alice, bob, org_a):
    row = helpers.row(shared, "T1")
    overall = actions.comment(shared, by=carol, text="A careful submission.")
    on_row = actions.comment(shared, by=carol, text="Evidence is thin.", item=row)
    assert overall.row is None and on_row.row == row
    actions.edit_comment(on_row, by=carol, text="Evidence is thin for March.")
    for person in (alice, bob, None):
        with pytest.raises(ActionError, match="only the CIO who wrote a comment may change it"):
            actions.edit_comment(on_row, by=person, text="Evidence is fine.")
    other_cio = persona("other_cio", org_a)
    actions.share(shared, other_cio, by=alice)
    with pytest.raises(ActionError, match="only the CIO who wrote"):
        actions.edit_comment(on_row, by=other_cio, text="mine now")
    actions.finalise(shared, by=carol)
    with pytest.raises(ActionError, match="final"):
        actions.edit_comment(on_row, by=carol, text="after the fact")
    assert Comment.objects.get(pk=on_row.pk).text == "Evidence is thin for March."
    changed = events("review.comment.changed")
    assert len(changed) == 1 and changed[0].before == {"text": "Evidence is thin."}


def test_the_cio_cannot_change_the_users_answers_or_evidence(shared, carol):
    row = helpers.row(shared, "T1")
    with pytest.raises(ActionError):
        assessment_actions.save_row(row, by=carol, revision=row.revision, status="non-compliant")
    document = evidence.add_document(shared.organisation, title="Policy", doc_type="policy", by=None)
    with pytest.raises(ActionError):
        assessment_actions.link_evidence(row, document, by=carol)
    assert row.links.count() == 0


def test_comments_cannot_be_final_with_open_queries(shared, carol):
    query = actions.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="?")
    with pytest.raises(ActionError, match="1 query is still open"):
        actions.finalise(shared, by=carol)
    actions.close_query(query, by=carol)
    actions.finalise(shared, by=carol)
    assert Assessment.objects.get(pk=shared.pk).status == "cio-final"
    with pytest.raises(ActionError, match="under CIO review"):
        actions.comment(shared, by=carol, text="late")


def test_a_row_of_another_assessment_cannot_be_queried(shared, carol, alice, write):
    other = assessment_actions.create_assessment(shared.organisation, kind="follow-up", by=alice).assessment
    foreign = helpers.row(other, "T1")
    with pytest.raises(ActionError, match="not part of this assessment"):
        actions.raise_query(shared, foreign, by=carol, text="?")


def test_the_bundle_returns_threads_and_comments_in_a_fixed_number_of_queries(shared, carol, bob,
                                                                             django_assert_num_queries):
    def grow(n):
        for i in range(n):
            query = actions.raise_query(shared, helpers.row(shared, "T1"), by=carol, text=f"Question {i}")
            actions.reply(query, by=bob, text=f"Answer {i}")
            actions.comment(shared, by=carol, text=f"Comment {i}", item=helpers.answer(shared, "Q1"))

    grow(1)
    with django_assert_num_queries(6):
        one = services.bundle(shared)
    grow(5)
    with django_assert_num_queries(6):
        six = services.bundle(shared)
    assert len(one["queries"]) == 1 and len(six["queries"]) == 6
    assert six["queries"][0]["messages"][1] == {**six["queries"][0]["messages"][1], "side": "user", "text": "Answer 0"}
    assert six["comments"][0]["item"] == "Q1" and six["outcome"] is None
    assert QueryMessage.objects.count() == 12 and ReviewQuery.objects.count() == 6
