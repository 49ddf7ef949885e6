"""The notice-types file is read as every rules file is: safe YAML, a size limit, every fault named
with its place; it is stored and versioned with the others."""

import pytest
import yaml

from secassure.datafiles import DataFileError
from secassure.profile.notice_rules import NoticeRules
from secassure.profile.services import SHIPPED_RULES, read_rules

SHIPPED = SHIPPED_RULES / "notices.yaml"


def _doc():
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def _read(tmp_path, doc, name="notices.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return read_rules(path, 1_000_000)


def test_the_shipped_file_reads_as_notice_rules():
    rules = read_rules(SHIPPED, 1_000_000)
    assert isinstance(rules, NoticeRules) and rules.label == "notices@2026.12"
    assert [n.id for n in rules.notices] == ["G3.5", "G3.9", "G3.16", "G3.18", "G3.17-ACK", "G5.27"]


@pytest.mark.parametrize(("change", "place"), [
    (lambda d: d.update(surprise=1), "surprise"),
    (lambda d: d.update(ruleset="assessment-cycle"), "ruleset"),
    (lambda d: d["notices"][0].update(recipients=["the-press"]), "notices[0].recipients"),
    (lambda d: d["notices"][0]["deadline"].update(rule="whenever"), "notices[0].deadline.rule"),
    (lambda d: d["notices"][0]["deadline"].update(months=3), "notices[0].deadline.months"),
    (lambda d: d["notices"][5]["deadline"].update(months=0), "notices[5].deadline.months"),
    (lambda d: d["notices"][0]["deadline"].update(confidence="X"), "notices[0].deadline.confidence"),
    (lambda d: d["notices"][0]["deadline"].update(source_url="http://x.test/"), "notices[0].deadline.source_url"),
    (lambda d: d["notices"][1].update(id="G3.5"), "notices[1].id"),
    (lambda d: d["notices"][0].update(several="yes"), "notices[0].several"),
])
def test_a_fault_is_refused_with_its_place(tmp_path, change, place):
    doc = _doc()
    change(doc)
    with pytest.raises(DataFileError, match=place.replace("[", r"\[").replace("]", r"\]")):
        _read(tmp_path, doc)


def test_an_oversized_file_or_an_alias_is_refused(tmp_path):
    with pytest.raises(DataFileError, match="limit"):
        read_rules(SHIPPED, 100)
    path = tmp_path / "alias.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace("recipients: [ssc]\n", "recipients: &r [ssc]\n", 1)
                     + "x: *r\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="anchors and aliases"):
        read_rules(path, 1_000_000)
