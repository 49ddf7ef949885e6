"""The one check of a person's text: trimmed, line breaks written one way, no control characters."""

import pytest

from secassure import guards
from secassure.errors import ActionError


@pytest.mark.parametrize(("given", "stored"), [
    ("  two\r\nlines \n", "two\nlines"),
    ("old\rmac", "old\nmac"),
    ("pasted\x0bfrom Word\x0cnext page", "pasted\nfrom Word\nnext page"),
    ("tab\tkept", "tab\tkept"),
    (None, ""),
    ("", ""),
])
def test_text_is_stored_one_way(given, stored):
    assert guards.text(given, "the note") == stored


@pytest.mark.parametrize("bad", ["a\x00b", "\x07bell", "esc\x1b[0m", "del\x7f"])
def test_control_characters_are_refused_with_where_they_are(bad):
    with pytest.raises(ActionError, match=r"the note holds a control character \(code 0x[0-9a-f]{2}\) at position"):
        guards.text(bad, "the note")


def test_limits_and_required_text_are_named():
    with pytest.raises(ActionError, match="the title is 6 characters long; the most it can be is 5"):
        guards.text("abcdef", "the title", 5)
    with pytest.raises(ActionError, match="write the reply"):
        guards.text("  \r\n ", "the reply", required=True)
    with pytest.raises(ActionError, match="give the title as text"):
        guards.text(7, "the title")
    assert guards.line("  Demo \n Energy  ", "the name", 50) == "Demo Energy"
