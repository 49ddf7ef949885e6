"""Applicability conditions: an entry may apply only while facts hold for the organisation (when),
or also to any organisation for which one holds (also_when). Read, refused, stored, read back the
same way for files that use the older srp_user flag, and shown in words."""

import pytest
import yaml

from secassure.catalogue.diff import diff, snapshot_of_data
from secassure.catalogue.importers.base import CatalogueError
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.loader import load
from secassure.catalogue.queries import conditions, conditions_in_words
from tests.catalogue.samples import native_doc


def with_conditions(version: str = "1.0", **applicability) -> dict:
    doc = native_doc(version=version)
    doc["obligations"][0]["applicability"].update(applicability)
    return doc


def test_conditions_are_read_sorted_into_extra():
    doc = with_conditions(when=["srp-user", "live-dcc-user"])
    doc["obligations"][3]["applicability"] = {"categories": ["srp"], "also_when": ["srp-user"]}
    data = parse_document("t.yaml", doc)
    assert data.obligations[0].extra == {"when": ["live-dcc-user", "srp-user"]}
    assert data.obligations[3].extra == {"also_when": ["srp-user"]} and data.obligations[3].categories == ["srp"]
    assert data.obligations[1].extra == {}


def test_the_older_flag_is_stored_as_it_always_was():
    data = parse_document("t.yaml", with_conditions(srp_user=True))
    assert data.obligations[0].extra == {"srp_user": True}


@pytest.mark.parametrize(("applicability", "place", "message"), [
    ({"when": ["srp-customer"]}, "applicability.when[0]", "'srp-customer' is not a condition"),
    ({"also_when": ["live-dcc-user", 3]}, "applicability.also_when[1]", "3 is not a condition"),
    ({"when": "srp-user"}, "applicability.when", "non-empty list"),
    ({"when": []}, "applicability.when", "non-empty list"),
    ({"when": ["srp-user", "srp-user"]}, "applicability.when", "twice"),
    ({"when": ["srp-user"], "srp_user": True}, "applicability.srp_user", "give the condition once"),
    ({"where": ["srp-user"]}, "applicability.where", "unknown key"),
])
def test_bad_conditions_are_refused_with_their_place(applicability, place, message):
    with pytest.raises(CatalogueError, match=message) as caught:
        parse_document("t.yaml", with_conditions(**applicability))
    assert caught.value.place == f"obligations[0].{place}"


@pytest.mark.parametrize(("extra", "when", "also_when"), [
    ({}, set(), set()),
    (None, set(), set()),
    ({"srp_user": True}, {"srp-user"}, set()),  # a version published before conditions
    ({"srp_user": False}, set(), set()),
    ({"when": ["live-dcc-user", "srp-user"]}, {"live-dcc-user", "srp-user"}, set()),
    ({"also_when": ["srp-user"], "source_title": "Glossary"}, set(), {"srp-user"}),
])
def test_conditions_read_both_forms(extra, when, also_when):
    found = conditions(extra)
    assert found == (frozenset(when), frozenset(also_when))
    assert all(isinstance(part, frozenset) for part in found)


def test_conditions_in_words():
    assert conditions_in_words({"srp_user": True}) == ["only while it uses a Shared Resource Provider"]
    assert conditions_in_words({"when": ["live-dcc-user", "srp-user"], "also_when": ["srp-user"]}) == [
        "only for a Live DCC User", "only while it uses a Shared Resource Provider",
        "also for any organisation using a Shared Resource Provider"]
    assert conditions_in_words({}) == []


def test_conditions_are_shown_on_the_page_and_by_show(db, client, alice, cli):
    doc = with_conditions(when=["srp-user", "live-dcc-user"])
    doc["obligations"][3]["applicability"] = {"categories": ["srp"], "also_when": ["srp-user"]}
    load(parse_document("t.yaml", doc))
    client.force_login(alice)
    page = client.get("/catalogue/test-fw/1.0/T1.1/").content.decode()
    assert "<li>Applies only for a Live DCC User</li>" in page
    assert "<li>Applies only while it uses a Shared Resource Provider</li>" in page
    other = client.get("/catalogue/test-fw/1.0/T2.1/").content.decode()
    assert "<li>Applies also for any organisation using a Shared Resource Provider</li>" in other
    assert "Conditions" not in client.get("/catalogue/test-fw/1.0/T1.2/").content.decode()

    shown = cli("catalogue", "show", "T1.1", "--framework", "test-fw@1.0", "--json").json()
    assert shown["applicability"]["when"] == ["live-dcc-user", "srp-user"]
    assert shown["applicability"]["also_when"] == [] and shown["applicability"]["srp_user"] is True
    assert shown["conditions"] == ["only for a Live DCC User", "only while it uses a Shared Resource Provider"]
    text = cli("catalogue", "show", "T2.1", "--framework", "test-fw@1.0").stdout
    assert "Applies also for any organisation using a Shared Resource Provider" in text


def test_diff_compares_conditions_whichever_form_they_were_written_in():
    older = parse_document("a.yaml", with_conditions(srp_user=True))
    same = parse_document("b.yaml", with_conditions(version="1.1", when=["srp-user"]))
    assert diff(snapshot_of_data(older), snapshot_of_data(same))["identical"] is True
    doc = with_conditions(version="1.2", when=["live-dcc-user", "srp-user"], also_when=["live-dcc-user"])
    changes = diff(snapshot_of_data(older), snapshot_of_data(parse_document("c.yaml", doc)))
    [changed] = changes["obligations"]["changed"]
    assert changed["fields"] == {"when": {"old": ["srp-user"], "new": ["live-dcc-user", "srp-user"]},
                                 "also_when": {"old": [], "new": ["live-dcc-user"]}}
    assert changed["conditions"] == {
        "old": ["only while it uses a Shared Resource Provider"],
        "new": ["only for a Live DCC User", "only while it uses a Shared Resource Provider",
                "also for any Live DCC User"]}


def test_the_diff_says_the_changed_conditions_in_words(cli, write):
    old = write("a.yaml", yaml.safe_dump(with_conditions(srp_user=True)))
    new = write("b.yaml", yaml.safe_dump(with_conditions(version="1.1", when=["live-dcc-user", "srp-user"])))
    text = cli("catalogue", "diff", str(old), str(new)).stdout
    assert "~ obligation T1.1 Alpha: when" in text
    assert ("applies only while it uses a Shared Resource Provider -> only for a Live DCC User; only while it "
            "uses a Shared Resource Provider") in " ".join(text.split())
