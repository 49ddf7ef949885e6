"""Where each entry comes from: a version says which releases it reflects, an entry the page, its
title and the SCF section or Agreed Interpretation it rests on. They load, show, compare and are
checked like the rest of the content; files written before these keys keep their digest."""

import pytest
import yaml

from secassure.catalogue.diff import diff, snapshot_of_data, snapshot_of_version
from secassure.catalogue.importers.base import CatalogueError
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.lint import lint_document
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
    before = {"url": SOURCE["source_url"], "title": SOURCE["source_title"], "scf_ref": "Appendix AD 3.3.1",
              "ai_ref": "AI 3.2"}
    assert changed["ref"] == "T1.1" and changed["fields"] == {
        "sources": {"old": [before], "new": [{**before, "title": "Glossary: Alpha"}]}}


# Two pages for one entry: a news item with its Agreed Interpretation, and a glossary page.
TWO = [{"url": "https://example.org/news/ai-1-7/", "title": "News: AI v1.7 (15 April 2019)", "ai_ref": "v1.7"},
       {"url": "https://example.org/glossary/alpha/", "title": "Glossary: Alpha"}]


def with_sources(version: str = "1.0", sources=None) -> dict:
    doc = native_doc(version=version)
    doc["obligations"][0]["sources"] = sources if sources is not None else [dict(s) for s in TWO]
    return doc


def test_several_sources_are_read_in_order_and_the_first_address_is_the_entrys():
    data = parse_document("t.yaml", with_sources())
    ob = data.obligations[0]
    assert ob.extra == {"sources": TWO}
    assert ob.source_url == TWO[0]["url"]


def test_the_single_form_given_as_well_is_the_first_source():
    doc = with_sources(sources=[dict(TWO[1])])
    doc["obligations"][0].update(source_url=TWO[0]["url"], source_title=TWO[0]["title"], ai_ref="v1.7")
    ob = parse_document("t.yaml", doc).obligations[0]
    assert ob.extra == {"sources": TWO} and ob.source_url == TWO[0]["url"]


def test_a_source_known_by_its_title_alone_is_kept_without_an_address():
    doc = with_sources(sources=[{"title": "News: AI v1.7 (15 April 2019)"}, dict(TWO[1])])
    ob = parse_document("t.yaml", doc).obligations[0]
    assert ob.extra["sources"][0] == {"title": "News: AI v1.7 (15 April 2019)"}
    assert ob.source_url == TWO[1]["url"]  # the first source that has an address


@pytest.mark.parametrize(("sources", "place", "message"), [
    ([], "obligations[0].sources", "non-empty list"),
    ({"url": TWO[0]["url"]}, "obligations[0].sources", "non-empty list"),
    ([{"url": TWO[0]["url"]}], "obligations[0].sources[0].title", "missing"),
    ([{"url": "http://example.org/", "title": "Plain"}], "obligations[0].sources[0].url", "https://"),
    ([{**TWO[0], "page": 3}], "obligations[0].sources[0].page", "unknown key"),
    ([TWO[0], {**TWO[1], "url": TWO[0]["url"]}], "obligations[0].sources", "same address twice"),
    ([{"title": "x" * 301}], "obligations[0].sources[0].title", "longer than 300"),
])
def test_bad_sources_are_refused_with_their_place(sources, place, message):
    with pytest.raises(CatalogueError, match=message) as caught:
        parse_document("t.yaml", with_sources(sources=sources))
    assert caught.value.place == place


def test_every_source_is_shown_on_the_page_and_by_show(db, client, alice, cli):
    doc = with_sources(sources=[dict(TWO[0]), {"title": "Glossary: Beta (address not known)"}, dict(TWO[1])])
    load(parse_document("t.yaml", doc))
    client.force_login(alice)
    page = client.get("/catalogue/test-fw/1.0/T1.1/").content.decode()
    for source in TWO:
        assert f'<a href="{source["url"]}" rel="noopener noreferrer">{source["title"]}</a>' in page
    assert "Glossary: Beta (address not known) <span class=\"muted\">(address not recorded)</span>" in page
    assert "Agreed Interpretations: v1.7" in page and ">Sources<" in page

    shown = cli("catalogue", "show", "T1.1", "--framework", "test-fw@1.0", "--json").json()
    assert [s["title"] for s in shown["sources"]] == [TWO[0]["title"], "Glossary: Beta (address not known)",
                                                       TWO[1]["title"]]
    assert shown["source_url"] == TWO[0]["url"] and shown["source_title"] == TWO[0]["title"]
    assert shown["ai_ref"] == "v1.7"
    text = cli("catalogue", "show", "T1.1", "--framework", "test-fw@1.0").stdout
    assert f"Source: {TWO[0]['title']}: {TWO[0]['url']}" in text
    assert "Source: Glossary: Beta (address not known): address not recorded" in text
    assert f"Source: {TWO[1]['title']}: {TWO[1]['url']}" in text


def test_a_second_source_shows_in_the_diff_and_the_form_alone_does_not():
    single = native_doc()
    single["obligations"][0].update(source_url=TWO[0]["url"], source_title=TWO[0]["title"], ai_ref="v1.7")
    as_list = with_sources(sources=[dict(TWO[0])])
    unchanged = diff(snapshot_of_data(parse_document("a.yaml", single)),
                     snapshot_of_data(parse_document("b.yaml", as_list)))
    assert unchanged["obligations"]["changed"] == []

    changes = diff(snapshot_of_data(parse_document("a.yaml", single)),
                   snapshot_of_data(parse_document("b.yaml", with_sources())))
    [changed] = changes["obligations"]["changed"]
    assert changed["ref"] == "T1.1" and list(changed["fields"]) == ["sources"]
    assert changed["fields"]["sources"] == {"old": [TWO[0]], "new": TWO}


@pytest.mark.parametrize(("sources", "problem"), [
    ([{"url": "https://example.org/source", "title": "The version's overview"}, dict(TWO[1])], None),
    ([{"url": "https://example.org/source", "title": "The version's overview"}], "general page"),
    ([{"title": "News: AI v1.7 (15 April 2019)"}], "cites no page"),
    ([{"title": "News: AI v1.7 (15 April 2019)"}, dict(TWO[1])], None),
])
def test_an_entry_tagged_s_needs_one_specific_source_with_a_title(sources, problem):
    found = lint_document("t.yaml", with_sources(sources=sources))
    found = [p for p in found if p.ref == "T1.1"]
    if problem is None:
        assert found == []
    else:
        [p] = found
        assert p.rule == "specific-source" and problem in p.message
