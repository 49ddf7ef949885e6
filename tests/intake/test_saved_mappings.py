"""Saved mappings: a person keeps how a layout is read and uses it again at any organisation they can
reach; nobody else sees it; saving and deleting are audited."""

import pytest

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.exchange.intake import saved, taking
from secassure.exchange.models import IntakeMapping
from tests.intake import assessed, layouts
from tests.personas import join


@pytest.fixture
def consultant_at_both(write, consultant, org_a, org_b, alice, mallory):
    """The consultant, a Contributor at Alpha and at Bravo, each with an SSA in preparation."""
    join(consultant, org_a, "contributor")
    join(consultant, org_b, "contributor")
    version = assessed.catalogue(write)
    from secassure.assessments import actions

    found = {}
    for org, owner in ((org_a, alice), (org_b, mallory)):
        assessment = actions.create_assessment(org, kind="ssa", by=owner, catalogue=version,
                                               title="SSA 2026").assessment
        actions.move(assessment, "preparation", by=consultant)
        found[org.slug] = assessment
    return found


def test_a_mapping_saved_at_one_client_serves_the_same_person_at_another(cli, consultant_at_both, tmp_path):
    first = layouts.consultancy_workbook(tmp_path / "alpha.xlsx")
    made = cli("intake", "org-a", first, "--assessment", consultant_at_both["org-a"].pk, "--as",
               "consultant@advisers.test", "--map", "comments=", "--value", "status:TBD=partial", "--save-mapping",
               "Northgate house style", "--json")
    assert made.exit_code == 0, made.stderr
    assert made.json()["saved_mapping"] == "Northgate house style"
    kept = IntakeMapping.objects.get()
    assert kept.kind == "rows" and kept.sheet == "SEC Assessment"
    assert kept.mapping == {"ref": "Control ID", "obligation": "SEC Obligation", "status": "RAG Status",
                            "narrative": "Management Response", "evidence": "Evidence Reference",
                            "owner": "Action Owner", "last_tested": "Date of Last Test", "comments": ""}
    assert kept.values == {"status": {"Green": "compliant", "Amber": "partial", "Red": "non-compliant",
                                      "TBD": "partial"}}

    second = layouts.consultancy_workbook(tmp_path / "bravo.xlsx")
    used = cli("intake", "org-b", second, "--assessment", consultant_at_both["org-b"].pk, "--as",
               "consultant@advisers.test", "--mapping", "Northgate house style", "--json")
    assert used.exit_code == 0, used.stderr
    data = used.json()
    assert data["organisation"] == "org-b" and set(data["sure"].values()) == {"given"}
    assert "comments" not in data["mapping"] and data["values"]["status"]["TBD"] == "partial"
    g54 = next(i for i in data["items"] if i["ref"] == "G5.4")
    assert g54["values"]["status"] == "partial"


def test_another_person_neither_sees_nor_uses_nor_deletes_it(cli, consultant_at_both, consultant, alice, tmp_path):
    path = layouts.consultancy_workbook(tmp_path / "alpha.xlsx")
    intake = taking.preview(consultant_at_both["org-a"].organisation, path, "alpha.xlsx", by=consultant,
                            assessment=consultant_at_both["org-a"])
    mine = saved.save_mapping(consultant, "Mine", "rows", intake.proposal, intake.table)
    assert list(saved.mappings_of(consultant)) == [mine] and list(saved.mappings_of(consultant, "risks")) == []
    assert list(saved.mappings_of(alice)) == [] and list(saved.mappings_of(None)) == []
    with pytest.raises(ActionError, match="you have no saved mapping called 'Mine'"):
        saved.mapping_named(alice, "Mine")
    refused = cli("intake", "org-a", path, "--as", "alice@a.test", "--mapping", "Mine")
    assert refused.exit_code == 1 and "you have no saved mapping called 'Mine'" in refused.stderr
    with pytest.raises(ActionError, match="you have no saved mapping of that name"):
        saved.delete_mapping(mine, by=alice)
    assert IntakeMapping.objects.filter(pk=mine.pk).exists()


def test_saving_and_deleting_are_audited_and_need_a_person(consultant_at_both, consultant, tmp_path):
    path = layouts.consultancy_workbook(tmp_path / "alpha.xlsx")
    intake = taking.preview(consultant_at_both["org-a"].organisation, path, "alpha.xlsx", by=consultant,
                            assessment=consultant_at_both["org-a"])
    with pytest.raises(ActionError, match="a saved mapping belongs to a person"):
        saved.save_mapping(None, "Operator's", "rows", intake.proposal, intake.table)
    with pytest.raises(ActionError, match="reads validation rows, not risk register"):
        saved.save_mapping(consultant, "Wrong", "risks", intake.proposal, intake.table)
    mine = saved.save_mapping(consultant, "  Northgate   style ", "rows", intake.proposal, intake.table)
    assert mine.name == "Northgate style"
    again = saved.save_mapping(consultant, "Northgate style", "rows", intake.proposal, intake.table)
    assert again.pk == mine.pk
    events = list(Event.objects.filter(action="exchange.intake.mapping_saved"))
    assert len(events) == 1 and events[0].organisation_id is None and events[0].before is None
    saved.delete_mapping(mine, by=consultant)
    deleted = Event.objects.get(action="exchange.intake.mapping_deleted")
    assert deleted.before["name"] == "Northgate style" and not IntakeMapping.objects.exists()


def test_the_command_line_needs_as_for_a_saved_mapping(cli, consultant_at_both, tmp_path):
    path = layouts.consultancy_workbook(tmp_path / "alpha.xlsx")
    result = cli("intake", "org-a", path, "--save-mapping", "Mine")
    assert result.exit_code == 1 and "a saved mapping belongs to a person" in result.stderr
