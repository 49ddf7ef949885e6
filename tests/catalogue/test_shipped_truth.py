"""What the shipped SEC Section G catalogue says about the clauses SECAS's public pages describe:
each entry matches its sources, an entry tagged S names the page that states it, a clause that only
defines a word is a heading rather than a row of the self-assessment, the conditions and scopes are
those the pages support, and the change from the published 2026.3 is what diff reports. Read from
the files alone (no network); the last test loads both versions."""

from pathlib import Path

import pytest
import yaml

from secassure.catalogue.choices import Confidence, PartyCategory
from secassure.catalogue.diff import diff, snapshot_of_data
from secassure.catalogue.importers.native import parse_document, parse_file
from secassure.catalogue.lint import GENERAL_PAGES, lint_file
from secassure.catalogue.queries import sources_of
from secassure.cli import shipped_files

LIMIT = 10_000_000
SUPPLIERS = {PartyCategory.LARGE_SUPPLIER.value, PartyCategory.SMALL_SUPPLIER.value}
# The versions as they were published before this one: they never change, so a copy stands for them.
PUBLISHED = Path(__file__).resolve().parent / "published"
SEC_2026_3 = PUBLISHED / "sec-g-2026.3.yaml"
ISO_2022 = PUBLISHED / "iso27001-2022.yaml"

S1 = "https://smartenergycodecompany.co.uk/glossary/user-security-self-assessment/"
S5 = "https://smartenergycodecompany.co.uk/glossary/shared-resource-user/"
S7 = "https://smartenergycodecompany.co.uk/glossary/secure/"
S12 = "https://smartenergycodecompany.co.uk/ufaq-category/security-assessment-process/"
S19 = "https://smartenergycodecompany.co.uk/latest-news/publication-of-the-scf-v2-3-and-ais-v2-2/"
S22 = "https://smartenergycodecompany.co.uk/latest-news/a-reminder-of-a-possible-compliance-route-for-g3-17-g3-20/"
S23 = "https://smartenergycodecompany.co.uk/modifications/users-to-notify-ssc-of-a-second-or-subsequent-user-system/"
S26 = "https://smartenergycodecompany.co.uk/about-security-and-privacy-obligations/"
S21_TITLE = "News: Agreed Interpretations v1.7 (15 April 2019)"


def shipped_path(name: str = "sec-g.yaml") -> Path:
    return next(path for path in shipped_files() if path.name == name)


def sources(entry) -> list[dict]:
    return sources_of(entry.source_url, entry.extra)


def titles(entry) -> list[str]:
    return [s["title"] for s in sources(entry)]


@pytest.fixture(scope="module")
def sec():
    return parse_file(str(shipped_path()), LIMIT)


@pytest.fixture(scope="module")
def ob(sec):
    return {o.ref: o for o in sec.obligations}


@pytest.fixture(scope="module")
def q(sec):
    return {x.ref: x for x in sec.questions}


def words(entry) -> str:
    return " ".join((entry.title, entry.summary, entry.guidance))


def test_the_version_is_2026_4_and_says_what_changed(sec):
    assert sec.framework_slug == "sec-g" and sec.version == "2026.4"
    assert sec.status == "published" and sec.effective_date == "2026-12-04"
    # No public source gives the SEC release, so none is claimed.
    assert sec.extra["reflects"] == {"scf": "2.3", "agreed_interpretations": "2.2"}
    notes = " ".join(sec.notes.split())
    for words in ("Several sources per entry", "Scopes", "Applicability conditions", "clauses 4 to 10",
                  "inferences"):
        assert words in notes, words


def test_g3_9_is_the_notice_of_a_new_or_additional_user_system(ob, q):
    g39 = ob["G3.9"]
    assert "new or additional User System" in g39.title
    assert "second or any later User System" in g39.summary and "Security" in g39.summary
    assert "ad hoc review" in g39.summary and "annual assessment" in g39.summary
    assert "patch" not in words(g39).lower()
    assert g39.assessable and g39.confidence == Confidence.STATED
    assert "second-or-subsequent-user-system" in g39.source_url
    # The modification, and the Agreed Interpretation whose announcement is known by its title alone.
    assert sources(g39) == [
        {"url": S23, "title": "Modification: Users to notify SSC of a second or subsequent User System "
                              "(implemented 28 February 2019)"},
        {"url": "", "title": S21_TITLE, "ai_ref": "v1.7: G3.9 refers to a new or additional User System"}]
    ssa04 = q["SSA-04"]
    assert ssa04.clauses == ["G3.9"]
    assert "second or subsequent User System" in ssa04.text and "SSC" in ssa04.text
    assert "notified before" in ssa04.text


def test_patching_is_no_longer_filed_under_g3_9(sec, ob, q):
    assert "patch" in ob["G3.17"].guidance.lower()  # folded into the vulnerability duty's evidence
    assert not any("G3.9" in x.clauses for x in sec.questions if x.ref != "SSA-04")
    assert "G3.9" not in q["SSA-21"].clauses


def test_g3_15_is_separate_signing_keys_for_duis_and_gbcs(ob, q):
    g315 = ob["G3.15"]
    assert "DUIS" in g315.summary and "GBCS" in g315.summary
    assert "User Role Signing Private Key" in g315.summary and "3.3.1" in g315.summary
    assert "each User Role" not in g315.title
    assert g315.extra["source_title"].startswith("News: SCF v2.3 and Agreed Interpretations v2.2")
    assert "DUIS" in q["SSA-27"].help and "GBCS" in q["SSA-27"].help


def test_g3_28_defines_secure_for_g3_26_and_is_no_duty_of_its_own(sec, ob):
    g328, g326 = ob["G3.28"], ob["G3.26"]
    assert g328.assessable is False and "G3.26" in g328.summary and "Secure" in g328.summary
    assert g328.source_url == g326.source_url == "https://smartenergycodecompany.co.uk/glossary/secure/"
    assert g326.assessable and "G3.28(a)" in g326.summary and "Appropriate Standard" in g326.summary
    assert g326.confidence == Confidence.STATED and titles(g326) == ["Glossary: Secure", S21_TITLE]
    assert sources(g326)[0]["url"] == S7 and "G3.26 to G3.28" in sources(g326)[1]["ai_ref"]


def test_g10_7_is_a_definition_and_g10_8_is_how_the_report_reaches_users(sec, ob, q):
    assert ob["G10.7"].assessable is False and "Shared Resource User" in ob["G10.7"].title
    g108 = ob["G10.8"]
    assert g108.assessable and "SECAS" in g108.summary and "management response" in g108.summary
    assert "User CIO" in g108.summary and "SSC's outcome" in g108.summary
    assert q["SSA-12"].clauses == ["G10.8"] and q["SSA-12"].categories == ["srp"]
    assert "management response" in q["SSA-12"].text
    assert "G10.8" in q["SSA-10"].clauses and "SECAS" in q["SSA-10"].text
    assert "srp" not in q["SSA-10"].categories


def test_no_question_cites_a_heading(sec, ob):
    for question in sec.questions:
        for ref in question.clauses:
            assert ob[ref].assessable, (question.ref, ref)


def test_g3_11_separation_testing_applies_to_suppliers_and_providers(ob):
    g311 = ob["G3.11"]
    assert set(g311.categories) == SUPPLIERS | {PartyCategory.SRP.value}
    assert "CREST" in g311.summary and "CHECK" in g311.summary
    assert g311.source_url.endswith("/publication-of-scf-and-ai-v2-0/")
    assert g311.extra["scf_ref"] == "Part 2 Appendix B" and g311.extra["ai_ref"] == "Section 4"


def test_g3_16_compromise_is_notified_to_the_ssc_and_the_smki_pma(ob, q):
    g316 = ob["G3.16"]
    assert "SMKI PMA" in g316.summary and "SSC" in g316.summary
    assert "Cryptographic Material" in g316.summary
    assert "SMKI PMA" in q["SSA-28"].help


@pytest.mark.parametrize("ref", ["G3.17", "G3.18", "G3.19", "G3.20"])
def test_the_split_of_g3_17_to_g3_20_is_not_claimed_as_stated(ob, ref):
    entry = ob[ref]
    assert entry.confidence in (Confidence.INFERRED, Confidence.RECALLED)
    assert entry.source_url.startswith("https://") and all(titles(entry))
    # SECAS's note on the block of clauses is among the sources of each.
    assert S22 in [s["url"] for s in sources(entry)]


def test_who_g3_17_to_g3_20_apply_to(ob, q):
    # The block is described as a duty on Users for their User System; the Device arrangements
    # SECAS discusses under G3.20 are Suppliers'.
    for ref in ("G3.17", "G3.18", "G3.19"):
        assert set(ob[ref].categories) == set(PartyCategory.values), ref
    assert set(ob["G3.20"].categories) == SUPPLIERS
    assert "g3-17-g3-20" in ob["G3.17"].source_url and "g3-20" in ob["G3.20"].source_url
    assert set(q["SSA-22"].categories) == set(PartyCategory.values)


def test_every_entry_tagged_s_names_a_page_that_states_it(sec):
    general = {url.rstrip("/") for url in GENERAL_PAGES} | {sec.source_url.rstrip("/").lower()}
    stated = [o for o in sec.obligations if o.confidence == Confidence.STATED]
    assert {"G3.5", "G3.9", "G3.26", "G5.14", "G5.27", "G6.1", "G10.8"} <= {o.ref for o in stated}
    for o in stated:  # headings too, though the lint leaves them out
        assert o.source_url.startswith("https://"), o.ref
        assert o.source_url.rstrip("/").lower() not in general, o.ref
        assert all(titles(o)), o.ref
    assert lint_file(shipped_path(), LIMIT) == []


@pytest.mark.parametrize(("ref", "pages"), [
    ("G5.14", [S1, S26]),  # the self-assessment's areas within G5.14; risk managed in line with ISO 27005
    ("G10.8", [S19, S5]),  # how the report reaches the Users; the glossary says G10.8 applies to them
    ("G3.26", [S7, ""]),  # Secure, and Agreed Interpretations v1.7 by title
    ("G3.20", ["https://smartenergycodecompany.co.uk/latest-news/no-more-remediation-plans-for-g3-20/", S22]),
])
def test_entries_that_rest_on_two_pages_list_both(ob, ref, pages):
    assert [s["url"] for s in sources(ob[ref])] == pages
    assert all(titles(ob[ref]))


def test_no_second_source_is_left_in_a_note(sec):
    # A second page once rode in ai_ref; now each source has its own entry.
    for o in sec.obligations:
        assert "source_title" not in o.extra or "sources" not in o.extra, o.ref
        for source in sources(o):
            assert "April 2019" not in source.get("ai_ref", ""), o.ref


def test_conditions_say_who_the_provider_duties_fall_on(sec, ob):
    assert ob["G5.26"].extra["when"] == ["srp-user"]
    assert ob["G5.27"].extra["when"] == ["live-dcc-user", "srp-user"]
    assert ob["G10.8"].categories == ["srp"] and ob["G10.8"].extra["also_when"] == ["srp-user"]
    assert ob["G10.2"].categories == ["srp"] and not {"when", "also_when"} & set(ob["G10.2"].extra)
    assert not any("srp_user" in o.extra for o in sec.obligations)  # the older flag gives way to when
    assert [o.ref for o in sec.obligations if {"when", "also_when"} & set(o.extra)] == ["G5.26", "G5.27", "G10.8"]


def test_the_scopes_say_what_the_sources_support(sec):
    scopes = sec.extra["scopes"]
    assert list(scopes) == ["vusa", "ssa"]
    vusa = scopes["vusa"]
    assert vusa["confidence"] == "R" and vusa["areas"] == []  # not narrowed: no source names the areas
    assert vusa["sources"] == [{"url": S12, "title": "FAQ: Security Assessment Process",
                                "scf_ref": "Part 2 Appendix F"}]
    words = " ".join(vusa["description"].split())
    assert "three key areas" in words and "No public source consulted names" in words
    ssa = scopes["ssa"]
    assert ssa["confidence"] == "S" and [s["url"] for s in ssa["sources"]] == [S1]
    assert ssa["areas"] == [{"key": "g5-14-risk-areas", "title": "The risk areas of the User's G5.14 risk assessment",
                             "obligations": ["G5.14"], "groups": []}]


def test_mappings_point_at_iso_27001_2022_1_and_every_target_exists(sec):
    iso = parse_file(str(shipped_path("iso27001-2022.yaml")), LIMIT)
    assert iso.version == "2022.1" and iso.framework_name == "ISO/IEC 27001:2022"
    refs = {o.ref for o in iso.obligations}
    targets = [m.target for o in sec.obligations for m in o.maps_to]
    assert targets and all(t.startswith("iso27001@2022.1:") for t in targets)
    assert {t.split(":", 1)[1] for t in targets} <= refs
    assert lint_file(shipped_path("iso27001-2022.yaml"), LIMIT) == []


@pytest.mark.parametrize(("ref", "clauses"), [
    ("G5.14", {"6.1.2": "intersects-with", "8.2": "intersects-with", "6.1.3": "related-to"}),
    ("G5.15", {"8.2": "intersects-with", "6.1.2": "related-to"}),
    ("G5.16", {"6.1.3": "intersects-with", "8.3": "intersects-with"}),
    ("G5.17", {"4.4": "intersects-with", "4.3": "related-to", "7.5": "related-to", "10.1": "related-to"}),
    ("G5.18", {"5.2": "intersects-with", "5.1": "related-to", "7.3": "related-to"}),
    ("G5.19", {"9.2": "intersects-with", "9.3": "intersects-with", "10.2": "intersects-with",
               "9.1": "related-to"}),
    ("G5.25", {"5.3": "intersects-with", "5.1": "related-to", "7.1": "related-to"}),
    ("G4.5", {"7.2": "intersects-with", "7.3": "intersects-with"}),
    ("G5.20", {}),  # an asset inventory is an Annex A control, not a clause
])
def test_isms_duties_map_to_the_clauses_of_iso_27001(ob, ref, clauses):
    found = {m.target.split(":", 1)[1]: m.relationship for m in ob[ref].maps_to}
    assert {k: v for k, v in found.items() if not k.startswith("A.")} == clauses
    assert any(k.startswith("A.") for k in found)  # the Annex A controls stay


@pytest.mark.parametrize(("ref", "page"), [
    ("G3.5", "https://gemserv.egressforms.com/"),
    ("G5.14", "https://smartenergycodecompany.co.uk/glossary/user-security-self-assessment/"),
    ("G5.27", "https://smartenergycodecompany.co.uk/latest-news/spotlight-on-security/"),
    ("G6.1", "https://smartenergycodecompany.co.uk/glossary/threshold-anomaly-detection-procedures/"),
    ("G10.2", "https://smartenergycodecompany.co.uk/glossary/shared-resource-user/"),
])
def test_stated_entries_cite_the_page_that_names_them(ob, ref, page):
    assert ob[ref].source_url == page


# G3.9 as version 2026.2 shipped it, before this correction.
OLD_G3_9 = yaml.safe_load("""
ref: G3.9
group: G3
title: Security patching
summary: >-
  Keep the software and firmware of the User System up to date with security fixes, applying
  them in a time that matches the risk.
applicability: {categories: [all], roles: [all]}
confidence: R
source_url: https://smartenergycodecompany.co.uk/security-controls-framework/
maps_to: [iso27001@2022:8.8]
""")


def test_diff_shows_the_g3_9_correction(cli, tmp_path):
    doc = yaml.safe_load(SEC_2026_3.read_text(encoding="utf-8"))
    doc["version"]["version"] = "2026.2"
    doc["obligations"] = [OLD_G3_9 if o["ref"] == "G3.9" else o for o in doc["obligations"]]
    before = tmp_path / "sec-g-before.yaml"
    before.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")

    old = snapshot_of_data(parse_document(str(before), doc))
    result = diff(old, snapshot_of_data(parse_file(str(SEC_2026_3), LIMIT)))
    [change] = result["obligations"]["changed"]
    assert change["ref"] == "G3.9"
    assert change["fields"]["title"] == {"old": "Security patching",
                                         "new": "Notifying the SSC of a new or additional User System"}
    assert change["fields"]["confidence"] == {"old": "R", "new": "S"}
    assert not result["questions"]["changed"] and not result["obligations"]["added"]

    shown = cli("catalogue", "diff", str(before), str(SEC_2026_3))
    assert shown.exit_code == 0, shown.stderr
    assert "sec-g@2026.2 -> sec-g@2026.3" in shown.stdout
    assert "~ obligation G3.9 Notifying the SSC of a new or additional User System: title" in shown.stdout
    assert "obligations: 0 added, 0 removed, 1 changed; questions: 0 added, 0 removed, 0 changed" in shown.stdout


def _changed(result) -> dict[str, set[str]]:
    return {c["ref"]: set(c["fields"]) for c in result["obligations"]["changed"]}


def test_the_published_2026_3_is_kept_as_it_was():
    published = parse_file(str(SEC_2026_3), LIMIT)
    assert published.version == "2026.3" and published.effective_date == "2026-12-01"
    assert {o.ref: o.extra.get("srp_user") for o in published.obligations if o.extra.get("srp_user")} == {
        "G5.26": True, "G5.27": True}


def test_diff_from_2026_3_to_2026_4_lists_the_changes(cli):
    result = diff(snapshot_of_data(parse_file(str(SEC_2026_3), LIMIT)),
                  snapshot_of_data(parse_file(str(shipped_path()), LIMIT)))
    assert (result["old"], result["new"]) == ("sec-g@2026.3", "sec-g@2026.4")
    version = result["version"]["changed"]
    assert set(version) == {"effective_date", "notes", "scopes"}
    assert version["effective_date"] == {"old": "2026-12-01", "new": "2026-12-04"}
    assert version["scopes"]["kinds"] == {"added": ["vusa", "ssa"], "removed": [], "changed": []}
    changed = _changed(result)
    assert not result["obligations"]["added"] and not result["obligations"]["removed"]
    assert not any(result["questions"].values())
    assert changed["G3.9"] == changed["G3.26"] == changed["G5.14"] == {"sources", "mappings"}
    assert changed["G5.27"] == {"when", "mappings"}
    assert changed["G10.8"] == {"categories", "also_when", "sources", "mappings"}
    assert changed["G5.26"] == {"mappings"}  # srp_user: true and when: [srp-user] say the same
    assert changed["G10.2"] == {"mappings"}  # only the ISO version it points at
    # No wording changed.
    assert not any({"title", "summary", "guidance"} & fields for fields in changed.values())

    shown = cli("catalogue", "diff", str(SEC_2026_3), str(shipped_path()))
    assert shown.exit_code == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "sec-g@2026.3 -> sec-g@2026.4" in text
    assert "~ version effective_date: 2026-12-01 -> 2026-12-04" in text
    assert "~ version scopes: vusa, ssa added" in text and "~ version notes: reworded" in text
    assert ("~ obligation G10.8 Sharing a provider's assessment with its Users: categories, also_when, sources, "
            "mappings applies no conditions -> also for any organisation using a Shared Resource Provider") in text
    assert "~ obligation G5.27 Six-monthly Smart Metering System count: when, mappings" in text


def test_both_versions_stay_loaded_and_diff_compares_them(cli):
    for path in (ISO_2022, SEC_2026_3):
        assert cli("catalogue", "load", path).exit_code == 0
    loaded = cli("catalogue", "load", "--shipped", "--json")
    assert loaded.exit_code == 0, loaded.stderr
    assert [r["version"] for r in loaded.json()] == ["iso27001@2022.1", "sec-g@2026.4", "sec-i@2026.1"]
    listed = {r["framework"] + "@" + r["version"] for r in cli("catalogue", "list", "--json").json()}
    assert {"sec-g@2026.3", "sec-g@2026.4", "iso27001@2022", "iso27001@2022.1"} <= listed
    assert cli("catalogue", "show", "G5.14", "--json").json()["version"] == "2026.4"  # the one in force

    result = cli("catalogue", "diff", "sec-g@2026.3", "sec-g@2026.4", "--json")
    assert result.exit_code == 0, result.stderr
    d = result.json()
    assert set(d["version"]["changed"]) == {"effective_date", "notes", "scopes"}
    assert {"G3.9", "G5.27", "G10.8"} <= {c["ref"] for c in d["obligations"]["changed"]}
    g108 = next(c for c in d["obligations"]["changed"] if c["ref"] == "G10.8")
    assert g108["fields"]["categories"]["new"] == ["srp"] and g108["fields"]["also_when"]["new"] == ["srp-user"]
