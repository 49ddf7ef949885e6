"""What a cell can hold: text is cleaned of what XML cannot carry, whatever quick test decides that
nothing needs cleaning, for every character, alone and beside tabs and line breaks."""

from __future__ import annotations

import pytest

from secassure.exchange import layout


def by_the_pattern(text: str) -> str:
    """The cleaning by the pattern alone, with no quick test before it."""
    return layout.NOT_XML.sub("", text.translate(layout.BREAKS)) if layout.NOT_XML.search(text) else text


@pytest.mark.parametrize("around", ["{}", "line one\n{}\tline two\r\n", "{}\n"], ids=["alone", "in-lines", "end"])
def test_every_character_is_cleaned_as_the_pattern_cleans_it(around):
    points = [*range(0x10000), 0x10000, 0x1F600, 0xE0001, 0xF0000, 0x10FFFF]
    wrong = [hex(point) for point in points
             if layout.cell_text(text := around.format(chr(point))) != by_the_pattern(text)]
    assert not wrong, wrong[:20]


def test_a_vertical_tab_becomes_a_line_break_and_a_control_character_goes():
    assert layout.cell_text("one\x0btwo\x00three\ud800") == "one\ntwothree"
    assert layout.cell_text("no\u00a0break and\u2028line") == "no\u00a0break and\u2028line"


@pytest.mark.parametrize("value", ["", "Compliant", 'quote " and \\ back', "é ✓ \U0001F600", "line\nbreak", 7, 2.5,
                                   True, None, "2026-01-31"])
def test_a_cells_hash_is_the_hash_of_the_list_of_it(value):
    """The metadata of every workbook ever exported holds each locked cell's hash as digest_plain
    made it; the quicker way to one cell's hash must give the same."""
    assert layout.cell_digest(value) == layout.digest_plain([value])[:8]
