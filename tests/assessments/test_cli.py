"""The assessment commands: create, list, show and compare, with --json for scripts."""

from secassure.assessments import actions
from secassure.assessments.models import Assessment


def test_create_list_show(cli, supplier_roles, shipped_catalogue):
    created = cli("assessment", "create", supplier_roles.slug, "--type", "ssa", "--title", "Year 3", "--json")
    assert created.exit_code == 0, created.stderr
    data = created.json()
    assert data["type"] == "ssa" and data["rows"] > 40 and data["answers"] > 30 and data["warnings"] == []
    listed = cli("assessment", "list", supplier_roles.slug, "--json").json()
    assert [a["title"] for a in listed] == ["Year 3"]
    assert listed[0]["progress"]["total"] == data["rows"] and listed[0]["progress"]["assessed"] == 0
    shown = cli("assessment", "show", str(data["id"]), "--json").json()
    assert len(shown["rows"]) == data["rows"] and len(shown["answers"]) == data["answers"]
    assert shown["rows"][0]["status"] == "not-assessed" and shown["rows"][0]["evidence"] == []
    assert set(shown["progress"]["groups"]) >= {"G3", "G4", "G5", "G6"}
    text = cli("assessment", "show", str(data["id"]))
    assert "G3:" in text.stdout and "questions:" in text.stdout


def test_create_refuses_bad_input_with_one_line(cli, supplier_roles, shipped_catalogue, org_b, mallory):
    bad_type = cli("assessment", "create", supplier_roles.slug, "--type", "audit")
    assert bad_type.exit_code == 1 and "'audit' is not an assessment type" in bad_type.stderr
    other = actions.create_assessment(org_b, kind="fusa", by=mallory).assessment
    foreign = cli("assessment", "create", supplier_roles.slug, "--type", "ssa", "--baseline", str(other.pk))
    assert foreign.exit_code == 1 and "must be one of this organisation's assessments" in foreign.stderr
    missing = cli("assessment", "show", "999999")
    assert missing.exit_code == 1 and "no assessment with id '999999'" in missing.stderr
    assert Assessment.objects.filter(organisation=supplier_roles).count() == 0


def test_compare_reports_status_changes(cli, ssa, bob):
    second = actions.create_assessment(ssa.organisation, kind="follow-up", by=None).assessment
    row = second.rows.select_related("obligation").first()
    row.assessment = second
    actions.save_row(row, by=bob, revision=1, status="non-compliant")
    result = cli("assessment", "compare", str(ssa.pk), str(second.pk), "--json")
    assert result.exit_code == 0
    assert result.json()["status_changes"] == [{"ref": row.obligation.ref, "title": row.obligation.title,
                                                "before": "not-assessed", "after": "non-compliant"}]
    assert f"status {row.obligation.ref}: not-assessed -> non-compliant" in cli(
        "assessment", "compare", str(ssa.pk), str(second.pk)).stdout
