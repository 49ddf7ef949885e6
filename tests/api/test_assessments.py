"""The assessments' JSON API: each role reads and changes what it does on the web, through the same
doors and actions; a read-only token changes nothing; another organisation's ids answer 404; a save
on a stale revision answers 409 with the object as it stands; a refusal answers 422 in the product's
words; lists page by cursor at a fixed number of queries; every change is audited as the token's
person."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions
from secassure.assessments.declaration import DECLARATION
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.audit.models import Event
from secassure.evidence import actions as evidence
from secassure.review import actions as review
from tests.api.client import Api, make_token
from tests.assessments import helpers
from tests.personas import persona

PROBLEM = "application/problem+json"
MEMBERS = ("alice", "bob", "dave", "olive")
# Who may do what on the web: (owner, contributor, approver, observer) -> the status each gets.
EDITORS = {"alice": 200, "bob": 200, "dave": 403, "olive": 403}
CHECKERS = {"alice": 200, "bob": 200, "dave": 200, "olive": 403}


def big(n: int) -> str:
    """A published sec-g version with n obligations and n questions, all applying to everyone."""
    lines = ["format: secassure.catalogue/1",
             'framework: {slug: sec-g, name: "SEC Section G (test copy)", kind: regulation}',
             f'version: {{version: "big.{n}", status: published}}',
             "groups:", "  - {ref: G3, title: System security}", "obligations:"]
    lines += [f"  - {{ref: B{i}, group: G3, title: Obligation {i}, summary: Number {i}.}}" for i in range(n)]
    lines += ["questions:"]
    lines += [f"  - {{ref: P{i}, text: Question {i}?, topic: changes, clauses: [B0], categories: [all]}}"
              for i in range(n)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def people(org_a, alice, bob, carol, dave, olive):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "olive": olive,
            "engineer": persona("engineer", org_a)}


@pytest.fixture
def tokens(people, org_a):
    """A client for each person, with a token of theirs in org A."""
    return {name: Api(make_token(user, org_a)) for name, user in people.items()}


@pytest.fixture
def ssa(write, org_a, alice):
    """A draft SSA on the small catalogue: rows T1, T2 and answers Q1, Q2."""
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    return actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment


@pytest.fixture
def other(org_b, mallory, ssa):
    """Org B's own assessment on the same catalogue, with a document and a link of its own."""
    found = actions.create_assessment(org_b, kind="ssa", by=mallory, title="Bravo SSA").assessment
    document = evidence.add_document(org_b, title="Bravo policy", doc_type="policy", by=mallory)
    actions.link_evidence(helpers.rows_of(found)[0], document, by=mallory)
    return found


def path(a, tail: str = "") -> str:
    return f"/organisations/org-a/assessments/{a.pk}{tail}"


def row_path(a, ref: str, tail: str = "") -> str:
    return path(a, f"/rows/{helpers.row(a, ref).pk}{tail}")


def answer_path(a, ref: str, tail: str = "") -> str:
    return path(a, f"/answers/{helpers.answer(a, ref).pk}{tail}")


def events(action: str, user) -> list[Event]:
    return list(Event.objects.filter(action=action, actor_id=user.pk))


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def reads(a) -> list[str]:
    """Every read of one assessment, its rows, answers and links."""
    return [path(a), path(a, "/rows"), row_path(a, "T1"), path(a, "/answers"), answer_path(a, "Q1"),
            path(a, "/links")]


# --- reading ------------------------------------------------------------------------------------


def test_members_read_the_assessment_its_rows_answers_and_links(ssa, tokens, other):
    for name in MEMBERS:
        api = tokens[name]
        listed = api.get("/organisations/org-a/assessments")
        assert listed.status_code == 200, (name, listed.content)
        assert [a["id"] for a in listed.json()["results"]] == [ssa.pk]
        for where in reads(ssa):
            assert api.get(where).status_code == 200, (name, where)
    shown = tokens["olive"].get(path(ssa)).json()
    assert shown["type"] == "ssa" and shown["status"] == "draft" and shown["catalogue"] == "sec-g@test.1"
    assert shown["catalogue_version"] == "test.1" and shown["revision"] == ssa.revision
    assert shown["progress"]["rows"]["total"] == 2 and shown["progress"]["questions"]["total"] == 2
    assert shown["progress"]["rows"]["unanswered"] == 2 and set(shown["progress"]["groups"]) == {"G3"}
    refs = [r["ref"] for r in tokens["olive"].everything(path(ssa, "/rows"))]
    assert refs == ["T1", "T2"]


def test_a_provider_and_an_unshared_cio_reviewer_get_404(ssa, tokens):
    for name in ("engineer", "carol"):
        for where in reads(ssa):
            problem(tokens[name].get(where), 404)
    problem(tokens["engineer"].get("/organisations/org-a/assessments"), 404)
    assert tokens["carol"].everything("/organisations/org-a/assessments") == []


def test_a_cio_reviewer_reads_only_what_is_shared_with_her_and_changes_nothing(ssa, people, tokens, write, org_a):
    alice, bob, carol, dave = people["alice"], people["bob"], people["carol"], people["dave"]
    submitted = helpers.submit(ssa, maker=bob, checker=alice, approver=dave)
    review.share(submitted, carol, by=alice)
    unshared = actions.create_assessment(org_a, kind="ssa", by=alice, title="Another").assessment
    api = tokens["carol"]
    assert [a["id"] for a in api.everything("/organisations/org-a/assessments")] == [submitted.pk]
    for where in reads(submitted):
        assert api.get(where).status_code == 200, where
    for where in reads(unshared):
        problem(api.get(where), 404)
    row = helpers.row(submitted, "T1")
    before = Event.objects.count()
    problem(api.patch(row_path(submitted, "T1"), {"revision": row.revision, "narrative": "CIO's words"}), 404)
    problem(api.post(row_path(submitted, "T1", "/check"), {"revision": row.revision}), 404)
    problem(api.post(path(submitted, "/move"), {"to": "preparation", "reason": "CIO"}), 404)
    problem(api.post("/organisations/org-a/assessments", {"kind": "ssa"}), 404)
    assert Event.objects.count() == before
    assert ValidationRow.objects.get(pk=row.pk).narrative == row.narrative


def test_rows_are_filtered_by_status_and_owner(ssa, people, tokens):
    bob = people["bob"]
    t1 = helpers.row(ssa, "T1")
    actions.save_row(t1, by=bob, revision=t1.revision, status="compliant", narrative="Met", owner=bob)
    api = tokens["olive"]
    assert [r["ref"] for r in api.everything(path(ssa, "/rows"), status="compliant")] == ["T1"]
    assert [r["ref"] for r in api.everything(path(ssa, "/rows"), status="not-assessed")] == ["T2"]
    assert [r["ref"] for r in api.everything(path(ssa, "/rows"), owner=str(bob.pk))] == ["T1"]
    assert [r["ref"] for r in api.everything(path(ssa, "/rows"), owner="none")] == ["T2"]
    assert [r["ref"] for r in api.everything(path(ssa, "/rows"), unanswered="true")] == ["T2"]
    shown = api.get(row_path(ssa, "T1")).json()
    assert shown["owner"]["email"] == bob.email and shown["updated_by"]["email"] == bob.email
    assert shown["status"] == "compliant" and shown["narrative"] == "Met"
    problem(api.get(path(ssa, "/rows"), status="nonsense"), 422)
    problem(api.get(path(ssa, "/rows"), owner="9" * 40), 422)
    problem(api.get(path(ssa, "/rows"), group="G3\x00"), 422)
    assert [r["ref"] for r in api.everything(path(ssa, "/rows"), group="G3")] == ["T1", "T2"]


def test_the_openapi_document_describes_every_route(tokens):
    document = tokens["olive"].get("/openapi.json").json()
    base = "/api/v1/organisations/{slug}/assessments"
    item = base + "/{assessment_id}"
    assert set(document["paths"][base]) == {"get", "post"}
    assert set(document["paths"][item]) == {"get", "patch"}
    assert set(document["paths"][item + "/rows/{row_id}"]) == {"get", "patch"}
    assert set(document["paths"][item + "/answers/{answer_id}"]) == {"get", "patch"}
    assert set(document["paths"][item + "/links/{link_id}"]) == {"delete"}
    for tail in ("/move", "/rows/{row_id}/check", "/answers/{answer_id}/check", "/links"):
        assert "post" in document["paths"][item + tail], tail


# --- creating and changing the assessment ---------------------------------------------------------


def test_only_an_owner_creates_an_assessment(ssa, people, tokens):
    count = Assessment.objects.count()
    for name, status in {"bob": 403, "dave": 403, "olive": 403, "engineer": 404, "carol": 404}.items():
        problem(tokens[name].post("/organisations/org-a/assessments", {"kind": "ssa", "title": name}), status)
    assert Assessment.objects.count() == count
    made = tokens["alice"].post("/organisations/org-a/assessments", {"kind": "ssa", "title": "SSA 2027"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["rows"] == 2 and body["answers"] == 2
    assert body["assessment"]["title"] == "SSA 2027" and body["assessment"]["status"] == "draft"
    created = events("assessments.assessment.created", people["alice"])
    assert [e.object_id for e in created][-1] == str(body["assessment"]["id"])


def test_creating_is_refused_in_the_products_words(ssa, people, tokens, other):
    api = tokens["alice"]
    assert problem(api.post("/organisations/org-a/assessments", {"kind": "audit"}), 422)["detail"].startswith(
        "'audit' is not an assessment type")
    detail = problem(api.post("/organisations/org-a/assessments", {"kind": "ssa", "baseline_id": ssa.pk}), 422)
    assert "has not been submitted" in detail["detail"]
    detail = problem(api.post("/organisations/org-a/assessments", {"kind": "ssa", "baseline_id": other.pk}), 422)
    assert detail["detail"] == "the baseline must be one of this organisation's assessments"
    assert Assessment.objects.filter(organisation__slug="org-a").count() == 1


def test_creating_from_a_baseline_carries_its_answers_forward(ssa, people, tokens):
    baseline = helpers.submit(ssa, maker=people["bob"], checker=people["alice"], approver=people["dave"])
    made = tokens["alice"].post("/organisations/org-a/assessments", {"kind": "ssa", "baseline_id": baseline.pk})
    assert made.status_code == 201, made.content
    assert made.json()["carried_rows"] == 2 and made.json()["assessment"]["baseline_id"] == baseline.pk


def test_details_are_changed_by_editors_only(ssa, people, tokens):
    for name, status in {**EDITORS, "engineer": 404, "carol": 404}.items():
        response = tokens[name].patch(path(ssa), {"title": f"Titled by {name}"})
        assert response.status_code == status, (name, response.content)
    ssa.refresh_from_db()
    assert ssa.title == "Titled by bob"
    assert events("assessments.assessment.changed", people["bob"])
    answer = tokens["alice"].patch(path(ssa), {"booking_reference": "BK-1", "cycle_year": 2}).json()
    assert answer["booking_reference"] == "BK-1" and answer["cycle_year"] == 2 and answer["title"] == "Titled by bob"


def test_details_refused_stale_and_malformed(ssa, tokens):
    api = tokens["alice"]
    assert problem(api.patch(path(ssa), {"cycle_year": 7}), 422)["detail"] == "the cycle year is 1, 2 or 3"
    old = ssa.revision
    assert api.patch(path(ssa), {"title": "Renamed", "revision": old}).status_code == 200
    stale = problem(api.patch(path(ssa), {"title": "Lost", "revision": old}), 409)
    assert stale["current"]["title"] == "Renamed" and stale["current"]["revision"] == old + 1
    problem(api.patch(path(ssa), {"period_start": "not a date"}), 422)
    ssa.refresh_from_db()
    assert ssa.title == "Renamed"


def test_the_lifecycle_moves_as_each_role_may(ssa, people, tokens):
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    problem(tokens["olive"].post(path(ssa, "/move"), {"to": "preparation"}), 403)
    problem(tokens["dave"].post(path(ssa, "/move"), {"to": "preparation"}), 403)
    moved = tokens["bob"].post(path(ssa, "/move"), {"to": "preparation"})
    assert moved.status_code == 200 and moved.json()["status"] == "preparation"
    assert events("assessments.assessment.start", bob)
    detail = problem(tokens["bob"].post(path(ssa, "/move"), {"to": "sign-off"}), 422)["detail"]
    assert detail == "an assessment that is in preparation cannot go to management sign-off"
    helpers.fill(ssa, bob, alice)
    assert tokens["bob"].post(path(ssa, "/move"), {"to": "internal-review"}).status_code == 200
    detail = problem(tokens["alice"].post(path(ssa, "/move"), {"to": "preparation"}), 422)["detail"]
    assert detail == "Return to preparation: give a reason"
    assert tokens["alice"].post(path(ssa, "/move"), {"to": "sign-off"}).json()["status"] == "sign-off"
    actions.decide_materiality(Assessment.objects.get(pk=ssa.pk), by=dave, decision="not-material", reason="None")
    problem(tokens["alice"].post(path(ssa, "/move"), {"to": "submitted", "declaration": DECLARATION.version}), 403)
    detail = problem(tokens["dave"].post(path(ssa, "/move"), {"to": "submitted"}), 422)["detail"]
    assert "accept the director's declaration" in detail
    submitted = tokens["dave"].post(path(ssa, "/move"), {"to": "submitted", "declaration": DECLARATION.version})
    assert submitted.json()["status"] == "submitted" and submitted.json()["submitted"] is True
    assert events("assessments.assessment.submit", dave)


# --- rows and answers ---------------------------------------------------------------------------


def test_rows_are_saved_by_editors_only_and_audited(ssa, people, tokens):
    for name, status in {**EDITORS, "engineer": 404, "carol": 404}.items():
        row = helpers.row(ssa, "T1")
        response = tokens[name].patch(row_path(ssa, "T1"), {"revision": row.revision, "narrative": f"By {name}"})
        assert response.status_code == status, (name, response.content)
    saved = helpers.row(ssa, "T1")
    assert saved.narrative == "By bob" and saved.updated_by == people["bob"]
    assert [e.object_id for e in events("assessments.row.saved", people["bob"])] == [str(saved.pk)]
    shown = tokens["alice"].patch(row_path(ssa, "T1"), {"revision": saved.revision, "status": "compliant",
                                                         "owner_id": people["bob"].pk, "last_tested": "2026-01-05"})
    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert body["status"] == "compliant" and body["narrative"] == "By bob" and body["owner"]["id"] == people["bob"].pk
    assert body["last_tested"] == "2026-01-05" and body["revision"] == saved.revision + 1


def test_a_row_saved_on_a_stale_revision_answers_409_with_the_row_as_it_stands(ssa, people, tokens):
    row = helpers.row(ssa, "T1")
    actions.save_row(row, by=people["bob"], revision=row.revision, narrative="Bob's words")
    stale = problem(tokens["alice"].patch(row_path(ssa, "T1"), {"revision": 1, "narrative": "Alice's words"}), 409)
    assert stale["current"]["narrative"] == "Bob's words" and stale["current"]["revision"] == 2
    assert stale["current"]["ref"] == "T1" and "saved by" in stale["detail"]
    assert helpers.row(ssa, "T1").narrative == "Bob's words"


def test_a_row_refused_in_the_products_words(ssa, people, tokens):
    api, row = tokens["alice"], helpers.row(ssa, "T1")
    detail = problem(api.patch(row_path(ssa, "T1"), {"revision": row.revision, "status": "not-applicable"}), 422)
    assert detail["detail"] == "T1: say why the obligation does not apply to you"
    detail = problem(api.patch(row_path(ssa, "T1"), {"revision": row.revision, "owner_id": people["olive"].pk}), 422)
    assert detail["detail"].startswith(f"{people['olive'].email} cannot be the owner")
    detail = problem(api.patch(row_path(ssa, "T1"), {"revision": row.revision, "owner_id": 2**31 - 1}), 422)
    assert detail["detail"] == "the owner must be a member of Alpha Energy Ltd"
    problem(api.patch(row_path(ssa, "T1"), {"narrative": "no revision"}), 422)
    assert helpers.row(ssa, "T1").revision == row.revision


def test_rows_are_checked_by_a_second_person(ssa, people, tokens):
    bob = people["bob"]
    row = helpers.row(ssa, "T1")
    actions.save_row(row, by=bob, revision=row.revision, status="compliant", narrative="Met")
    row = helpers.row(ssa, "T1")
    problem(tokens["olive"].post(row_path(ssa, "T1", "/check"), {"revision": row.revision}), 403)
    detail = problem(tokens["bob"].post(row_path(ssa, "T1", "/check"), {"revision": row.revision}), 422)["detail"]
    assert detail == "you made the last change to this item; someone else must check it"
    stale = problem(tokens["dave"].post(row_path(ssa, "T1", "/check"), {"revision": row.revision - 1}), 409)
    assert stale["current"]["narrative"] == "Met"
    checked = tokens["dave"].post(row_path(ssa, "T1", "/check"), {"revision": row.revision})
    assert checked.status_code == 200 and checked.json()["checked_by"]["id"] == people["dave"].pk
    assert [e.object_id for e in events("assessments.row.checked", people["dave"])] == [str(row.pk)]


def test_answers_are_saved_and_checked_as_on_the_web(ssa, people, tokens):
    bob, dave = people["bob"], people["dave"]
    for name, status in {**EDITORS, "engineer": 404, "carol": 404}.items():
        item = helpers.answer(ssa, "Q1")
        response = tokens[name].patch(answer_path(ssa, "Q1"), {"revision": item.revision, "answer": "no",
                                                                "narrative": f"By {name}"})
        assert response.status_code == status, (name, response.content)
    item = helpers.answer(ssa, "Q1")
    assert item.narrative == "By bob" and item.answer == "no"
    assert events("assessments.answer.saved", bob)
    detail = problem(tokens["bob"].patch(answer_path(ssa, "Q1"), {"revision": item.revision, "answer": "maybe"}), 422)
    assert detail["detail"] == "'maybe' is not an answer to Q1; use one of yes, no, partial, not-applicable"
    detail = problem(tokens["bob"].patch(answer_path(ssa, "Q1"), {"revision": item.revision, "material": True}), 422)
    assert detail["detail"] == "Q1: a material increase in risk needs its rationale"
    stale = problem(tokens["alice"].patch(answer_path(ssa, "Q1"), {"revision": 1, "answer": "yes"}), 409)
    assert stale["current"]["answer"] == "no" and stale["current"]["narrative"] == "By bob"
    for name, status in {"olive": 403, "engineer": 404, "carol": 404}.items():
        problem(tokens[name].post(answer_path(ssa, "Q1", "/check"), {"revision": item.revision}), status)
    checked = tokens["dave"].post(answer_path(ssa, "Q1", "/check"), {"revision": item.revision})
    assert checked.status_code == 200 and checked.json()["checked_by"]["id"] == dave.pk
    assert events("assessments.answer.checked", dave)
    shown = tokens["olive"].get(answer_path(ssa, "Q1")).json()
    assert shown["answered"] is True and shown["answer_label"] == "No" and shown["checked_by"]["id"] == dave.pk


# --- evidence -----------------------------------------------------------------------------------


def test_evidence_is_linked_and_unlinked_by_editors_only(ssa, people, tokens, org_a):
    bob = people["bob"]
    policy = evidence.add_document(org_a, title="Security policy", doc_type="policy", by=None)
    row = helpers.row(ssa, "T1")
    for name, status in {"dave": 403, "olive": 403, "engineer": 404, "carol": 404}.items():
        problem(tokens[name].post(path(ssa, "/links"), {"row_id": row.pk, "document_id": policy.pk}), status)
    assert not EvidenceLink.objects.exists()
    made = tokens["bob"].post(path(ssa, "/links"), {"row_id": row.pk, "document_id": policy.pk})
    assert made.status_code == 201, made.content
    link = made.json()
    assert link["ref"] == "T1" and link["document_title"] == "Security policy" and link["added_by"]["id"] == bob.pk
    assert events("assessments.evidence.linked", bob)
    detail = problem(tokens["bob"].post(path(ssa, "/links"), {"row_id": row.pk, "document_id": policy.pk}), 422)
    assert detail["detail"] == "'Security policy' is already linked here"
    answer = helpers.answer(ssa, "Q2")
    assert tokens["alice"].post(path(ssa, "/links"), {"answer_id": answer.pk, "document_id": policy.pk}).status_code \
        == 201
    assert [x["ref"] for x in tokens["olive"].everything(path(ssa, "/links"))] == ["T1", "Q2"]
    assert [x["ref"] for x in tokens["olive"].everything(path(ssa, "/links"), answer_id=answer.pk)] == ["Q2"]
    assert [x["document_title"] for x in tokens["olive"].get(row_path(ssa, "T1")).json()["links"]] == [
        "Security policy"]
    for name, status in {"dave": 403, "olive": 403, "engineer": 404, "carol": 404}.items():
        problem(tokens[name].delete(path(ssa, f"/links/{link['id']}")), status)
    gone = tokens["bob"].delete(path(ssa, f"/links/{link['id']}"))
    assert gone.status_code == 204
    assert not EvidenceLink.objects.filter(pk=link["id"]).exists()
    assert events("assessments.evidence.unlinked", bob)


def test_linking_refused_and_malformed(ssa, tokens, other):
    api, row = tokens["alice"], helpers.row(ssa, "T1")
    theirs = EvidenceLink.objects.get(assessment=other).document
    detail = problem(api.post(path(ssa, "/links"), {"row_id": row.pk, "document_id": theirs.pk}), 422)
    assert detail["detail"] == "choose a document from this organisation's register"
    both = problem(api.post(path(ssa, "/links"), {"row_id": row.pk, "answer_id": 1, "document_id": theirs.pk}), 422)
    assert "give row_id or answer_id" in str(both["errors"])
    problem(api.post(path(ssa, "/links"), {"document_id": theirs.pk}), 422)
    assert not EvidenceLink.objects.filter(assessment=ssa).exists()


# --- tokens and tenancy -------------------------------------------------------------------------


def test_a_read_only_token_reads_and_changes_nothing(ssa, people, org_a):
    policy = evidence.add_document(org_a, title="Security policy", doc_type="policy", by=None)
    link = actions.link_evidence(helpers.row(ssa, "T2"), policy, by=people["alice"])
    api = Api(make_token(people["alice"], org_a, read_only=True))
    assert api.get(path(ssa)).status_code == 200
    row, answer = helpers.row(ssa, "T1"), helpers.answer(ssa, "Q1")
    before, revision = Event.objects.count(), Assessment.objects.get(pk=ssa.pk).revision
    writes = [
        ("post", "/organisations/org-a/assessments", {"kind": "ssa"}),
        ("patch", path(ssa), {"title": "Changed"}),
        ("post", path(ssa, "/move"), {"to": "preparation"}),
        ("patch", row_path(ssa, "T1"), {"revision": row.revision, "narrative": "Changed"}),
        ("post", row_path(ssa, "T1", "/check"), {"revision": row.revision}),
        ("patch", answer_path(ssa, "Q1"), {"revision": answer.revision, "answer": "yes"}),
        ("post", answer_path(ssa, "Q1", "/check"), {"revision": answer.revision}),
        ("post", path(ssa, "/links"), {"row_id": row.pk, "document_id": policy.pk}),
    ]
    for method, where, body in writes:
        problem(getattr(api, method)(where, body), 403)
    problem(api.delete(path(ssa, f"/links/{link.pk}")), 403)
    assert Event.objects.count() == before
    assert Assessment.objects.filter(organisation=org_a).count() == 1
    assert Assessment.objects.get(pk=ssa.pk).revision == revision
    assert helpers.row(ssa, "T1").revision == row.revision and EvidenceLink.objects.filter(pk=link.pk).exists()


def test_another_organisations_ids_answer_404(ssa, tokens, other, mallory, org_b):
    api = tokens["alice"]
    their_row, their_answer = helpers.rows_of(other)[0], helpers.answers_of(other)[0]
    their_link = EvidenceLink.objects.get(assessment=other)
    for where in reads(other):
        problem(api.get(where), 404)
    for where in (path(ssa, f"/rows/{their_row.pk}"), path(ssa, f"/answers/{their_answer.pk}")):
        problem(api.get(where), 404)
    problem(api.patch(path(ssa, f"/rows/{their_row.pk}"), {"revision": their_row.revision, "narrative": "x"}), 404)
    problem(api.post(path(ssa, f"/answers/{their_answer.pk}/check"), {"revision": their_answer.revision}), 404)
    problem(api.delete(path(ssa, f"/links/{their_link.pk}")), 404)
    problem(api.post(path(ssa, "/links"), {"row_id": their_row.pk, "document_id": their_link.document_id}), 404)
    problem(api.patch(path(other), {"title": "Taken"}), 404)
    problem(api.get(f"/organisations/org-b/assessments/{other.pk}"), 404)
    problem(api.get("/organisations/org-b/assessments"), 404)
    problem(Api(make_token(mallory, org_b)).get(path(ssa)), 404)
    for huge in (path(ssa, f"/rows/{2**63}"), f"/organisations/org-a/assessments/{10**30}", path(ssa, "/rows/0")):
        assert api.get(huge).status_code in (404, 422), huge
    other.refresh_from_db()
    assert other.title == "Bravo SSA" and EvidenceLink.objects.filter(pk=their_link.pk).exists()
    assert ValidationRow.objects.get(pk=their_row.pk).revision == their_row.revision
    assert QuestionAnswer.objects.get(pk=their_answer.pk).checked_by is None
    assert not EvidenceLink.objects.filter(assessment=ssa).exists()


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def large(write, org_a, people):
    """An assessment with 30 rows and 30 answers, each row owned, saved, checked and with evidence."""
    catalogue = helpers.load_text(write, big(30), "big.yaml")
    alice, bob = people["alice"], people["bob"]
    found = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=catalogue, title="Large").assessment
    for n, item in enumerate(helpers.rows_of(found)):
        actions.save_row(item, by=bob, revision=item.revision, status="compliant", narrative="Met", owner=bob)
        actions.check_item(item, by=alice, revision=item.revision)
        document = evidence.add_document(org_a, title=f"Record {n:02d}", doc_type="record", by=None)
        actions.link_evidence(item, document, by=bob)
    for item in helpers.answers_of(found):
        actions.save_answer(item, by=bob, revision=item.revision, answer="no", owner=bob)
        actions.check_item(item, by=alice, revision=item.revision)
    return found


def test_lists_page_by_cursor_in_a_stable_order(large, people, tokens, org_a, other):
    for n in range(4):
        actions.create_assessment(org_a, kind="ssa", by=people["alice"], title=f"Extra {n}")
    api = tokens["olive"]
    first = api.get("/organisations/org-a/assessments", page_size=2).json()
    assert len(first["results"]) == 2 and first["next"]
    seen = [a["id"] for a in api.everything("/organisations/org-a/assessments", page_size=2)]
    assert seen == list(Assessment.objects.filter(organisation=org_a).order_by("pk").values_list("pk", flat=True))
    assert len(seen) == 6 and other.pk not in seen
    for tail, model in (("/rows", ValidationRow), ("/answers", QuestionAnswer), ("/links", EvidenceLink)):
        ids = [item["id"] for item in api.everything(path(large, tail), page_size=7)]
        assert len(ids) == 30 and len(set(ids)) == 30, tail
        assert ids == list(model.objects.filter(assessment=large).order_by("pk").values_list("pk", flat=True)), tail


def _queries(api, where: str, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(where, **params)
    assert response.status_code == 200, response.content
    return len(captured), len(response.json()["results"])


def test_each_list_takes_the_same_queries_for_3_items_as_for_30(large, people, org_a):
    for n in range(30):
        actions.create_assessment(org_a, kind="ssa", by=people["alice"], title=f"Extra {n}")
    api = Api(make_token(people["olive"], org_a))
    api.get("/organisations/org-a")  # the token's first use from an address is audited once
    # Each with two for every request: the token's throttle count and its MFA check.
    pinned = {"/organisations/org-a/assessments": 7, path(large, "/rows"): 8, path(large, "/answers"): 8,
              path(large, "/links"): 7}
    for where, most in pinned.items():
        few, few_items = _queries(api, where, page_size=3)
        many, many_items = _queries(api, where, page_size=30)
        assert (few_items, many_items) == (3, 30), where
        assert few == many <= most, (where, few, many)
