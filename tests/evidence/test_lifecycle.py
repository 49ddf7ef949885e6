"""A document's lifecycle: the transition table, exhaustively; who moved it and when."""

import itertools

import pytest

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions
from secassure.evidence.choices import TRANSITIONS, DocumentStatus
from secassure.evidence.models import Document, DocumentStatusChange
from tests.evidence import files


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path):
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"


@pytest.fixture
def document(org_a):
    doc = actions.add_document(org_a, title="Access control procedure", doc_type="procedure", by=None)
    actions.add_version(doc, chunks=[files.PDF], name="access.pdf", by=None)
    return doc


@pytest.mark.parametrize(("start", "end"), list(itertools.product(DocumentStatus.values, repeat=2)))
def test_every_pair_of_statuses(document, alice, start, end):
    Document.objects.filter(pk=document.pk).update(status=start)
    document.refresh_from_db()
    if end in TRANSITIONS[start]:
        change = actions.move_document(document, end, by=alice, reason="quarterly review")
        assert (change.from_status, change.to_status, change.changed_by) == (start, end, alice)
        assert Document.objects.get(pk=document.pk).status == end
        assert Event.objects.filter(action="evidence.document.status_changed", before={"status": start},
                                    after={"status": end}).exists()
    else:
        with pytest.raises(ActionError, match="cannot become"):
            actions.move_document(document, end, by=alice)
        assert Document.objects.get(pk=document.pk).status == start
        assert not DocumentStatusChange.objects.exists()


def test_publishing_needs_a_version(org_a, alice):
    empty = actions.add_document(org_a, title="Empty", doc_type="policy", by=None)
    actions.move_document(empty, "in-review", by=alice)
    actions.move_document(empty, "approved", by=alice)
    with pytest.raises(ActionError, match="upload a version before publishing"):
        actions.move_document(empty, "published", by=alice)


def test_moving_from_the_page_shows_the_history(client, alice, org_a, document):
    client.force_login(alice)
    client.post(f"/orgs/{org_a.slug}/documents/{document.pk}/status/", {"status": "in-review", "reason": "annual"})
    page = client.get(f"/orgs/{org_a.slug}/documents/{document.pk}/").content.decode()
    assert "In review" in page and "Draft → In review" in page and "alice@a.test" in page and "annual" in page
    refused = client.post(f"/orgs/{org_a.slug}/documents/{document.pk}/status/", {"status": "retired"}, follow=True)
    assert "cannot become retired" in refused.content.decode()
