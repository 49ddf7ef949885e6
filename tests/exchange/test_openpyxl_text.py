"""A workbook that openpyxl reads (calamine is left out when a sheet holds a formula or a prefixed
element) reads text as calamine and spreadsheet programs do: openpyxl leaves the escapes of the
file format (_x000D_ for a carriage return, _x005F_ for an underscore that begins one) as they are
written, and the import undoes them, so that an unchanged row compares equal."""

from __future__ import annotations

from secassure.assessments import actions
from secassure.exchange import importing, reading
from tests.assessments import helpers
from tests.exchange import crafted

TEXT = "Policy approved yearly\r\nby the board (_x0041_ is not a letter)"


def test_text_with_escapes_reads_the_same_through_openpyxl(drafting, bob, tmp_path, monkeypatch):
    t2 = helpers.row(drafting, "T2")
    actions.save_row(t2, by=bob, revision=t2.revision, narrative=TEXT)
    # A save makes line breaks plain; text taken in from elsewhere may still hold a carriage return.
    type(t2).objects.filter(pk=t2.pk).update(change_note="line one\rline two", na_reason="a\r\nb")
    exported = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)
    quick = reading.read(exported)
    monkeypatch.setattr(reading, "quick_workbook", lambda path, facts=None: None)  # as for a sheet with a formula
    slow = reading.read(exported)
    assert [(i.key, i.edited, i.values) for i in slow.items] == [(i.key, i.edited, i.values) for i in quick.items]
    assert not any(item.edited for item in slow.items)
    assert importing.plan(drafting, exported, by=bob).changes == []
