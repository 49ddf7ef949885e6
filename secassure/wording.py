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
