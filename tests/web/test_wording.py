"""Labels read inside a sentence keep their abbreviations."""

import pytest
from django.template import Context, Template

from secassure.wording import in_sentence


@pytest.mark.parametrize(("label", "expected"), [
    ("Under CIO review", "under CIO review"),
    ("Sent to the SSC", "sent to the SSC"),
    ("CIO comments final", "CIO comments final"),
    ("SSC", "SSC"),
    ("Draft", "draft"),
    ("A", "a"),
    ("", ""),
])
def test_the_first_word_is_lowered_unless_it_is_an_abbreviation(label, expected):
    assert in_sentence(label) == expected


def test_templates_have_the_filter_without_loading_it():
    assert Template("({{ s|in_sentence }})").render(Context({"s": "Under CIO review"})) == "(under CIO review)"
