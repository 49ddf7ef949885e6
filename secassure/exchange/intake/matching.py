"""Finding which obligation or question a row of a client's spreadsheet is about.

People write references in many ways ("G3.1", "G 3.1", "SEC G3.1", "G3.1(a)", "SSA 01", "Q1"), so the
match is tolerant of spacing, case, prefixes and leading zeros, and says how sure it is. It is never
tolerant of a different number: a reference is compared as a sequence of letters and whole numbers,
so G3.1 can never be taken for G3.10, however the text is spaced or punctuated."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

CERTAIN, LIKELY, POSSIBLE = "certain", "likely", "possible"

# Words people put before a reference; removed before it is compared.
PREFIX = re.compile(r"(?i)^\s*(?:(?:sec|section|clause|para|paragraph|ref|reference|obligation|no)\b[\s.:#-]*)+")
TOKEN = re.compile(r"\(\s*([A-Za-z0-9]{1,6})\s*\)|([A-Za-z]+)|(\d+)")
# A reference inside running text: a letter group and a dotted number, or a letter group, an
# optional separator and a number (SSA-01), with sub-clauses in brackets.
QUOTED = re.compile(r"(?i)(?<![A-Za-z0-9.])([a-z]{1,4}\s?[-]?\s?\d+(?:\.\d+)*(?:\s?\([a-z0-9]{1,6}\))*)(?![\d])")


@dataclass(frozen=True)
class Match:
    ref: str | None
    how: str
    sure: str


NONE = Match(None, "none", "")


@functools.lru_cache(maxsize=1 << 16)
def _compact(text: str) -> str:
    """The text as a reference is written, with its prefix words, spacing, case and final full stop
    set aside: "SEC g 3.1." and "G3.1" compact alike."""
    text = PREFIX.sub("", text.strip())
    return re.sub(r"\s+", "", text).upper().rstrip(".,:;")


@functools.lru_cache(maxsize=1 << 16)
def _key(text: str) -> tuple | None:
    """A reference as its parts: letters, whole numbers (leading zeros dropped) and bracketed
    sub-clauses; None when the text holds anything else. "SSA-01" and "ssa 1" are ("SSA", 1)."""
    text = PREFIX.sub("", text.strip()).rstrip(" .,:;")
    if not text:
        return None
    parts: list = []
    position = 0
    for found in TOKEN.finditer(text):
        gap = text[position:found.start()]
        if gap.strip(" .-_/"):
            return None
        if found.group(1) is not None:
            parts.append(("sub", found.group(1).upper().lstrip("0") or "0"))
        elif found.group(2) is not None:
            parts.append(found.group(2).upper())
        else:
            parts.append(int(found.group(3)))
        position = found.end()
    if text[position:].strip(" .-_/") or not parts:
        return None
    return tuple(parts)


def _is_sub(extra: tuple) -> bool:
    """Whether the parts after a reference name a sub-clause of it: (a), (b)(ii), .2, or a letter."""
    return bool(extra) and all(isinstance(p, int) or isinstance(p, tuple) or (isinstance(p, str) and len(p) <= 2)
                               for p in extra)


def _normal_text(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def match_ref(text: str, refs: Iterable[str], *, also: str = "", titles: dict[str, str] | None = None) -> Match:
    """The catalogue reference a cell names, with how it was found and how sure the match is.

    In order: the reference as it is (certain); written with other spacing, case or prefix (certain);
    written with other separators or leading zeros, or as a question number (likely); a sub-clause
    of a reference that exists when the sub-clause itself does not (likely); then, when the cell
    names nothing, a title equal to the cell or to ``also`` (likely) and a reference quoted in the
    cell or in ``also``, the obligation or question text (possible)."""
    refs = tuple(dict.fromkeys(r for r in refs if r))
    known, compacts, keys = _index(refs)
    text = str(text or "").strip()
    if text:
        if text in known:
            return Match(text, "exact", CERTAIN)
        found = compacts.get(_compact(text))
        if found is not None:
            return Match(found, "written differently", CERTAIN)
        key = _key(text)
        if key is not None:
            if key in keys:
                return Match(keys[key], "written differently", LIKELY)
            number = _question_number(key)
            if number is not None:
                found = [ref for ref_key, ref in keys.items() if _question_number(ref_key, bare=False) == number]
                if len(set(found)) == 1:
                    return Match(found[0], "written differently", LIKELY)
            for length in range(len(key) - 1, 0, -1):
                if key[:length] in keys and _is_sub(key[length:]):
                    return Match(keys[key[:length]], "sub-clause", LIKELY)
    if titles:
        wanted = {_normal_text(t) for t in (text, also) if t and _normal_text(t)}
        for ref, title in titles.items():
            if ref in refs and _normal_text(title or "") in wanted:
                return Match(ref, "title", LIKELY)
    quoted = _quoted(f"{text} {also}", keys)
    if quoted is not None:
        return Match(quoted, "quoted in the text", POSSIBLE)
    return NONE


def _question_number(key: tuple, *, bare: bool = True) -> int | None:
    """The number of a question reference: ("SSA", 1) -> 1; with bare, also ("Q", 1), ("QUESTION", 1)
    and (1,) as a person numbering questions writes them."""
    if len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], int):
        if not bare or key[0] in ("Q", "QU", "QN", "QUESTION"):
            return key[1]
        return None
    if bare and len(key) == 1 and isinstance(key[0], int):
        return key[0]
    return None


@functools.lru_cache(maxsize=8)
def _index(refs: tuple[str, ...]) -> tuple[frozenset, dict, dict]:
    """The references, by themselves, compacted and as parts (the first of each wins): worked out once
    for a sheet's rows, which all match against the same references."""
    compacts: dict[str, str] = {}
    keys: dict[tuple, str] = {}
    for ref in refs:
        compacts.setdefault(_compact(ref), ref)
        keys.setdefault(_key(ref), ref)
    keys.pop(None, None)
    return frozenset(refs), compacts, keys


def _quoted(text: str, keys: dict[tuple, str]) -> str | None:
    """The first reference the text quotes (exactly, or as one of its sub-clauses); keys are the
    references as their parts."""
    for found in QUOTED.finditer(text):
        key = _key(found.group(1))
        if key is None or len(key) < 2:
            continue
        if key in keys:
            return keys[key]
        for length in range(len(key) - 1, 1, -1):
            if key[:length] in keys and all(isinstance(p, tuple) for p in key[length:]):
                return keys[key[:length]]
    return None
