"""An organisation with something to take spreadsheets into, for the taking, command-line and saved
mapping tests: a small published SEC catalogue whose references are written as the SEC writes them
(G3.1 ... G5.15, and G3.10 beside G3.1), questions SSA-01 to SSA-06, and org A in preparation."""

from __future__ import annotations

from secassure.assessments import actions
from secassure.evidence import actions as evidence
from tests.assessments import helpers
from tests.evidence import files

REFS = ["G3.1", "G3.2", "G3.3", "G3.4", "G3.5", "G3.6", "G3.10", "G5.1", "G5.2", "G5.3", "G5.4", "G5.14", "G5.15"]
QUESTIONS = {"SSA-01": "yes-no", "SSA-02": "yes-no", "SSA-03": "yes-no", "SSA-04": "yes-no", "SSA-05": "yes-no",
             "SSA-06": "text"}


def catalogue_yaml() -> str:
    lines = ["format: secassure.catalogue/1",
             'framework: {slug: sec-g, name: "SEC Section G (intake test copy)", kind: regulation}',
             'version: {version: "intake.1", status: published, effective_date: 2026-01-01}',
             "groups:", "  - {ref: G3, title: System security}", "  - {ref: G5, title: Information security}",
             "obligations:"]
    lines += [f"  - {{ref: '{ref}', group: {ref.split('.')[0]}, title: Obligation {ref}, summary: What {ref} asks.}}"
              for ref in REFS]
    lines.append("questions:")
    lines += [f"  - {{ref: {ref}, text: 'Question {ref}?', topic: changes, clauses: [G3.1], categories: [all], "
              f"answer_kind: {kind}}}" for ref, kind in QUESTIONS.items()]
    return "\n".join(lines) + "\n"


def catalogue(write):
    return helpers.load_text(write, catalogue_yaml(), "intake.yaml")


def in_preparation(write, org, *, owner, maker):
    """Org's SSA in preparation on the intake catalogue, every row and answer blank."""
    version = catalogue(write)
    assessment = actions.create_assessment(org, kind="ssa", by=owner, catalogue=version,
                                           title="SSA 2026").assessment
    actions.move(assessment, "preparation", by=maker)
    assessment.refresh_from_db()
    return assessment


def document(org, title: str, name: str | None = None):
    """A document in org's register with one version (a PDF named ``name``)."""
    found = evidence.add_document(org, title=title, doc_type="policy", by=None)
    evidence.add_version(found, chunks=[files.PDF], name=name or f"{title.lower().replace(' ', '-')}.pdf", by=None)
    return found
