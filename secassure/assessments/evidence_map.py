"""An obligation's evidence, with one meaning on every page.

An organisation's evidence for an obligation is:

- the documents **linked** to it in the organisation's current assessment: the evidence links of
  that assessment's row for the obligation. The current assessment is the latest one not closed,
  or the latest of all when every one is closed;
- the documents **mapped** to it in the register: the obligations a document itself says it
  evidences.

An obligation with neither has no evidence yet. The obligations that count are those of the
current assessment (its rows); with no assessment yet, those one would hold today. The obligations
page, the organisation page and the document page all read this module, so they say the same.

It lives with the assessments because it reads both them and the register, which sits below them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse

from secassure.assessments.actions import applicable, roles_in_force
from secassure.assessments.choices import AssessmentStatus
from secassure.assessments.models import Assessment, EvidenceLink, ValidationRow
from secassure.catalogue.models import FrameworkVersion, Obligation
from secassure.catalogue.queries import DEFAULT_FRAMEWORK as SEC_FRAMEWORK
from secassure.evidence.freshness import ORDER, Freshness
from secassure.evidence.models import Document
from secassure.evidence.services import freshness_of, with_freshness_fields
from secassure.evidence.usage import Place, Use
from secassure.tenancy.access import VIEW_ASSESSMENTS, Door
from secassure.tenancy.models import Organisation


@dataclass(frozen=True)
class Evidence:
    """One document offered as evidence, with its freshness; ``version`` is the version a
    submitted assessment pinned (None while the link follows the latest)."""

    document: Document
    freshness: Freshness
    version: int | None = None


@dataclass
class ObligationEvidence:
    obligation: Obligation
    linked: list[Evidence] = field(default_factory=list)
    mapped: list[Evidence] = field(default_factory=list)

    @property
    def has_evidence(self) -> bool:
        return bool(self.linked or self.mapped)

    @property
    def worst(self) -> Freshness | None:
        """The least fresh of its documents, from either source; None when it has none."""
        states = [e.freshness for e in (*self.linked, *self.mapped)]
        return min(states, key=lambda f: ORDER.index(f.state)) if states else None


@dataclass
class EvidenceMap:
    """Every obligation that counts, in the catalogue's order, keyed by obligation id."""

    assessment: Assessment | None
    catalogue: FrameworkVersion | None
    obligations: dict[int, ObligationEvidence]

    @property
    def without_evidence(self) -> list[ObligationEvidence]:
        return [e for e in self.obligations.values() if not e.has_evidence]


def current_assessment(organisation_id: int) -> Assessment | None:
    """The latest assessment not closed, else the latest of all: one query."""
    closed_last = Case(When(status=AssessmentStatus.CLOSED, then=Value(1)), default=Value(0),
                       output_field=IntegerField())
    return (Assessment.objects.filter(organisation_id=organisation_id).select_related("catalogue__framework")
            .order_by(closed_last, "-created_at", "-pk").first())


def _obligations(org: Organisation, assessment: Assessment | None):
    """The catalogue and its obligations that count, in order: the current assessment's rows, or
    with no assessment those a new one would hold."""
    if assessment is not None:
        rows = ValidationRow.objects.filter(assessment=assessment).select_related("obligation").order_by("order", "pk")
        return assessment.catalogue, [row.obligation for row in rows]
    catalogue = FrameworkVersion.objects.select_related("framework").in_force(SEC_FRAMEWORK)
    if catalogue is None:
        return None, []
    # The same rule that chooses an assessment's rows; it reads only a few fields, so the
    # obligations are read again whole, in one query.
    ids = [o.pk for o in applicable(org, catalogue, roles_in_force(org))[0]]
    return catalogue, list(Obligation.objects.filter(pk__in=ids).order_by("order", "pk"))


def obligation_evidence(org: Organisation, today: dt.date) -> EvidenceMap:
    """For each obligation that counts, the documents linked to it in the current assessment and
    those mapped to it in the register: a fixed number of queries however many rows, links and
    documents there are."""
    assessment = current_assessment(org.pk)
    catalogue, obligations = _obligations(org, assessment)
    found = {o.pk: ObligationEvidence(o) for o in obligations}
    if catalogue is None:
        return EvidenceMap(assessment, None, found)
    linked: list[tuple[int, int, int | None]] = []
    if assessment is not None:
        linked = list(EvidenceLink.objects.filter(assessment=assessment, row__isnull=False).order_by("pk")
                      .values_list("row__obligation_id", "document_id", "version__number"))
    # A register mapping names an obligation of whichever catalogue version was in force when it
    # was made; it is matched by its ref within the framework, so that it still counts for an
    # assessment on a later (or earlier) version of the same catalogue.
    by_ref = {o.ref: o.pk for o in obligations}
    mapped = [(by_ref[ref], document_id) for ref, document_id in
              Document.obligations.through.objects.filter(
                  document__organisation=org, obligation__version__framework_id=catalogue.framework_id)
              .order_by("pk").values_list("obligation__ref", "document_id")
              if ref in by_ref]
    ids = {document_id for _, document_id, *_ in linked} | {document_id for _, document_id in mapped}
    documents = {}
    if ids:
        documents = {d.pk: Evidence(d, freshness_of(d, today))
                     for d in with_freshness_fields(Document.objects.filter(pk__in=ids))}
    for obligation_id, document_id, version in linked:
        if obligation_id in found:
            base = documents[document_id]
            found[obligation_id].linked.append(Evidence(base.document, base.freshness, version))
    for obligation_id, document_id in mapped:
        if not any(e.document.pk == document_id for e in found[obligation_id].mapped):
            found[obligation_id].mapped.append(documents[document_id])
    for item in found.values():
        item.linked.sort(key=lambda e: e.document.title.casefold())
        item.mapped.sort(key=lambda e: e.document.title.casefold())
    return EvidenceMap(assessment, catalogue, found)


def document_places(document: Document, door: Door) -> list[Place]:
    """The assessments a document is linked in, newest first, each with the rows and answers it
    is linked to: two queries however many links. Only for viewers who may see assessments."""
    if not door.may(VIEW_ASSESSMENTS):
        return []
    links = (EvidenceLink.objects.filter(document=document)
             .select_related("assessment__organisation", "row__obligation", "answer__question")
             .order_by("-assessment__created_at", "-assessment_id", "pk"))
    grouped: dict[int, list[EvidenceLink]] = {}
    for link in links:
        grouped.setdefault(link.assessment_id, []).append(link)
    if not grouped:
        return []
    current = current_assessment(document.organisation_id)
    places = []
    for group in grouped.values():
        assessment = group[0].assessment
        slug = assessment.organisation.slug
        url = reverse("assessment", args=[slug, assessment.pk])
        answers_url = reverse("assessment-answers", args=[slug, assessment.pk])
        rows = sorted((link.row for link in group if link.row_id), key=lambda r: (r.order, r.pk))
        answers = sorted((link.answer for link in group if link.answer_id), key=lambda a: (a.order, a.pk))
        uses = ([Use(r.obligation.ref, r.obligation.title, f"{url}#item-{r.pk}") for r in rows]
                + [Use(a.question.ref, a.question.text, f"{answers_url}#item-{a.pk}") for a in answers])
        note = "the current assessment" if current is not None and current.pk == assessment.pk else ""
        places.append(Place("Linked in", assessment.title, url, tuple(uses), note))
    return places
