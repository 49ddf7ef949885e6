"""Labels read inside a sentence keep their abbreviations."""

import re

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


@pytest.mark.parametrize(("phrase", "expected"), [
    ("Electricity Network Party", "an Electricity Network Party"),
    ("Other User", "an Other User"),
    ("Large Supplier Party", "a Large Supplier Party"),
    ("SSA", "an SSA"),
    ("SRP", "an SRP"),
    ("FUSA", "a FUSA"),
    ("VUSA", "a VUSA"),
    ("CIO reviewer", "a CIO reviewer"),
    ("Observer", "an Observer"),
])
def test_the_article_is_the_one_that_is_said(phrase, expected):
    from secassure.wording import article

    assert article(phrase) == expected


def test_counts_agree_with_their_words():
    from secassure.wording import plural

    assert plural(1, "query") == "1 query"
    assert plural(2, "query", "queries") == "2 queries"
    assert plural(1_200, "row") == "1,200 rows"
    assert Template('{{ n|counted:"query is,queries are" }}').render(Context({"n": 1})) == "1 query is"
    assert Template('{{ n|counted:"thread" }}').render(Context({"n": 3})) == "3 threads"


@pytest.mark.parametrize(("label", "expected"), [
    ("Internal review", "X is now in internal review."),
    ("Management sign-off", "X is now awaiting management sign-off."),
    ("In preparation", "X is now in preparation."),
    ("Submitted", "X is now submitted."),
    ("Under CIO review", "X is now under CIO review."),
    ("Draft", "X is now a draft."),
    ("Response drafted", "X is now with its response drafted."),
])
def test_a_move_reads_as_a_sentence(label, expected):
    from secassure.wording import now_is

    assert now_is("X", label) == expected


def test_no_message_or_page_counts_with_a_bracketed_plural():
    """"thread(s)" reads as a form, not a sentence: counts use the word that agrees with them."""
    from pathlib import Path

    import secassure

    root = Path(secassure.__file__).parent
    offenders = [f"{path.relative_to(root)}:{n}" for path in [*root.rglob("*.py"), *root.rglob("*.html")]
                 if "migrations" not in path.parts
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"[a-z]\(s\)(?!\.\w)", line)]
    assert not offenders, offenders
