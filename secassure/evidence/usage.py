"""Where a document is used beyond the register's own mappings.

The register knows which obligations and questions a document is mapped to. Assessments, which
sit above the register, also link documents to their rows and answers. So that the document page
can say where a document is linked without the register depending on the apps above it, those
apps add a reader here when they start (in their ``AppConfig.ready``); the page asks every reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from secassure.evidence.models import Document
from secassure.tenancy.access import Door


@dataclass(frozen=True)
class Use:
    """One thing the document is offered as evidence for: a row's obligation, an answer's question."""

    ref: str
    title: str
    url: str = ""


@dataclass(frozen=True)
class Place:
    """Somewhere the document is linked, such as one assessment, with what it is linked to there."""

    label: str
    title: str
    url: str
    uses: tuple[Use, ...]
    note: str = ""


# A reader is given the document and the viewer's door to its organisation, and returns the places
# that viewer may see, each at a fixed number of queries however many links there are.
Reader = Callable[[Document, Door], list[Place]]
_READERS: list[Reader] = []


def add_reader(reader: Reader) -> None:
    if reader not in _READERS:
        _READERS.append(reader)


def places_of(document: Document, door: Door) -> list[Place]:
    return [place for reader in _READERS for place in reader(document, door)]
