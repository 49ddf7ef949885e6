"""What the shipped SEC Section G catalogue says about the clauses SECAS's public pages describe:
each entry matches its source, an entry tagged S names the page that states it, and a clause that
only defines a word is a heading rather than a row of the self-assessment. Read from the file
alone: no database, no network."""

from pathlib import Path

import pytest
import yaml

from secassure.catalogue.choices import Confidence, PartyCategory
from secassure.catalogue.diff import diff, snapshot_of_data
from secassure.catalogue.importers.native import parse_document, parse_file
from secassure.catalogue.lint import GENERAL_PAGES, lint_file
from secassure.cli import shipped_files

LIMIT = 10_000_000
SUPPLIERS = {PartyCategory.LARGE_SUPPLIER.value, PartyCategory.SMALL_SUPPLIER.value}


def shipped_path() -> Path:
    return next(path for path in shipped_files() if path.name == "sec-g.yaml")


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


def test_the_version_is_2026_3_and_says_what_it_reflects(sec):
    assert sec.framework_slug == "sec-g" and sec.version == "2026.3"
    assert sec.status == "published" and sec.effective_date == "2026-12-01"
    # No public source gives the SEC release, so none is claimed.
    assert sec.extra["reflects"] == {"scf": "2.3", "agreed_interpretations": "2.2"}
    assert "G3.9" in sec.notes and "inference" in sec.notes


def test_g3_9_is_the_notice_of_a_new_or_additional_user_system(ob, q):
    g39 = ob["G3.9"]
    assert "new or additional User System" in g39.title
    assert "second or any later User System" in g39.summary and "Security" in g39.summary
    assert "ad hoc review" in g39.summary and "annual assessment" in g39.summary
    assert "patch" not in words(g39).lower()
    assert g39.assessable and g39.confidence == Confidence.STATED
    assert "second-or-subsequent-user-system" in g39.source_url
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
    assert g326.confidence == Confidence.STATED and g326.extra["source_title"] == "Glossary: Secure"


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
    assert entry.source_url.startswith("https://") and entry.extra.get("source_title")


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
        assert o.extra.get("source_title"), o.ref
    assert lint_file(shipped_path(), LIMIT) == []


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
    doc = yaml.safe_load(shipped_path().read_text(encoding="utf-8"))
    doc["version"]["version"] = "2026.2"
    doc["obligations"] = [OLD_G3_9 if o["ref"] == "G3.9" else o for o in doc["obligations"]]
    before = tmp_path / "sec-g-before.yaml"
    before.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")

    old = snapshot_of_data(parse_document(str(before), doc))
    result = diff(old, snapshot_of_data(parse_file(str(shipped_path()), LIMIT)))
    [change] = result["obligations"]["changed"]
    assert change["ref"] == "G3.9"
    assert change["fields"]["title"] == {"old": "Security patching",
                                         "new": "Notifying the SSC of a new or additional User System"}
    assert change["fields"]["confidence"] == {"old": "R", "new": "S"}
    assert not result["questions"]["changed"] and not result["obligations"]["added"]

    shown = cli("catalogue", "diff", str(before), str(shipped_path()))
    assert shown.exit_code == 0, shown.stderr
    assert "sec-g@2026.2 -> sec-g@2026.3" in shown.stdout
    assert "~ obligation G3.9 Notifying the SSC of a new or additional User System: title" in shown.stdout
    assert "obligations: 0 added, 0 removed, 1 changed; questions: 0 added, 0 removed, 0 changed" in shown.stdout
