"""Reading untrusted data files (catalogues, rules, OSCAL, CISO Assistant libraries) safely.

Every reader checks size before reading, decodes strictly, parses with a loader that builds only
plain data (no tags, anchors, aliases, duplicate keys or NaN), bounds the work a file can cause,
and reports problems as ``file: place: problem`` on one line.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 24  # deeper nesting than this is not a data file of ours, whatever the format allows
MAX_YAML_EVENTS = 2_000_000  # a generous catalogue is ~100k; past this a file only costs memory
_BAD_STRING = re.compile(r"[\x00\ud800-\udfff]|<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class DataFileError(ValueError):
    """A data file cannot be used: names the file, the place in it and the problem."""

    def __init__(self, file: str, place: str, problem: str):
        self.file, self.place, self.problem = file, place, problem
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Parsing a large file builds one big tree that stays alive; the cyclic garbage collector
    would walk all of it again and again (import time then grows faster than the file).
    Nothing cyclic is made while parsing, so collection waits until the tree is built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_text(path: str | PathLike, max_bytes: int) -> str:
    """The file's text, after the size check and UTF-8 decoding; never more than max_bytes read."""
    name = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise DataFileError(name, "", "not a regular file")
        if size > max_bytes:
            raise DataFileError(name, "", f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        with p.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DataFileError(name, "", f"cannot read the file ({exc.strerror})") from None
    if len(raw) > max_bytes:  # grew while we looked
        raise DataFileError(name, "", f"the file is over the {max_bytes:,}-byte limit")
    if b"\x00" in raw:
        raise DataFileError(name, "", "binary content (a NUL byte): expected a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(name, f"byte {exc.start}", "not valid UTF-8 text") from None
    if not text.strip():
        raise DataFileError(name, "", "the file is empty")
    if text.lstrip().startswith("<"):
        why = "it declares a DOCTYPE, which is never processed; " if _BAD_STRING.search(text[:4096]) else ""
        raise DataFileError(name, "line 1", f"XML is not read ({why}convert the file to JSON or YAML)")
    return text


# --- YAML -------------------------------------------------------------------------------------

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlainLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loading narrowed further: dates stay text, and only maps, lists, text, numbers,
    booleans and null are built. Duplicate keys are refused rather than silently overwritten."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be plain text or a number", key_node.start_mark) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _refuse_tag(loader, node):
    raise yaml.constructor.ConstructorError(None, None, f"the YAML tag {node.tag} is not allowed", node.start_mark)


for _tag in ("set", "binary", "omap", "pairs", "timestamp"):
    _PlainLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


def parse_yaml(name: str, text: str) -> Any:
    """One YAML document of plain data; anchors, aliases and oversized files refused first."""
    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Base), start=1):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise DataFileError(name, f"line {mark.line + 1}, column {mark.column + 1}",
                                    "YAML anchors and aliases are not allowed")
            if count > MAX_YAML_EVENTS:
                raise DataFileError(name, f"line {event.start_mark.line + 1}",
                                    f"more than {MAX_YAML_EVENTS:,} YAML nodes: too large to be a data file")
        docs = list(yaml.load_all(text, Loader=_PlainLoader))  # noqa: S506 - a narrowed safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DataFileError(name, where, f"not valid YAML ({exc.problem or exc.context})") from None
    except yaml.YAMLError as exc:
        raise DataFileError(name, "", f"not valid YAML ({exc})") from None
    except RecursionError:
        raise DataFileError(name, "", f"nesting is too deep (over {MAX_DEPTH} levels)") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. 2024-13-45, or a 5,000-digit number
        raise DataFileError(name, "", f"a value cannot be read ({exc})") from None
    if len(docs) != 1:
        raise DataFileError(name, "", f"expected one YAML document, found {len(docs)}")
    check_strings(name, docs[0])
    return docs[0]


# --- JSON -------------------------------------------------------------------------------------


def parse_json(name: str, text: str) -> Any:
    def no_duplicates(pairs):
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            key = next(k for k, _ in pairs if k in seen or seen.add(k))
            raise DataFileError(name, "", f"duplicate key {key!r} in one JSON object")
        return out

    def no_constant(word):
        raise DataFileError(name, "", f"{word} is not a JSON number")

    try:
        doc = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise DataFileError(name, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise DataFileError(name, "", "nesting is too deep to be a data file") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        if isinstance(exc, DataFileError):
            raise
        raise DataFileError(name, "", f"a value cannot be read ({exc})") from None
    check_strings(name, doc)
    return doc


# --- every string, once -------------------------------------------------------------------------


def check_strings(name: str, doc: Any) -> None:
    """Refuse NUL characters, lone surrogates (neither survives a database) and DOCTYPE or ENTITY
    declarations hidden in embedded markup, naming where the first one is."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, place, depth = stack.pop()
        if isinstance(value, str):
            match = _BAD_STRING.search(value)
            if match:
                what = match.group(0)
                problem = ("embedded markup declares a DOCTYPE or ENTITY; refused" if what.startswith("<")
                           else "contains a NUL character" if what == "\x00"
                           else "contains a lone surrogate, which is not text")
                raise DataFileError(name, place or "root", problem)
            continue
        if depth > 4 * MAX_DEPTH:
            raise DataFileError(name, place or "root", "nesting is too deep to be a data file")
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{place}.{key}" if place else str(key)
                stack.append((key, where, depth + 1))
                stack.append((item, where, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{place}[{i}]", depth + 1) for i, item in enumerate(value))
