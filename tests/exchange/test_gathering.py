"""What an export reads of an assessment's rows and answers: each item's own fields, evidence and CIO
comments, chunk by chunk, in a number of queries that does not grow with the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions as assessments
from secassure.assessments.models import EvidenceLink
from secassure.exchange import gathering, workbook
from secassure.people import name_and_email
from tests.assessments import helpers
from tests.exchange.conftest import document


def as_gathered(assessment, kind: str, chunk: int) -> list[tuple]:
    return [(item.pk, item.revision, item.narrative, item.changed, item.change_note,
             (item.obligation if kind == "row" else item.question).ref, name_and_email(item.owner),
             name_and_email(item.checked_by), item.evidence, [c.pk for c in item.comment_list])
            for item in gathering.items(assessment, kind, chunk=chunk)]


@pytest.fixture
def comments_of():
    """An item's CIO comments, oldest first, read the plain way."""
    from secassure.review.models import Comment

    def comments(item):
        field = "row" if hasattr(item, "obligation_id") else "answer"
        return Comment.objects.filter(**{field: item}).order_by("created_at", "pk")
    return comments


@pytest.mark.parametrize("chunk", [1, 2, 500])
@pytest.mark.parametrize("same_order", [False, True], ids=["ordered", "all-of-one-order"])
def test_each_item_carries_its_own_fields_evidence_and_comments(reviewed, org_a, bob, chunk, same_order,
                                                                 comments_of):
    """Chunked by the range of the rows' order, every item still gets exactly its own links and
    comments, even when rows of the same order fall in different chunks."""
    t1, t2 = helpers.row(reviewed, "T1"), helpers.row(reviewed, "T2")
    # More links than the fixture has (the assessment is locked now: made as a link would be).
    EvidenceLink.objects.create(assessment=reviewed, row=t2, document=document(org_a, "Access control standard"))
    EvidenceLink.objects.create(assessment=reviewed, answer=helpers.answer(reviewed, "Q1"),
                                document=document(org_a, "Supplier register"))
    if same_order:
        reviewed.rows.update(order=7)
        reviewed.answers.update(order=7)
    for kind in ("row", "answer"):
        gathered = as_gathered(reviewed, kind, chunk)
        model = reviewed.rows if kind == "row" else reviewed.answers
        expected = []
        for item in model.order_by("order", "pk"):
            links = EvidenceLink.objects.filter(**{kind: item}).select_related("document", "version").order_by("pk")
            evidence = [(link.document_id, link.version.number if link.version_id
                         else link.document.versions.order_by("-number").first().number, link.document.title)
                        for link in links]
            target = item.obligation if kind == "row" else item.question
            expected.append((item.pk, item.revision, item.narrative, item.changed, item.change_note, target.ref,
                             name_and_email(item.owner), name_and_email(item.checked_by), evidence,
                             [c.pk for c in comments_of(item)]))
        assert gathered == expected
    assert any(entry[8] for entry in as_gathered(reviewed, "row", chunk) if entry[0] == t1.pk)
    assert [entry[9] for entry in as_gathered(reviewed, "row", chunk) if entry[0] == t2.pk] != [[]]


def test_the_export_reads_in_queries_that_do_not_grow_with_the_rows(write, org_a, alice, bob, tmp_path):
    """However many rows, the same queries (within a chunk: each chunk of rows adds the same few)."""
    helpers.hold(org_a, "import-supplier")
    counts, chunked = {}, {}
    for size in (3, 60):
        catalogue = helpers.load_text(write, helpers.numbered(size, f"rows-{size}"), f"rows-{size}.yaml")
        assessment = assessments.create_assessment(org_a, kind="ssa", by=alice, catalogue=catalogue,
                                                   title=f"SSA of {size}").assessment
        assessments.move(assessment, "preparation", by=bob)
        policy = document(org_a, f"Policy for {size}")
        for row in assessment.rows.all():
            assessments.link_evidence(row, policy, by=bob)
        with CaptureQueriesContext(connection) as queries:
            workbook.write(assessment, tmp_path / f"{size}.xlsx", by=bob)
        counts[size] = len(queries)
        for chunk in (10, 20):
            with CaptureQueriesContext(connection) as queries:
                assert len(list(gathering.items(assessment, "row", chunk=chunk))) == size
            chunked[size, chunk] = len(queries)
    assert counts[3] == counts[60], counts
    # Sixty rows in chunks of ten are three chunks more than in chunks of twenty: so many queries
    # more, a chunk's worth each (its links, its comments, its documents' latest versions).
    per_chunk = (chunked[60, 10] - chunked[60, 20]) / 3
    assert per_chunk == 3 and chunked[3, 10] == chunked[3, 20] == 1 + per_chunk, chunked
