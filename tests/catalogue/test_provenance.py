"""Where each entry comes from: a version says which releases it reflects, an entry the page, its
title and the SCF section or Agreed Interpretation it rests on. They load, show, compare and are
checked like the rest of the content; files written before these keys keep their digest."""

import pytest
import yaml

from secassure.catalogue.diff import diff, snapshot_of_data, snapshot_of_version
from secassure.catalogue.importers.base import CatalogueError
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion, Obligation
from tests.catalogue.samples import native_doc

SOURCE = {"source_url": "https://example.org/news/scf-2-3/", "source_title": "News: SCF v2.3 (11 March 2021)",
          "scf_ref": "Appendix AD 3.3.1", "ai_ref": "AI 3.2"}


def with_provenance(version: str = "1.0") -> dict:
    doc = native_doc(version=version)
    doc["version"]["reflects"] = {"scf": "2.3", "agreed_interpretations": "2.2"}
    doc["obligations"][0].update(SOURCE)
    return doc


def test_provenance_is_read_and_kept_apart_from_the_other_fields():
    data = parse_document("t.yaml", with_provenance())
    assert data.extra == {"reflects": {"scf": "2.3", "agreed_interpretations": "2.2"}}
    assert data.obligations[0].extra == {k: v for k, v in SOURCE.items() if k != "source_url"}
    assert data.obligations[1].extra == {}


def test_a_file_without_provenance_keeps_its_digest():
    plain = parse_document("t.yaml", native_doc())
    assert plain.extra == {} and all(o.extra == {} for o in plain.obligations)
    assert plain.content_hash() == parse_document("u.yaml", yaml.safe_load(yaml.safe_dump(native_doc()))).content_hash()


@pytest.mark.parametrize(("where", "change", "message"), [
    ("version", {"reflects": {"sec": "1.0", "scf_release": "2"}}, "unknown key"),
    ("version", {"reflects": ["2.3"]}, "expected a mapping"),
    ("obligation", {"source_title": "x" * 301}, "longer than 300 characters"),
    ("obligation", {"scf_ref": ["4.5"]}, "expected text"),
])
def test_bad_provenance_is_refused_with_its_place(where, change, message):
    doc = native_doc()
    (doc["version"] if where == "version" else doc["obligations"][0]).update(change)
    with pytest.raises(CatalogueError, match=message):
        parse_document("t.yaml", doc)


def test_loaded_provenance_is_shown_and_compared(db, client, alice):
    load(parse_document("t.yaml", with_provenance()))
    version = FrameworkVersion.objects.get()
    assert version.extra["reflects"] == {"scf": "2.3", "agreed_interpretations": "2.2"}
    ob = Obligation.objects.get(ref="T1.1")
    assert ob.extra["source_title"] == SOURCE["source_title"]

    client.force_login(alice)
    page = client.get("/catalogue/test-fw/1.0/T1.1/").content.decode()
    assert f'<a href="{SOURCE["source_url"]}" rel="noopener noreferrer">{SOURCE["source_title"]}</a>' in page
    assert "Appendix AD 3.3.1" in page and "AI 3.2" in page
    listing = client.get("/catalogue/test-fw/1.0/").content.decode()
    assert "Security Controls Framework v2.3" in listing and "the SEC release is not recorded" in listing

    revised = with_provenance("1.1")
    revised["obligations"][0]["source_title"] = "Glossary: Alpha"
    changes = diff(snapshot_of_version(version), snapshot_of_data(parse_document("t.yaml", revised)))
    [changed] = changes["obligations"]["changed"]
    assert changed["ref"] == "T1.1" and changed["fields"] == {
        "source_title": {"old": SOURCE["source_title"], "new": "Glossary: Alpha"}}
