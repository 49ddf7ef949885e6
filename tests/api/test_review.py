"""The API's CIO review: query threads and comments on an assessment, read and written by each
role through a token, exactly as the review pages allow."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions as assessment_actions
from secassure.audit.models import Event
from secassure.evidence import actions as evidence
from secassure.review import actions
from secassure.review.models import Comment, QueryMessage, ReviewQuery
from tests.api.client import Api, make_token
from tests.assessments import helpers
from tests.evidence import files
from tests.personas import give_totp, join, persona

PROBLEM = "application/problem+json"


@pytest.fixture
def submitted(write, org_a, alice, bob, dave):
    """Org A's SSA on the small catalogue (rows T1, T2; answers Q1, Q2), submitted."""
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessment_actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    return helpers.submit(assessment, maker=bob, checker=alice, approver=dave)


@pytest.fixture
def shared(submitted, alice, carol):
    """The SSA shared with Carol, the CIO reviewer: under CIO review."""
    actions.share(submitted, carol, by=alice)
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def theirs(org_b, mallory):
    """Org B's own submitted SSA on the same catalogue, shared with its own CIO reviewer, with a
    query and a comment on it."""
    helpers.hold(org_b, "import-supplier")
    assessment = assessment_actions.create_assessment(org_b, kind="ssa", by=mallory, title="Bravo SSA").assessment
    maker = helpers.member(org_b, "maker@b.test", "contributor")
    director = helpers.member(org_b, "director@b.test", "approver")
    assessment = helpers.submit(assessment, maker=maker, checker=mallory, approver=director)
    their_cio = helpers.member(org_b, "cio@b.test", "cio-reviewer")
    actions.share(assessment, their_cio, by=mallory)
    assessment.refresh_from_db()
    row = helpers.rows_of(assessment)[0]
    actions.raise_query(assessment, row, by=their_cio, text="Bravo's own question")
    actions.comment(assessment, by=their_cio, text="Bravo's own comment")
    return assessment


@pytest.fixture
def engineer(org_a):
    return persona("engineer", org_a)


@pytest.fixture
def other_cio(org_a):
    """A second CIO reviewer, with an authenticator app as her role needs before a token works."""
    user = persona("other_cio", org_a)
    give_totp(user)
    return user


_made = itertools.count()


def api(user, org, *, read_only: bool = False) -> Api:
    """A client with a new token of the person's (each named afresh, since names may not repeat)."""
    return Api(make_token(user, org, read_only=read_only, name=f"review token {next(_made)}"))


def base(assessment) -> str:
    return f"/organisations/org-a/assessments/{assessment.pk}"


def last_event(name: str) -> Event:
    return Event.objects.filter(action=name).order_by("-pk").first()


def a_query(assessment, carol, ref: str = "T1", text: str = "Show the monitoring alerts for March."):
    return actions.raise_query(assessment, helpers.row(assessment, ref), by=carol, text=text)


def report(org, title: str = "Monitoring report"):
    document = evidence.add_document(org, title=title, doc_type="report", by=None)
    evidence.add_version(document, chunks=[files.PDF], name="report.pdf", by=None)
    return document


def assert_missing(response) -> None:
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == PROBLEM


# --- queries: raising -----------------------------------------------------------------------------


def test_the_cio_raises_a_query_on_a_row_and_on_an_answer(shared, carol):
    row, answer = helpers.row(shared, "T1"), helpers.answer(shared, "Q1")
    response = api(carol, shared.organisation).post(f"{base(shared)}/queries",
                                                    {"row_id": row.pk, "text": "Show the alerts for March."})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["row_id"] == row.pk and body["answer_id"] is None and body["item"] == "T1"
    assert body["status"] == "open" and body["purpose"] == "question"
    assert body["raised_by"]["email"] == "carol@cio.test"
    assert [(m["side"], m["text"], m["author"]["id"]) for m in body["messages"]] == [
        ("cio", "Show the alerts for March.", carol.pk)]
    query = ReviewQuery.objects.get(pk=body["id"])
    assert query.row == row and query.raised_by == carol
    event = last_event("review.query.raised")
    assert event.actor_id == carol.pk and event.object_id == str(query.pk)

    response = api(carol, shared.organisation).post(f"{base(shared)}/queries",
                                                    {"answer_id": answer.pk, "text": "Why no change?"})
    assert response.status_code == 201, response.content
    assert response.json()["item"] == "Q1" and response.json()["answer_id"] == answer.pk


@pytest.mark.parametrize("name", ["alice", "bob", "dave", "olive"])
def test_a_member_may_not_raise_a_query_and_is_told_why(shared, name, request):
    person = request.getfixturevalue(name)
    row = helpers.row(shared, "T1")
    response = api(person, shared.organisation).post(f"{base(shared)}/queries", {"row_id": row.pk, "text": "?"})
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == "only a CIO reviewer with whom the assessment is shared may do this"
    assert not ReviewQuery.objects.exists()


def test_a_provider_or_a_cio_it_is_not_shared_with_finds_no_assessment(shared, engineer, other_cio):
    row = helpers.row(shared, "T1")
    for person in (engineer, other_cio):
        client = api(person, shared.organisation)
        assert_missing(client.get(f"{base(shared)}/queries"))
        assert_missing(client.post(f"{base(shared)}/queries", {"row_id": row.pk, "text": "?"}))
        assert_missing(client.get(f"{base(shared)}/comments"))
    assert not ReviewQuery.objects.exists()


def test_a_withdrawn_share_closes_the_door(shared, alice, carol):
    query = a_query(shared, carol)
    actions.revoke(shared.shares.get(), by=alice)
    client = api(carol, shared.organisation)
    assert_missing(client.get(f"{base(shared)}/queries"))
    assert_missing(client.get(f"{base(shared)}/queries/{query.pk}"))
    assert_missing(client.post(f"{base(shared)}/queries/{query.pk}/close", {}))
    assert ReviewQuery.objects.get(pk=query.pk).status == "open"


def test_a_query_after_the_cio_review_is_refused_with_the_reason(shared, carol):
    actions.finalise(shared, by=carol)
    row = helpers.row(shared, "T1")
    response = api(carol, shared.organisation).post(f"{base(shared)}/queries", {"row_id": row.pk, "text": "Why?"})
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == "queries are raised while the CIO reviews or conducts the assessment"


def test_an_empty_question_is_refused_with_the_products_message(shared, carol):
    row = helpers.row(shared, "T1")
    response = api(carol, shared.organisation).post(f"{base(shared)}/queries", {"row_id": row.pk, "text": "   "})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "write the question"
    assert not ReviewQuery.objects.exists()


@pytest.mark.parametrize("body", [
    {"text": "On nothing"},
    {"row_id": 1, "answer_id": 1, "text": "On both"},
    {"row_id": 2**40, "text": "Too large an id"},
    {"row_id": 0, "text": "No such id"},
    {"row_id": 1, "text": "Unknown purpose", "purpose": "gossip"},
    {"row_id": 1, "text": "An unknown field", "colour": "red"},
])
def test_a_malformed_query_is_refused_with_what_was_wrong(shared, carol, body):
    response = api(carol, shared.organisation).post(f"{base(shared)}/queries", body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"]
    assert not ReviewQuery.objects.exists()


def test_a_read_only_token_raises_nothing(shared, carol):
    row = helpers.row(shared, "T1")
    response = api(carol, shared.organisation, read_only=True).post(f"{base(shared)}/queries",
                                                                    {"row_id": row.pk, "text": "Why?"})
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert not ReviewQuery.objects.exists()
    assert api(carol, shared.organisation, read_only=True).get(f"{base(shared)}/queries").status_code == 200


# --- queries: reading -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob", "dave", "olive", "carol"])
def test_each_role_that_reaches_the_review_reads_its_queries(shared, name, request, carol):
    query = a_query(shared, carol)
    person = request.getfixturevalue(name)
    client = api(person, shared.organisation)
    listed = client.get(f"{base(shared)}/queries")
    assert listed.status_code == 200, listed.content
    assert [q["id"] for q in listed.json()["results"]] == [query.pk]
    one = client.get(f"{base(shared)}/queries/{query.pk}")
    assert one.status_code == 200
    assert one.json()["messages"][0]["text"] == "Show the monitoring alerts for March."


def test_another_organisations_ids_answer_404_as_missing_ones_do(shared, carol, alice, theirs):
    their_query = theirs.queries.get()
    their_row = helpers.rows_of(theirs)[0]
    their_comment = theirs.cio_comments.get()
    ours = a_query(shared, carol)
    for person in (alice, carol):
        client = api(person, shared.organisation)
        assert_missing(client.get(f"/organisations/org-a/assessments/{theirs.pk}/queries"))
        assert_missing(client.get(f"/organisations/org-a/assessments/{theirs.pk}/comments"))
        assert_missing(client.get(f"{base(shared)}/queries/{their_query.pk}"))
        assert_missing(client.get(f"/organisations/org-b/assessments/{theirs.pk}/queries"))
        assert_missing(client.post(f"{base(shared)}/queries/{their_query.pk}/replies", {"text": "hello"}))
        assert_missing(client.post(f"{base(shared)}/queries/{their_query.pk}/close", {}))
        assert_missing(client.patch(f"{base(shared)}/comments/{their_comment.pk}", {"text": "mine now"}))
        assert_missing(client.get(f"{base(shared)}/queries/{2**31 - 1}"))
    client = api(carol, shared.organisation)
    assert_missing(client.post(f"{base(shared)}/queries", {"row_id": their_row.pk, "text": "?"}))
    assert_missing(client.post(f"{base(shared)}/comments", {"row_id": their_row.pk, "text": "?"}))
    assert_missing(client.get(f"/organisations/org-a/assessments/{theirs.pk}/queries/{ours.pk}"))
    assert theirs.queries.get().messages.count() == 1
    assert Comment.objects.get(pk=their_comment.pk).text == "Bravo's own comment"


def test_the_queries_come_a_page_at_a_time_each_once_in_a_stable_order(shared, carol):
    made = [a_query(shared, carol, ref, f"Question {n}").pk for n in range(4) for ref in ("T1", "T2")]
    client = api(carol, shared.organisation)
    first = client.get(f"{base(shared)}/queries", page_size=3).json()
    assert len(first["results"]) == 3 and first["next"]
    seen = client.everything(f"{base(shared)}/queries", page_size=3)
    assert [q["id"] for q in seen] == sorted(made)
    assert seen == client.everything(f"{base(shared)}/queries", page_size=5)


def _queries_for(client, path: str) -> tuple[int, int]:
    """The database queries one page costs, and how many items it holds. A token's first request
    of the day also notes when it was used: a request is made first so that only the page is counted."""
    client.get(path, page_size=1)
    with CaptureQueriesContext(connection) as counted:
        response = client.get(path, page_size=100)
    assert response.status_code == 200, response.content
    return len(counted), len(response.json()["results"])


def test_a_page_of_queries_costs_the_same_however_many_threads_and_messages(shared, carol, bob):
    document = report(shared.organisation)
    for n in range(3):
        query = a_query(shared, carol, text=f"Question {n}")
        actions.reply(query, by=bob, text="Here it is", document=document)
    client = api(carol, shared.organisation)
    few = _queries_for(client, f"{base(shared)}/queries")
    for n in range(27):
        query = a_query(shared, carol, "T2", text=f"More {n}")
        actions.reply(query, by=bob, text="Answered", document=document)
        actions.reply(query, by=carol, text="And April?")
    many = _queries_for(client, f"{base(shared)}/queries")
    assert few[1] == 3 and many[1] == 30
    assert many[0] == few[0]


# --- queries: replies and closing ---------------------------------------------------------------


def test_the_user_answers_with_evidence_and_the_cio_replies_and_closes(shared, carol, bob):
    query = a_query(shared, carol)
    document = report(shared.organisation)
    user = api(bob, shared.organisation)
    response = user.post(f"{base(shared)}/queries/{query.pk}/replies",
                         {"text": "Attached.", "document_id": document.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "answered"
    assert body["messages"][-1]["side"] == "user"
    assert body["messages"][-1]["document"] == {"id": document.pk, "title": "Monitoring report", "version": 1}
    assert last_event("review.query.replied").actor_id == bob.pk

    cio = api(carol, shared.organisation)
    response = cio.post(f"{base(shared)}/queries/{query.pk}/replies", {"text": "And April?"})
    assert response.status_code == 201 and response.json()["status"] == "open"
    assert last_event("review.query.replied").actor_id == carol.pk

    response = cio.post(f"{base(shared)}/queries/{query.pk}/close", {"note": "Resolved."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed" and body["closed_by"]["id"] == carol.pk and body["closed_at"]
    assert [m["side"] for m in body["messages"]] == ["cio", "user", "cio", "cio"]
    event = last_event("review.query.closed")
    assert event.actor_id == carol.pk and event.reason == "Resolved."

    response = user.post(f"{base(shared)}/queries/{query.pk}/replies", {"text": "One more thing"})
    assert response.status_code == 422 and response.json()["detail"] == "the query is closed"


def test_each_member_replies_as_the_web_lets_them(shared, carol, alice, bob, dave, olive):
    query = a_query(shared, carol)
    for person in (alice, bob):
        response = api(person, shared.organisation).post(f"{base(shared)}/queries/{query.pk}/replies",
                                                         {"text": f"From {person.email}"})
        assert response.status_code == 201, response.content
    for person in (dave, olive):
        response = api(person, shared.organisation).post(f"{base(shared)}/queries/{query.pk}/replies",
                                                         {"text": "I see"})
        assert response.status_code == 403  # as the web's thread page, which offers them no reply
        assert response.json()["detail"].endswith("may not do this")
    assert [m.author for m in QueryMessage.objects.filter(query=query).order_by("pk")] == [carol, alice, bob]


def test_evidence_comes_from_our_register_and_only_from_the_user(shared, carol, bob, org_b):
    query = a_query(shared, carol)
    ours, their_document = report(shared.organisation), report(org_b, "Bravo report")
    response = api(bob, shared.organisation).post(f"{base(shared)}/queries/{query.pk}/replies",
                                                  {"text": "Here", "document_id": their_document.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == "Choose a document from this organisation's register."
    for document_id in (ours.pk, their_document.pk, 2**31 - 1):  # the CIO learns nothing of the register
        response = api(carol, shared.organisation).post(f"{base(shared)}/queries/{query.pk}/replies",
                                                        {"text": "Here", "document_id": document_id})
        assert response.status_code == 422
        assert response.json()["detail"] == "evidence is attached by the User"
    assert query.messages.count() == 1


def test_a_token_reaches_only_its_own_organisation_whatever_else_its_person_belongs_to(shared, theirs, carol,
                                                                                       org_b, mallory):
    join(carol, org_b, "cio-reviewer")
    actions.share(theirs, carol, by=mallory)
    client = api(carol, shared.organisation)
    assert client.get(f"{base(shared)}/queries").status_code == 200
    their_query = theirs.queries.get()
    assert_missing(client.get(f"/organisations/org-b/assessments/{theirs.pk}/queries"))
    assert_missing(client.get(f"/organisations/org-b/assessments/{theirs.pk}/queries/{their_query.pk}"))
    assert_missing(client.get(f"/organisations/org-b/assessments/{theirs.pk}/comments"))
    row = helpers.rows_of(theirs)[0]
    assert_missing(client.post(f"/organisations/org-b/assessments/{theirs.pk}/queries",
                               {"row_id": row.pk, "text": "Through the wrong token"}))
    assert_missing(client.post(f"/organisations/org-b/assessments/{theirs.pk}/comments", {"text": "Wrong token"}))
    assert_missing(client.post(f"/organisations/org-b/assessments/{theirs.pk}/queries/{their_query.pk}/close", {}))
    assert theirs.queries.get().status == "open" and theirs.cio_comments.count() == 1


def test_only_the_cio_closes_a_query(shared, carol, alice, bob):
    query = a_query(shared, carol)
    for person in (alice, bob):
        response = api(person, shared.organisation).post(f"{base(shared)}/queries/{query.pk}/close", {})
        assert response.status_code == 422
        assert response.json()["detail"] == "only a CIO reviewer with whom the assessment is shared may do this"
    assert ReviewQuery.objects.get(pk=query.pk).status == "open"


def test_a_read_only_token_neither_replies_nor_closes(shared, carol, bob):
    query = a_query(shared, carol)
    assert api(bob, shared.organisation, read_only=True).post(
        f"{base(shared)}/queries/{query.pk}/replies", {"text": "Hi"}).status_code == 403
    assert api(carol, shared.organisation, read_only=True).post(
        f"{base(shared)}/queries/{query.pk}/close", {}).status_code == 403
    query.refresh_from_db()
    assert query.status == "open" and query.messages.count() == 1


# --- comments -------------------------------------------------------------------------------------


def test_the_cio_comments_overall_on_a_row_and_on_an_answer_and_changes_her_words(shared, carol):
    client = api(carol, shared.organisation)
    row, answer = helpers.row(shared, "T1"), helpers.answer(shared, "Q1")
    made = []
    for body in ({"text": "Well kept overall."}, {"text": "Alerts are thin.", "row_id": row.pk},
                 {"text": "Clear.", "answer_id": answer.pk}):
        response = client.post(f"{base(shared)}/comments", body)
        assert response.status_code == 201, response.content
        made.append(response.json())
        assert last_event("review.comment.written").actor_id == carol.pk
    assert [(c["item"], c["row_id"], c["answer_id"]) for c in made] == [
        (None, None, None), ("T1", row.pk, None), ("Q1", None, answer.pk)]

    response = client.patch(f"{base(shared)}/comments/{made[1]['id']}", {"text": "Alerts are thin in March."})
    assert response.status_code == 200, response.content
    assert response.json()["text"] == "Alerts are thin in March."
    assert Comment.objects.get(pk=made[1]["id"]).text == "Alerts are thin in March."
    event = last_event("review.comment.changed")
    assert event.actor_id == carol.pk and event.before == {"text": "Alerts are thin."}


@pytest.mark.parametrize("name", ["alice", "bob", "dave", "olive"])
def test_members_read_the_comments_but_neither_write_nor_change_them(shared, carol, name, request):
    written = actions.comment(shared, by=carol, text="Overall, sound.")
    person = request.getfixturevalue(name)
    client = api(person, shared.organisation)
    listed = client.get(f"{base(shared)}/comments")
    assert listed.status_code == 200
    assert [c["text"] for c in listed.json()["results"]] == ["Overall, sound."]
    response = client.post(f"{base(shared)}/comments", {"text": "Mine too"})
    assert response.status_code == 422
    assert response.json()["detail"] == "only a CIO reviewer with whom the assessment is shared may do this"
    response = client.patch(f"{base(shared)}/comments/{written.pk}", {"text": "Changed"})
    assert response.status_code == 422
    assert response.json()["detail"] == "only the CIO who wrote a comment may change it"
    assert list(Comment.objects.values_list("text", flat=True)) == ["Overall, sound."]


def test_a_comment_is_changed_only_by_its_author(shared, alice, carol, org_a, other_cio):
    second = other_cio
    actions.share(shared, second, by=alice)
    written = actions.comment(shared, by=carol, text="Mine.")
    response = api(second, org_a).patch(f"{base(shared)}/comments/{written.pk}", {"text": "Now mine."})
    assert response.status_code == 422
    assert response.json()["detail"] == "only the CIO who wrote a comment may change it"
    assert Comment.objects.get(pk=written.pk).text == "Mine."


def test_final_comments_are_not_changed(shared, carol):
    written = actions.comment(shared, by=carol, text="Final words.")
    actions.finalise(shared, by=carol)
    client = api(carol, shared.organisation)
    response = client.patch(f"{base(shared)}/comments/{written.pk}", {"text": "Second thoughts."})
    assert response.status_code == 422 and response.json()["detail"] == "the CIO's comments are final"
    response = client.post(f"{base(shared)}/comments", {"text": "Afterthought."})
    assert response.status_code == 422
    assert response.json()["detail"] == "comments are written while the assessment is under CIO review"
    assert list(Comment.objects.values_list("text", flat=True)) == ["Final words."]


def test_a_read_only_token_writes_no_comment(shared, carol):
    written = actions.comment(shared, by=carol, text="As it was.")
    client = api(carol, shared.organisation, read_only=True)
    assert client.post(f"{base(shared)}/comments", {"text": "New"}).status_code == 403
    assert client.patch(f"{base(shared)}/comments/{written.pk}", {"text": "Changed"}).status_code == 403
    assert list(Comment.objects.values_list("text", flat=True)) == ["As it was."]


def test_the_comments_come_a_page_at_a_time_at_a_constant_cost(shared, carol):
    rows = helpers.rows_of(shared)
    for n in range(3):
        actions.comment(shared, by=carol, text=f"Comment {n}", item=rows[n % len(rows)])
    client = api(carol, shared.organisation)
    few = _queries_for(client, f"{base(shared)}/comments")
    answers = helpers.answers_of(shared)
    for n in range(27):
        actions.comment(shared, by=carol, text=f"More {n}", item=(rows + answers + [None])[n % 5])
    many = _queries_for(client, f"{base(shared)}/comments")
    assert few[1] == 3 and many[1] == 30 and many[0] == few[0]
    seen = client.everything(f"{base(shared)}/comments", page_size=7)
    assert [c["id"] for c in seen] == sorted(Comment.objects.values_list("pk", flat=True))
