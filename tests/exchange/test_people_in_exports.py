"""People in the exports: by name with their address beside it, so that a reader knows who it is
and can write to them; by address alone for someone who gave no name."""

import io

import openpyxl

from secassure.assessments import actions
from secassure.exchange import flat, workbook
from secassure.exchange.report import report_data
from tests.assessments import helpers


def _name(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])


def test_exports_name_the_owner_the_checker_and_the_recorder(drafting, alice, bob):
    _name(alice, "Alice", "Archer")
    _name(bob, "Bob", "Baker")
    t1 = helpers.row(drafting, "T1")
    actions.assign_owner(drafting, [t1.pk], bob, by=alice)
    t1 = helpers.row(drafting, "T1")
    actions.check_item(t1, by=alice, revision=t1.revision)

    header, *rows = list(flat.lines(drafting, "rows"))
    [t1_line] = [line for line in rows if line[0] == "T1"]
    assert t1_line[header.index("owner")] == "Bob Baker <bob@a.test>"
    assert t1_line[header.index("checked by")] == "Alice Archer <alice@a.test>"

    out = io.BytesIO()
    workbook.write(drafting, out, by=bob)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Validation"]
    titles = [c.value for c in sheet[1]]
    [t1_cells] = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[titles.index("Ref")] == "T1"]
    assert t1_cells[titles.index("Owner")] == "Bob Baker <bob@a.test>"
    assert t1_cells[titles.index("Checked by")] == "Alice Archer <alice@a.test>"

    [change] = report_data(drafting)["changes"]
    assert change["recorded_by"] == "Bob Baker <bob@a.test>"


def test_someone_without_a_name_is_exported_by_address(drafting, alice, bob):
    t1 = helpers.row(drafting, "T1")
    actions.assign_owner(drafting, [t1.pk], bob, by=alice)
    header, *rows = list(flat.lines(drafting, "rows"))
    [t1_line] = [line for line in rows if line[0] == "T1"]
    assert t1_line[header.index("owner")] == "bob@a.test"
