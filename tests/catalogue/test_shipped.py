"""The catalogue that ships with secassure: SEC Section G (G3 to G6, G10) and ISO/IEC 27001:2022."""

from collections import Counter

import pytest

from secassure.catalogue.choices import Confidence, PartyCategory, UserRole
from secassure.catalogue.models import FrameworkVersion, Mapping, Obligation, Question

pytestmark = pytest.mark.usefixtures("shipped_catalogue")


def test_sec_catalogue_covers_g3_to_g6_and_g10_with_at_least_40_obligations():
    sec = FrameworkVersion.objects.in_force("sec-g")
    obligations = Obligation.objects.filter(version=sec).select_related("group")
    assert obligations.count() >= 40
    per_group = Counter(o.group.ref for o in obligations)
    assert set(per_group) == {"G3", "G4", "G5", "G6", "G10"}
    assert Question.objects.filter(version=sec).count() >= 30


def test_every_sec_obligation_has_summary_applicability_confidence_and_source():
    sec = FrameworkVersion.objects.in_force("sec-g")
    for o in Obligation.objects.filter(version=sec):
        assert o.summary.strip(), o.ref
        assert o.categories and set(o.categories) <= set(PartyCategory.values), o.ref
        assert o.roles and set(o.roles) <= set(UserRole.values), o.ref
        assert o.confidence in Confidence.values, o.ref
        assert o.source_url.startswith("https://"), o.ref
        # A heading (a clause that only defines a word) is no control and maps to none.
        assert o.mappings_out.exists() == o.assessable, o.ref


def test_every_sec_question_is_linked_to_clauses():
    sec = FrameworkVersion.objects.in_force("sec-g")
    for q in Question.objects.filter(version=sec).prefetch_related("obligations"):
        assert q.obligations.all(), q.ref
        assert q.categories, q.ref


def test_iso_27001_2022_has_93_controls_in_four_themes():
    iso = FrameworkVersion.objects.in_force("iso27001")
    assert iso.version == "2022.1"
    controls = Obligation.objects.filter(version=iso, group__parent__ref="A").select_related("group")
    assert controls.count() == 93
    assert Counter(o.group.ref for o in controls) == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
    assert controls.get(ref="A.8.34").title == "Protection of information systems during audit testing"


def test_iso_27001_2022_has_the_clauses_4_to_10_with_their_subclauses():
    iso = FrameworkVersion.objects.in_force("iso27001")
    clauses = Obligation.objects.filter(version=iso).exclude(group__parent__ref="A").select_related("group", "parent")
    assert Counter(o.group.ref for o in clauses) == {"4": 4, "5": 3, "6": 6, "7": 8, "8": 3, "9": 8, "10": 2}
    titles = {o.ref: o.title for o in clauses}
    assert titles["4.1"] == "Understanding the organization and its context"
    assert titles["6.1.2"] == "Information security risk assessment" == titles["8.2"]
    assert titles["6.1.3"] == "Information security risk treatment" == titles["8.3"]
    assert (titles["7.5"], titles["9.2"], titles["9.3"]) == ("Documented information", "Internal audit",
                                                             "Management review")
    assert (titles["10.1"], titles["10.2"]) == ("Continual improvement", "Nonconformity and corrective action")
    assert {o.ref: o.parent.ref for o in clauses if o.parent} == {
        "6.1.1": "6.1", "6.1.2": "6.1", "6.1.3": "6.1", "7.5.1": "7.5", "7.5.2": "7.5", "7.5.3": "7.5",
        "9.2.1": "9.2", "9.2.2": "9.2", "9.3.1": "9.3", "9.3.2": "9.3", "9.3.3": "9.3"}
    assert all(o.summary == "" and o.guidance == "" for o in clauses)  # titles only, no text of the standard


def test_mappings_point_from_sec_to_iso():
    assert Mapping.objects.exclude(source__version__framework__slug="sec-g").count() == 0
    assert Mapping.objects.exclude(target__version__framework__slug="iso27001").count() == 0
    assert Mapping.objects.count() >= 40


def test_show_g5_14_as_json(cli):
    result = cli("catalogue", "show", "G5.14", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["ref"] == "G5.14"
    assert data["framework"] == "sec-g"
    assert "27005" in data["summary"]
    assert data["confidence"] == "S"
    assert data["source_url"].startswith("https://")
    assert set(data["applicability"]) == {"categories", "roles", "srp_user", "when", "also_when"}
    assert data["applicability"]["srp_user"] is False and data["conditions"] == []
    assert [s["title"] for s in data["sources"]] == ["Glossary: User Security Self-Assessment",
                                                     "About Security and Privacy Obligations"]
    assert data["applicability"]["categories"]
    assert data["mappings"] and all(m["framework"] == "iso27001" for m in data["mappings"])
    assert all(m["title"] and m["relationship"] for m in data["mappings"])


def test_show_in_words_and_for_a_missing_clause(cli):
    shown = cli("catalogue", "show", "g5.14")
    assert shown.exit_code == 0
    assert "G5.14" in shown.stdout and "Maps to iso27001@2022" in shown.stdout
    missing = cli("catalogue", "show", "G99.1")
    assert missing.exit_code == 1
    assert "has no obligation 'G99.1'" in missing.stderr


def test_show_in_another_framework(cli):
    result = cli("catalogue", "show", "A.5.7", "--framework", "iso27001@2022.1", "--json")
    assert result.exit_code == 0
    data = result.json()
    assert data["title"] == "Threat intelligence"
    assert any(m["framework"] == "sec-g" for m in data["mapped_from"])
    unknown = cli("catalogue", "show", "5.7", "--framework", "nope")
    assert unknown.exit_code == 1 and "known versions" in unknown.stderr


def test_list_as_json(cli):
    rows = cli("catalogue", "list", "--json").json()
    by = {r["framework"]: r for r in rows}
    assert by["iso27001"]["obligations"] == 127
    assert by["sec-g"]["questions"] >= 30
    assert by["sec-g"]["mappings"] >= 40
    assert all(r["status"] == "published" for r in rows)


def test_every_shipped_question_says_how_it_is_answered():
    """The file gives each question its kind, and a yes-no question its worrying answer, rather than
    leaning on the defaults kept for older files."""
    import yaml

    from secassure.cli import shipped_files

    sec = next(path for path in shipped_files() if path.name == "sec-g.yaml")
    doc = yaml.safe_load(sec.read_text(encoding="utf-8"))
    assert doc["version"]["version"] == "2026.4"
    for q in doc["questions"]:
        assert q.get("answer_kind") in ("yes-no", "status", "text"), q["ref"]
        assert ("concern" in q) == (q["answer_kind"] == "yes-no"), q["ref"]
    stored = {q.ref: (q.answer_kind, q.concern)
              for q in Question.objects.filter(version=FrameworkVersion.objects.in_force("sec-g"))}
    assert stored["SSA-17"] == ("status", "") and stored["SSA-19"] == ("text", "")
    assert stored["SSA-02"] == ("yes-no", "yes")  # has the hosting changed?
    assert stored["SSA-25"] == ("yes-no", "no")  # have access rights been reviewed?
    assert stored["SSA-41"] == ("yes-no", "yes")  # has security risk materially increased?


def test_the_shipped_scopes_resolve():
    from secassure.catalogue.queries import scope_for

    sec = FrameworkVersion.objects.in_force("sec-g")
    ssa = scope_for(sec, "ssa")
    assert ssa["obligation_refs"] == {"G5.14"} and ssa["confidence"] == "S"
    vusa = scope_for(sec, "vusa")
    assert vusa["obligation_refs"] == set() and vusa["areas"] == [] and vusa["confidence"] == "R"
    assert scope_for(sec, "fusa") is None
    assert scope_for(FrameworkVersion.objects.in_force("iso27001"), "ssa") is None
