"""Bad catalogue files: each is refused with one line naming the file, the place and the problem,
a non-zero exit, and nothing written."""

import json
import os

import pytest
import yaml

from secassure.audit.models import Event
from secassure.catalogue.models import Framework, FrameworkVersion, Obligation
from tests.catalogue.samples import ciso_doc, native_doc, oscal_doc

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE catalog [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"><metadata><title>&xxe;</title></metadata></catalog>
"""


def _oscal(mutate):
    doc = oscal_doc()
    mutate(doc)
    return json.dumps(doc)


def _native(mutate):
    doc = native_doc()
    mutate(doc)
    return yaml.safe_dump(doc)


def _ciso(mutate):
    doc = ciso_doc()
    mutate(doc)
    return yaml.safe_dump(doc)


def _nodes(doc):
    return doc["objects"]["framework"]["requirement_nodes"]


def _first_control(doc):
    return doc["catalog"]["groups"][0]["controls"][0]


CASES = [
    # (id, command, file name, content, expected place, expected problem)
    ("malformed-json", "import-oscal", "bad.json", '{"catalog": {"uuid": "x",, }}',
     "line 1, column 26", "not valid JSON"),
    ("malformed-yaml", "load", "bad.yaml", "format: secassure.catalogue/1\nframework: [unclosed\n",
     "line 3", "not valid YAML"),
    ("wrong-root-oscal", "import-oscal", "profile.json", json.dumps({"profile": {"uuid": "x"}}),
     "root", "expected an OSCAL document with one root 'catalog', found 'profile'"),
    ("wrong-root-native", "load", "list.yaml", "- just\n- a list\n", "root", "expected a mapping"),
    ("wrong-format-native", "load", "fmt.yaml", _native(lambda d: d.update(format="other/2")),
     "format", "expected 'secassure.catalogue/1'"),
    ("missing-control-id", "import-oscal", "noid.json", _oscal(lambda d: _first_control(d).pop("id")),
     "catalog.groups[0].controls[0].id", "missing or empty"),
    ("duplicate-control-id", "import-oscal", "dup.json",
     _oscal(lambda d: d["catalog"]["groups"][1]["controls"][0].update(id="ac-1")),
     "catalog.groups[1].controls[0]", "duplicate obligation id 'ac-1'"),
    ("duplicate-native-ref", "load", "dup.yaml",
     _native(lambda d: d["obligations"][1].update(ref="T1.1")), "obligations[1]", "duplicate obligation id 'T1.1'"),
    ("missing-native-title", "load", "notitle.yaml", _native(lambda d: d["obligations"][2].pop("title")),
     "obligations[2].title", "missing"),
    ("unknown-category", "load", "cat.yaml",
     _native(lambda d: d["obligations"][0]["applicability"].update(categories=["large-supplier", "martian"])),
     "obligations[0].applicability.categories[1]", "'martian' is not one of"),
    ("question-missing-clause", "load", "q.yaml",
     _native(lambda d: d["questions"][0].update(clauses=["T9.9"])), "questions[0].clauses[0]",
     "no obligation 'T9.9' in this file"),
    ("unknown-key", "load", "typo.yaml", _native(lambda d: d["obligations"][0].update(sumary="typo")),
     "obligations[0].sumary", "unknown key"),
    ("yaml-alias-bomb", "load", "bomb.yaml", BILLION_LAUGHS, "line 1, column 4",
     "YAML anchors and aliases are not allowed"),
    ("yaml-python-tag", "load", "tag.yaml", "!!python/object/apply:os.system ['echo pwned']\n",
     "line 1", "not valid YAML"),
    ("xml-doctype", "import-oscal", "xxe.xml", XXE, "line 1", "it declares a DOCTYPE, which is never processed"),
    ("embedded-entity", "import-oscal", "entity.json",
     _oscal(lambda d: _first_control(d)["parts"][0].update(
         prose='<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;')),
     "catalog.groups[0].controls[0].parts[0].prose", "embedded markup declares a DOCTYPE or ENTITY"),
    ("oscal-version-2", "import-oscal", "v2.json",
     _oscal(lambda d: d["catalog"]["metadata"].update({"oscal-version": "2.0.0"})),
     "catalog.metadata.oscal-version", "OSCAL 2.0.0 is not read"),
    ("not-utf8", "load", "latin1.yaml", "title: caf\xe9\n".encode("latin-1"), "byte 10", "not valid UTF-8"),
    ("nul-bytes", "import-ciso", "nul.yaml", b"urn: x\x00\x00", "", "binary content"),
    ("deep-json", "import-oscal", "deep.json", '{"catalog":' + "[" * 100000 + "]" * 100000 + "}", "",
     "nesting is too deep"),
    ("ciso-orphan", "import-ciso", "orphan.yaml",
     _ciso(lambda d: _nodes(d)[1].update(parent_urn="urn:test:nowhere")),
     "objects.framework.requirement_nodes[1].parent_urn", "no node with urn 'urn:test:nowhere'"),
    ("ciso-depth", "import-ciso", "depth.yaml", _ciso(lambda d: _nodes(d)[3].update(depth=7)),
     "objects.framework.requirement_nodes[3].depth", "says 7, but its parent chain gives 4"),
    ("ciso-duplicate-urn", "import-ciso", "dupurn.yaml",
     _ciso(lambda d: _nodes(d)[4].update(urn=_nodes(d)[3]["urn"])),
     "objects.framework.requirement_nodes[4].urn", "duplicate urn"),
    ("oscal-props-not-a-list", "import-oscal", "props.json",
     _oscal(lambda d: _first_control(d).update(props=5)), "catalog.groups[0].controls[0].props",
     "expected a list of objects"),
    ("oscal-choice-not-a-list", "import-oscal", "choice.json",
     _oscal(lambda d: _first_control(d)["params"][0].update(select={"choice": 5})),
     "catalog.groups[0].controls[0].params[0].select", "expected choices as a list of text"),
    ("json-lone-surrogate", "import-oscal", "surrogate.json",
     _oscal(lambda d: _first_control(d).update(title="x")).replace('"title": "x"', '"title": "\\ud800"'),
     "catalog.groups[0].controls[0].title", "lone surrogate"),
    ("json-nul", "import-oscal", "nul-escape.json",
     _oscal(lambda d: _first_control(d).update(title="x")).replace('"title": "x"', '"title": "a\\u0000"'),
     "catalog.groups[0].controls[0].title", "NUL character"),
    ("json-nan", "import-oscal", "nan.json", '{"catalog": {"x": NaN}}', "", "NaN is not a JSON number"),
    ("json-huge-integer", "import-oscal", "bigint.json", '{"catalog": {"x": ' + "9" * 5000 + "}}", "",
     "a value cannot be read"),
    ("escaped-doctype", "import-oscal", "escaped.json",
     _oscal(lambda d: _first_control(d).update(title="x")).replace(
         '"title": "x"', '"title": "<\\u0021DOCTYPE x [<\\u0021ENTITY a \\"b\\">]>"'),
     "catalog.groups[0].controls[0].title", "declares a DOCTYPE or ENTITY"),
    ("oscal-version-with-slash", "import-oscal", "slash.json",
     _oscal(lambda d: d["catalog"]["metadata"].update(version="1/2")), "catalog.metadata.version",
     "give one with --version"),
    ("yaml-bad-date", "load", "date.yaml",
     _native(lambda d: d["version"].update(effective_date="x")).replace(
         "effective_date: x", "effective_date: 2024-13-45"),
     "version.effective_date", "is not a date in the form YYYY-MM-DD"),
    ("yaml-set-tag", "load", "set.yaml", "format: !!set {a, b}\n", "line 1", "tag:yaml.org,2002:set is not allowed"),
    ("yaml-duplicate-key", "load", "dupkey.yaml", "format: a\nformat: b\n", "line 2", "duplicate key 'format'"),
    ("yaml-unquoted-number-ref", "load", "number.yaml",
     _native(lambda d: d["obligations"][0].update(ref="X")).replace("ref: X", "ref: 8.10"),
     "obligations[0].ref", "write ids and versions in quotes"),
    ("native-category-not-text", "load", "nested.yaml",
     _native(lambda d: d["obligations"][0]["applicability"].update(categories=[["x"]])),
     "obligations[0].applicability.categories[0]", "is not one of"),
    ("native-regulation-without-summary", "load", "nosummary.yaml",
     _native(lambda d: d["obligations"][0].pop("summary")), "obligations[0].summary", "missing"),
    ("ciso-parent-not-text", "import-ciso", "parent.yaml", _ciso(lambda d: _nodes(d)[1].update(parent_urn=["a"])),
     "objects.framework.requirement_nodes[1].parent_urn", "expected text"),
    ("ciso-no-framework", "import-ciso", "nofw.yaml", yaml.safe_dump({"urn": "x", "objects": {"threats": []}}),
     "objects.framework", "this library holds no framework"),
]


@pytest.mark.parametrize(("command", "name", "content", "place", "problem"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_is_refused_cleanly(cli, write, command, name, content, place, problem):
    path = write(name, content)
    result = cli("catalogue", command, path)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert message.startswith(f"error: {path}: ")
    assert place in message, message
    assert problem in message, message
    assert FrameworkVersion.objects.count() == 0
    assert Framework.objects.count() == 0
    assert Obligation.objects.count() == 0
    assert Event.objects.count() == 0


def test_a_50_mb_file_of_junk_is_refused_before_it_is_read(cli, tmp_path):
    path = tmp_path / "junk.json"
    with path.open("wb") as handle:
        for _ in range(50):
            handle.write(os.urandom(1024 * 1024))
    for command in ("import-oscal", "import-ciso", "load"):
        result = cli("catalogue", command, path)
        assert result.exit_code == 1
        assert f"{path}: the file is 52,428,800 bytes, over the 20,971,520-byte limit" in result.stderr
    assert FrameworkVersion.objects.count() == 0 and Event.objects.count() == 0


def test_a_missing_file(cli, tmp_path):
    result = cli("catalogue", "import-oscal", tmp_path / "nope.json")
    assert result.exit_code == 1
    assert "cannot read the file (No such file or directory)" in result.stderr


def test_a_bad_file_among_good_ones_stops_before_writing_it(cli, write):
    good = write("good.yaml", yaml.safe_dump(native_doc()))
    bad = write("bad.yaml", _native(lambda d: d["obligations"][0].update(confidence="X")))
    result = cli("catalogue", "load", bad, good)
    assert result.exit_code == 1
    assert "obligations[0].confidence" in result.stderr
    assert FrameworkVersion.objects.count() == 0


def test_a_bad_file_after_a_good_one_leaves_both_unloaded(cli, write):
    good = write("good.yaml", yaml.safe_dump(native_doc()))
    bad = write("bad.yaml", _native(lambda d: d["obligations"][0].update(confidence="X")))
    result = cli("catalogue", "load", good, bad)
    assert result.exit_code == 1
    assert f"{bad}: obligations[0].confidence" in result.stderr
    assert FrameworkVersion.objects.count() == 0 and Event.objects.count() == 0


def test_a_framework_option_that_is_not_a_slug(cli, write):
    from tests.catalogue.samples import oscal_json

    result = cli("catalogue", "import-oscal", write("o.json", oscal_json()), "--framework", "Has Space")
    assert result.exit_code == 1
    assert "'Has Space' is not a slug" in result.stderr


def test_square_brackets_in_names_and_content_are_printed_as_they_are(cli, tmp_path):
    folder = tmp_path / "[red]x"
    folder.mkdir()
    path = folder / "[bold]f.yaml"
    path.write_text("format: secassure.catalogue/1\n'[/oops]': 1\n")
    result = cli("catalogue", "load", path)
    assert result.exit_code == 1
    assert f"error: {path}: [/oops]: unknown key" in result.stderr


def test_a_yaml_file_with_too_many_nodes_is_refused_early(cli, write, monkeypatch):
    from secassure import datafiles

    monkeypatch.setattr(datafiles, "MAX_YAML_EVENTS", 1000)
    result = cli("catalogue", "load", write("big.yaml", "x: [" + ", ".join(["1"] * 2000) + "]\n"))
    assert result.exit_code == 1
    assert "more than 1,000 YAML nodes" in result.stderr
