"""Wording shared by messages, pages and exports."""

from __future__ import annotations


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: its first word in lower case, unless that word is an
    abbreviation ("Under CIO review" becomes "under CIO review"; "SSC decision" stays)."""
    label = str(label)
    first, _, rest = label.partition(" ")
    if len(first) > 1 and first.isupper():
        return label
    return first[:1].lower() + first[1:] + (" " + rest if rest else "")


# Abbreviations said as words, not letter by letter: "a FUSA", "a VUSA". Any other abbreviation is
# read letter by letter, so its article follows the first letter's name ("an SSA", "an SRP").
_SAID_AS_WORDS = frozenset({"FUSA", "VUSA", "DUIS", "GBCS", "SMETS1", "SMETS2", "SEC"})
_LETTERS_WITH_A_VOWEL_SOUND = frozenset("AEFHILMNORSX")


def article(phrase: str) -> str:
    """The phrase with "a" or "an" before it, as it is said: "an Electricity Network Party", "an SSA",
    "a VUSA", "a Large Supplier"."""
    phrase = str(phrase)
    first = phrase.split(" ", 1)[0].strip("(\"'“")
    if len(first) > 1 and first.isupper() and first not in _SAID_AS_WORDS:
        vowel = first[0] in _LETTERS_WITH_A_VOWEL_SOUND
    else:
        vowel = first[:1].lower() in "aeiou"
    return f"{'an' if vowel else 'a'} {phrase}"


def plural(n: int, one: str, many: str | None = None) -> str:
    """"1 query", "2 queries": the count and the word that agrees with it."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# Labels that are names of a stage rather than words that follow "is now" ("is now internal review"):
# how each reads in that sentence. A label not listed reads as it is, in sentence case.
_AFTER_IS_NOW = {
    "Draft": "a draft",
    "Internal review": "in internal review",
    "Management sign-off": "awaiting management sign-off",
    "CIO comments final": "with the CIO's comments final",
    "Actions requested by the SSC": "waiting on the actions the SSC requested",
    "Response drafted": "with its response drafted",
    "Action planned": "with its action planned",
    "Evidence submitted": "with its evidence submitted",
    "Risk accepted (SSC allowed)": "a risk accepted, as the SSC allowed",
}


def now_is(subject: str, label: str) -> str:
    """A sentence saying what something has just become: "X is now in internal review."."""
    label = str(label)
    return f"{subject} is now {_AFTER_IS_NOW.get(label) or in_sentence(label)}."
