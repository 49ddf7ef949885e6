"""Loading catalogue files: idempotent, immutable once published, drafts replaceable, audited."""

import pytest
import yaml

from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.catalogue.models import (
    FrameworkVersion,
    Group,
    ImmutableVersionError,
    Obligation,
    Question,
)
from tests.catalogue.samples import native_doc, native_yaml


def test_load_then_load_again_is_a_no_op(cli, write):
    path = write("fw.yaml", native_yaml())
    first = cli("catalogue", "load", path, "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json()[0]["outcome"] == "created"
    events = Event.objects.count()
    again = cli("catalogue", "load", path, "--json")
    assert again.exit_code == 0
    assert again.json()[0]["outcome"] == "unchanged"
    assert Event.objects.count() == events
    assert FrameworkVersion.objects.count() == 1
    assert Obligation.objects.count() == 4


def test_the_tree_and_questions_are_stored(cli, write):
    cli("catalogue", "load", write("fw.yaml", native_yaml()))
    detail = Obligation.objects.get(ref="T1.2a")
    assert detail.parent.ref == "T1.2" and detail.depth == 1 and detail.group.ref == "T1"
    assert [o.ref for o in Obligation.objects.order_by("order")] == ["T1.1", "T1.2", "T1.2a", "T2.1"]
    alpha = Obligation.objects.get(ref="T1.1")
    assert alpha.categories == ["large-supplier", "small-supplier"]
    assert len(alpha.roles) == 7
    q2 = Question.objects.get(ref="Q2")
    assert sorted(o.ref for o in q2.obligations.all()) == ["T1.2", "T2.1"]
    assert q2.categories == ["other-user"]


def test_different_content_under_a_published_version_is_refused(cli, write):
    cli("catalogue", "load", write("fw.yaml", native_yaml()))
    doc = native_doc()
    doc["obligations"][0]["title"] = "Alpha, reworded"
    result = cli("catalogue", "load", write("fw2.yaml", yaml.safe_dump(doc)))
    assert result.exit_code == 1
    assert "test-fw@1.0 is already published with different content" in result.stderr
    assert Obligation.objects.get(ref="T1.1").title == "Alpha"


def test_the_same_content_under_a_new_version_loads_beside_the_old(cli, write):
    cli("catalogue", "load", write("fw.yaml", native_yaml()))
    result = cli("catalogue", "load", write("fw2.yaml", native_yaml(version="1.1")))
    assert result.exit_code == 0
    assert FrameworkVersion.objects.filter(framework__slug="test-fw").count() == 2


def test_a_draft_is_replaced_by_a_new_load(cli, write):
    cli("catalogue", "load", write("fw.yaml", native_yaml(status="draft")))
    version_id = FrameworkVersion.objects.get().pk
    doc = native_doc(status="draft")
    doc["obligations"].pop()
    doc["questions"].pop()
    result = cli("catalogue", "load", write("fw2.yaml", yaml.safe_dump(doc)), "--json")
    assert result.json()[0]["outcome"] == "replaced-draft"
    assert FrameworkVersion.objects.get().pk == version_id
    assert Obligation.objects.count() == 3
    assert Event.objects.filter(action="catalogue.version.replaced").count() == 1


def test_dry_run_writes_nothing(cli, write):
    result = cli("catalogue", "load", write("fw.yaml", native_yaml()), "--dry-run")
    assert result.exit_code == 0
    assert "dry run, would have loaded test-fw@1.0" in result.stdout
    assert FrameworkVersion.objects.count() == 0
    assert Event.objects.count() == 0


def test_a_load_writes_an_audit_event_and_the_chain_verifies(cli, write):
    cli("catalogue", "load", write("fw.yaml", native_yaml()))
    event = Event.objects.get(action="catalogue.version.loaded")
    assert event.chain == "system"
    assert event.after["version"] == "test-fw@1.0"
    assert event.after["counts"]["obligations"] == 4
    assert event.actor_label.startswith("cli:")
    assert verify().ok


def test_published_rows_refuse_changes_through_the_orm(cli, write):
    cli("catalogue", "load", write("fw.yaml", native_yaml()))
    ob = Obligation.objects.get(ref="T1.1")
    ob.title = "changed"
    with pytest.raises(ImmutableVersionError):
        ob.save()
    with pytest.raises(ImmutableVersionError):
        ob.delete()
    with pytest.raises(ImmutableVersionError):
        Group.objects.first().delete()
    version = FrameworkVersion.objects.get()
    version.notes = "changed"
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()


def test_shipped_load_twice_is_idempotent(cli):
    first = cli("catalogue", "load", "--shipped", "--json")
    assert [r["outcome"] for r in first.json()] == ["created", "created", "created"]
    second = cli("catalogue", "load", "--shipped", "--json")
    assert [r["outcome"] for r in second.json()] == ["unchanged", "unchanged", "unchanged"]


def test_a_mapping_to_a_framework_not_loaded_names_what_to_do(cli, write):
    doc = native_doc()
    doc["obligations"][0]["maps_to"] = ["iso27001@2022:5.1"]
    result = cli("catalogue", "load", write("fw.yaml", yaml.safe_dump(doc)))
    assert result.exit_code == 1
    assert "obligations[0].maps_to[0]: iso27001@2022 is not loaded; load it before this file" in result.stderr


def test_load_without_a_file_says_what_to_give(cli):
    result = cli("catalogue", "load")
    assert result.exit_code == 1
    assert "--shipped" in result.stderr


def test_a_published_version_cannot_map_to_a_draft(cli, write):
    target = native_doc(status="draft")
    target["framework"]["slug"] = "target-fw"
    cli("catalogue", "load", write("t.yaml", yaml.safe_dump(target)))
    source = native_doc()
    source["obligations"][0]["maps_to"] = ["target-fw@1.0:T1.1"]
    result = cli("catalogue", "load", write("s.yaml", yaml.safe_dump(source)))
    assert result.exit_code == 1
    assert "a published version cannot map to the draft target-fw@1.0" in result.stderr


def test_a_new_version_does_not_rename_the_framework(cli, write):
    from secassure.catalogue.models import Framework

    cli("catalogue", "load", write("a.yaml", native_yaml()))
    doc = native_doc(version="2.0")
    doc["framework"]["name"] = "Something else"
    cli("catalogue", "load", write("b.yaml", yaml.safe_dump(doc)))
    assert Framework.objects.get(slug="test-fw").name == "Test framework"


def test_dry_run_of_files_that_map_to_each_other(cli, write):
    """A dry run does the whole load and rolls it back, so a file that maps to another file of the
    same run is checked as it would be loaded."""
    target = native_doc()
    target["framework"]["slug"] = "target-fw"
    source = native_doc()
    source["obligations"][0]["maps_to"] = ["target-fw@1.0:T1.1"]
    result = cli("catalogue", "load", write("t.yaml", yaml.safe_dump(target)),
                 write("s.yaml", yaml.safe_dump(source)), "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    assert [r["dry_run"] for r in result.json()] == [True, True]
    assert FrameworkVersion.objects.count() == 0 and Event.objects.count() == 0
