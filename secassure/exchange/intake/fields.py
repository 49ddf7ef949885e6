"""What each kind of intake can fill, the words a client's header may use for it, and the
vocabulary a cell's value is read against."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("rows", "answers", "risks", "documents")
KIND_LABELS = {"rows": "Validation rows", "answers": "Questionnaire answers", "risks": "Risk register",
               "documents": "Document list"}

# Vocabularies a cell is read against; None means free text.
STATUS = "status"        # assessments.choices.Compliance
ANSWER = "answer"        # assessments.choices.Answer
YESNO = "yesno"          # True / False
SCALE = "scale"          # 1 to 5
TREATMENT = "treatment"  # assessments.choices.Treatment
DOC_TYPE = "doc_type"    # evidence.choices.DocumentType
DATE = "date"            # a datetime.date
PERSON = "person"        # a member of the organisation, by e-mail or name (matched when taken in)
REF = "ref"              # a clause or question reference, matched tolerantly


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    vocabulary: str | None = None
    required: bool = False
    synonyms: tuple[str, ...] = ()


FIELDS: dict[str, tuple[Field, ...]] = {
    "rows": (
        Field("ref", "Clause reference", REF, True,
              ("clause", "clause ref", "reference", "ref", "sec ref", "sec clause", "section", "requirement ref",
               "obligation ref", "control", "control id", "id", "para", "paragraph")),
        Field("obligation", "Obligation text", None, False,
              ("obligation", "requirement", "description", "obligation text", "requirement text", "sec requirement",
               "control description", "title")),
        Field("status", "Compliance status", STATUS, False,
              ("status", "compliance", "compliance status", "compliant", "rag", "rating", "assessment", "result",
               "self assessment", "self-assessment")),
        Field("narrative", "How it is met", None, False,
              ("how met", "how it is met", "how is it met", "narrative", "response", "justification", "rationale",
               "implementation", "user response", "management response", "description of compliance", "commentary")),
        Field("evidence", "Evidence", None, False,
              ("evidence", "evidence reference", "evidence ref", "supporting evidence", "documents", "document",
               "artefacts", "artifacts", "references")),
        Field("owner", "Owner", PERSON, False, ("owner", "responsible", "accountable", "lead", "assigned to", "poc")),
        Field("last_tested", "Last tested", DATE, False,
              ("last tested", "tested", "date tested", "last test", "test date", "last reviewed", "date")),
        Field("comments", "Comments", None, False, ("comments", "comment", "notes", "note", "remarks", "observations")),
    ),
    "answers": (
        Field("ref", "Question reference", REF, False,
              ("question ref", "question no", "question number", "q no", "q", "ref", "reference", "id", "no",
               "number")),
        Field("question", "Question text", None, False, ("question", "question text", "questions")),
        Field("answer", "Answer", ANSWER, True, ("answer", "response", "yes/no", "y/n", "status", "result")),
        Field("narrative", "Notes", None, False,
              ("notes", "note", "comments", "comment", "explanation", "details", "supporting information",
               "narrative")),
        Field("material", "Material increase in risk", YESNO, False,
              ("material", "material change", "material increase", "material increase in risk", "material risk")),
    ),
    "risks": (
        Field("title", "Title", None, True, ("title", "risk", "risk title", "risk name", "name", "risk description",
                                              "description")),
        Field("likelihood", "Likelihood", SCALE, True, ("likelihood", "probability", "inherent likelihood", "l")),
        Field("impact", "Impact", SCALE, True, ("impact", "consequence", "severity", "inherent impact", "i")),
        Field("residual_likelihood", "Residual likelihood", SCALE, False,
              ("residual likelihood", "residual probability", "target likelihood")),
        Field("residual_impact", "Residual impact", SCALE, False,
              ("residual impact", "residual consequence", "target impact")),
        Field("treatment", "Treatment", TREATMENT, False,
              ("treatment", "treatment option", "response", "risk response", "approach")),
        Field("treatment_plan", "Treatment plan", None, False,
              ("treatment plan", "actions", "mitigation", "mitigations", "controls", "action plan")),
        Field("owner", "Owner", PERSON, False, ("owner", "risk owner", "responsible", "accountable")),
        Field("review_date", "Review date", DATE, False, ("review date", "next review", "review by", "due")),
    ),
    "documents": (
        Field("title", "Title", None, True, ("title", "document", "document title", "document name", "name")),
        Field("doc_type", "Type", DOC_TYPE, False, ("type", "document type", "category", "kind")),
        Field("owner", "Owner", PERSON, False, ("owner", "document owner", "author", "responsible")),
        Field("version", "Version", None, False, ("version", "ver", "issue", "revision", "rev")),
        Field("review_date", "Review date", DATE, False,
              ("review date", "next review", "next review date", "review due", "date of next review")),
    ),
}


def fields_of(kind: str) -> tuple[Field, ...]:
    return FIELDS[kind]


def field_of(kind: str, key: str) -> Field:
    return next(f for f in FIELDS[kind] if f.key == key)
