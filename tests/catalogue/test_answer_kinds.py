"""Answer kinds of questions in catalogue files: read and checked by the importer, written by the
loader as part of the content, and shown by catalogue diff."""

import pytest
import yaml

from secassure.catalogue.importers import native
from secassure.catalogue.importers.base import CatalogueError
from secassure.catalogue.models import FrameworkVersion, Question
from secassure.datafiles import parse_yaml

# A file as written before questions had answer kinds. Its digest was taken then: a version loaded
# from it keeps that digest, so loading the file again changes nothing.
BEFORE_KINDS = """\
format: secassure.catalogue/1
framework: {slug: kinds-fw, name: Answer kinds test, kind: regulation}
version: {version: "1", status: published, effective_date: 2025-01-01}
groups:
  - {ref: K1, title: The only group}
obligations:
  - {ref: K1.1, group: K1, title: Keep the system secure, summary: Keep it secure.}
questions:
  - {ref: KQ1, text: "Has the system changed?", topic: systems, clauses: [K1.1]}
  - {ref: KQ2, text: "Do you review access as required?", topic: people, clauses: [K1.1]}
"""
DIGEST_BEFORE_KINDS = "ca0bc778ccd0b07e6138efd41119043789d9a9cffcf7153c9a8242d61cbed49b"


def _doc(**questions) -> dict:
    """BEFORE_KINDS with some questions' keys changed: _doc(KQ1={"answer_kind": "text"})."""
    doc = yaml.safe_load(BEFORE_KINDS)
    for q in doc["questions"]:
        q.update(questions.get(q["ref"], {}))
    return doc


def _parse(doc) -> native.CatalogueData:
    return native.parse_document("kinds.yaml", doc)


def _kinds(data) -> dict:
    return {q.ref: (q.answer_kind, q.concern) for q in data.questions}


def test_a_file_without_answer_kinds_reads_as_yes_no_worrying_on_no_and_keeps_its_digest():
    data = _parse(parse_yaml("kinds.yaml", BEFORE_KINDS))
    assert _kinds(data) == {"KQ1": ("yes-no", "no"), "KQ2": ("yes-no", "no")}
    assert data.content_hash() == DIGEST_BEFORE_KINDS
    explicit = _parse(_doc(KQ1={"answer_kind": "yes-no", "concern": "no"}, KQ2={"answer_kind": "yes-no"}))
    assert explicit.content_hash() == DIGEST_BEFORE_KINDS


def test_each_answer_kind_is_read():
    data = _parse(_doc(KQ1={"answer_kind": "yes-no", "concern": "yes"}, KQ2={"answer_kind": "status"}))
    assert _kinds(data) == {"KQ1": ("yes-no", "yes"), "KQ2": ("status", "")}
    data = _parse(_doc(KQ2={"answer_kind": "text"}))
    assert _kinds(data)["KQ2"] == ("text", "")


def test_a_bare_yaml_yes_or_no_is_taken_for_what_it_says():
    text = BEFORE_KINDS.replace("clauses: [K1.1]}\n  - {ref: KQ2", "clauses: [K1.1], concern: yes}\n  - {ref: KQ2")
    text = text.replace("topic: people, clauses: [K1.1]}", "topic: people, clauses: [K1.1], concern: no}")
    assert _kinds(_parse(parse_yaml("kinds.yaml", text))) == {"KQ1": ("yes-no", "yes"), "KQ2": ("yes-no", "no")}


@pytest.mark.parametrize(("changes", "place", "problem"), [
    ({"answer_kind": "maybe"}, "questions[1].answer_kind",
     "question KQ2: 'maybe' is not an answer kind; use one of yes-no, text, status"),
    ({"answer_kind": ["text"]}, "questions[1].answer_kind",
     "question KQ2: ['text'] is not an answer kind; use one of yes-no, text, status"),
    ({"answer_kind": "text", "concern": "yes"}, "questions[1].concern",
     "question KQ2: only a yes-no question has a worrying answer; remove concern from this text question"),
    ({"answer_kind": "status", "concern": "no"}, "questions[1].concern",
     "question KQ2: only a yes-no question has a worrying answer; remove concern from this status question"),
    ({"concern": "sometimes"}, "questions[1].concern",
     "question KQ2: 'sometimes' is not an answer; the worrying answer of a yes-no question is yes or no"),
])
def test_a_wrong_answer_kind_is_refused_naming_the_file_and_question(changes, place, problem):
    with pytest.raises(CatalogueError) as caught:
        _parse(_doc(KQ2=changes))
    assert str(caught.value) == f"kinds.yaml: {place}: {problem}"


def test_the_command_refuses_a_wrong_answer_kind_and_loads_nothing(cli, write):
    path = write("kinds.yaml", yaml.safe_dump(_doc(KQ1={"answer_kind": "essay"})))
    result = cli("catalogue", "load", path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {path}: questions[0].answer_kind: question KQ1: 'essay' is not an "
                                     "answer kind; use one of yes-no, text, status")
    assert not FrameworkVersion.objects.exists()


def test_the_loader_writes_the_kinds_and_a_different_kind_is_different_content(cli, write):
    first = cli("catalogue", "load", write("a.yaml", yaml.safe_dump(_doc(KQ1={"concern": "yes"},
                                                                          KQ2={"answer_kind": "text"}))), "--json")
    assert first.exit_code == 0, first.stderr
    stored = {q.ref: (q.answer_kind, q.concern) for q in Question.objects.all()}
    assert stored == {"KQ1": ("yes-no", "yes"), "KQ2": ("text", "")}
    digests = {first.json()[0]["content_hash"]}
    for n, changes in enumerate([{"KQ2": {"answer_kind": "status"}}, {"KQ1": {"concern": "no"}}]):
        other = write(f"b{n}.yaml", yaml.safe_dump(_doc(**{"KQ1": {"concern": "yes"}, **changes})))
        refused = cli("catalogue", "load", other)
        assert refused.exit_code == 1
        assert "kinds-fw@1 is already published with different content" in refused.stderr
        digests.add(native.parse_file(str(other), 1_000_000).content_hash())
    assert len(digests) == 3
    assert {q.ref: (q.answer_kind, q.concern) for q in Question.objects.all()} == stored


def test_diff_shows_a_changed_answer_kind(cli, write):
    cli("catalogue", "load", write("a.yaml", BEFORE_KINDS))
    newer = _doc(KQ1={"concern": "yes"}, KQ2={"answer_kind": "status"})
    newer["version"]["version"] = "2"
    result = cli("catalogue", "diff", "kinds-fw@1", write("b.yaml", yaml.safe_dump(newer)), "--json")
    assert result.exit_code == 0, result.stderr
    changed = {c["ref"]: c["fields"] for c in result.json()["questions"]["changed"]}
    assert changed == {
        "KQ1": {"concern": {"old": "no", "new": "yes"}},
        "KQ2": {"answer_kind": {"old": "yes-no", "new": "status"}, "concern": {"old": "no", "new": ""}},
    }
    cli("catalogue", "load", write("b.yaml", yaml.safe_dump(newer)))
    loaded = cli("catalogue", "diff", "kinds-fw@1", "kinds-fw@2", "--json").json()
    assert {c["ref"]: c["fields"] for c in loaded["questions"]["changed"]} == changed
    words = cli("catalogue", "diff", "kinds-fw@1", "kinds-fw@2")
    assert "~ question KQ2" in words.stdout and "answer_kind, concern" in words.stdout
