"""Taking many items in and linking many documents at once (what an intake of a client's own
spreadsheet writes): each item and each link stored and audited as taking it in or linking it alone
would, refused as a whole where one alone would be refused, and in the same number of statements
for one as for many."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.assessments import actions
from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.errors import ActionError
from secassure.evidence.actions import add_document
from tests.assessments import helpers

WHEN = ("updated_at", "added_at", "created_at")  # the moment of writing: the same only by chance


class _Undone(Exception):
    pass


def events(org, since: int) -> list[tuple]:
    """What each event after seq ``since`` says, but its moment and place in the chain."""
    return list(Event.objects.filter(organisation=org, seq__gt=since).order_by("seq").values_list(
        "action", "object_type", "object_repr", "before", "after", "reason", "actor_id"))


def last_seq(org) -> int:
    return Event.objects.filter(organisation=org).order_by("-seq").values_list("seq", flat=True).first() or 0


def stored(assessment) -> dict:
    found = {f"row:{r['id']}": r for r in assessment.rows.values()}
    found.update({f"answer:{a['id']}": a for a in assessment.answers.values()})
    found.update({f"link:{link['row_id']}:{link['answer_id']}:{link['document_id']}": link
                  for link in assessment.links.values()})
    for values in found.values():
        for name in (*WHEN, "id"):
            values.pop(name, None)
    return found


def alone_then_undone(assessment, write) -> tuple[list, dict]:
    """The events and the stored state that write() leaves, undone afterwards."""
    org, since, before = assessment.organisation, last_seq(assessment.organisation), stored(assessment)
    try:
        with transaction.atomic():
            write()
            found = events(org, since), stored(assessment)
            raise _Undone
    except _Undone:
        pass
    assert stored(assessment) == before
    return found


@pytest.fixture
def documents(org_a, alice):
    return [add_document(org_a, by=alice, title=f"Policy {n}", doc_type="policy") for n in range(3)]


def test_taking_many_in_writes_what_taking_each_in_alone_writes(a, alice, bob):
    changes = {"T1": {"status": "partial", "narrative": "From the client's file", "owner": bob},
               "T2": {"narrative": "Theirs"}, "Q1": {"answer": "no"}}

    def items():
        return {"T1": helpers.row(a, "T1"), "T2": helpers.row(a, "T2"), "Q1": helpers.answer(a, "Q1")}

    def each():
        for ref, item in items().items():
            actions.take_in(item, by=alice, revision=item.revision, source="client.xlsx", **changes[ref])

    said, left = alone_then_undone(a, each)
    since = last_seq(a.organisation)
    found = items()
    written = actions.save_many(a, [(item, item.revision, changes[ref]) for ref, item in found.items()], by=alice,
                                source="client.xlsx")
    assert [str(item) for item in written] == ["T1", "T2", "Q1"]
    assert events(a.organisation, since) == said
    assert [e[0] for e in said] == ["assessments.row.taken_in"] * 2 + ["assessments.answer.taken_in"]
    assert stored(a) == left
    assert not helpers.row(a, "T1").confirmed and helpers.row(a, "T1").carried_forward
    assert verify().ok


def test_taking_many_in_refuses_as_taking_one_in_does(a, alice, olive):
    t1 = helpers.row(a, "T1")
    narrative = t1.narrative
    for source in ("", "  "):
        with pytest.raises(ActionError, match="name the file"):
            actions.save_many(a, [(t1, t1.revision, {"narrative": "x"})], by=alice, source=source)
    with pytest.raises(ActionError, match="cannot be the owner"):
        actions.save_many(a, [(t1, t1.revision, {"owner": olive})], by=alice, source="client.xlsx")
    stale = helpers.row(a, "T2")
    actions.save_row(helpers.row(a, "T2"), by=alice, revision=stale.revision, narrative="Saved meanwhile")
    since = last_seq(a.organisation)
    with pytest.raises(actions.StaleEdit) as caught:
        actions.save_many(a, [(t1, t1.revision, {"narrative": "a"}), (stale, stale.revision, {"narrative": "b"})],
                          by=alice, source="client.xlsx")
    assert caught.value.current.pk == stale.pk  # the item saved meanwhile, named
    assert events(a.organisation, since) == [] and helpers.row(a, "T1").narrative == narrative


def test_giving_many_rows_one_owner_reads_the_owners_role_once(a, alice, bob):
    def queries(refs: list[str], owner) -> int:
        rows = [helpers.row(a, ref) for ref in refs]
        with CaptureQueriesContext(connection) as captured:
            actions.save_many(a, [(row, row.revision, {"owner": owner, "narrative": f"{row} {len(refs)}"})
                                  for row in rows], by=alice, source="client.xlsx")
        return len(captured)

    assert queries(["T1"], bob) == queries(["T1", "T2"], alice)


def test_linking_many_writes_what_linking_each_alone_writes(a, alice, dave, documents):
    pairs = [("T1", 0), ("T1", 1), ("T2", 1), ("Q1", 2)]
    a.rows.update(checked_by=dave, checked_at=timezone.now())  # evidence is part of what a checker saw
    a.answers.update(checked_by=dave, checked_at=timezone.now())

    def item(ref):
        return helpers.row(a, ref) if ref.startswith("T") else helpers.answer(a, ref)

    def each():
        for ref, n in pairs:
            actions.link_evidence(item(ref), documents[n], by=alice)

    said, left = alone_then_undone(a, each)
    since = last_seq(a.organisation)
    made = actions.link_many(a, [(item(ref), documents[n]) for ref, n in pairs], by=alice)
    assert len(made) == 4 and all(link.pk for link in made)
    assert events(a.organisation, since) == said
    assert {e[0] for e in said} == {"assessments.evidence.linked"}
    assert stored(a) == left
    assert [helpers.row(a, "T1").checked_by_id, helpers.answer(a, "Q2").checked_by_id] == [None, dave.pk]
    linked = Event.objects.filter(organisation=a.organisation, seq__gt=since).values_list("object_id", flat=True)
    assert sorted(linked) == sorted(str(link.pk) for link in made)  # each event names its own link
    assert verify().ok


def test_linking_many_refuses_as_linking_one_does_and_writes_nothing(a, alice, olive, mallory, org_b, documents):
    t1, t2 = helpers.row(a, "T1"), helpers.row(a, "T2")
    actions.link_evidence(t2, documents[0], by=alice)
    theirs = add_document(org_b, by=mallory, title="Their policy", doc_type="policy")
    other = actions.create_assessment(a.organisation, kind="vusa", by=alice, title="VUSA 2026").assessment
    elsewhere = other.rows.first()
    since, before = last_seq(a.organisation), stored(a)
    for links, by, message in (
            ([(t1, documents[1]), (t2, documents[0])], alice, "'Policy 0' is already linked here"),
            ([(t1, documents[1]), (t1, theirs)], alice, "not in this organisation's register"),
            ([(t1, documents[1]), (t1, documents[1])], alice, "named twice"),
            ([(t1, documents[1]), (elsewhere, documents[1])], alice, "is not part of this assessment"),
            ([(t1, documents[1])], olive, "does not allow this")):
        with pytest.raises(ActionError, match=message):
            actions.link_many(a, links, by=by)
        assert (events(a.organisation, since), stored(a)) == ([], before)
    assert not other.links.exists()


def test_a_link_made_meanwhile_refuses_the_batch_with_a_reason(a, alice, bob, documents, monkeypatch):
    """Someone links one of the documents between the check and the insert: the batch is refused
    in words, not with the database's error, and nothing of it is written."""
    from secassure.assessments.models import EvidenceLink

    t1, t2 = helpers.row(a, "T1"), helpers.row(a, "T2")
    insert = EvidenceLink.objects.bulk_create

    def after_someone_else(links, *args, **kwargs):
        EvidenceLink.objects.create(assessment=a, row=t2, document=documents[1], added_by=bob)
        return insert(links, *args, **kwargs)

    monkeypatch.setattr(EvidenceLink.objects, "bulk_create", after_someone_else)
    since = last_seq(a.organisation)
    with transaction.atomic():
        with pytest.raises(ActionError, match="linked here by someone else meanwhile"):
            actions.link_many(a, [(t1, documents[0]), (t2, documents[1])], by=alice)
        assert not a.links.filter(row=t1).exists() and events(a.organisation, since) == []


def test_linking_many_takes_as_many_statements_for_one_link_as_for_many(a, alice, documents):
    def queries(links) -> int:
        with CaptureQueriesContext(connection) as captured:
            actions.link_many(a, links, by=alice)
        return len(captured)

    t1, t2, q1 = helpers.row(a, "T1"), helpers.row(a, "T2"), helpers.answer(a, "Q1")
    one = queries([(t1, documents[0])])
    assert queries([(t2, documents[0]), (t2, documents[1]), (t1, documents[1])]) == one
    assert queries([(q1, documents[0]), (q1, documents[1])]) == one
