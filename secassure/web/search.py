"""One search box for everything a person may see: their organisations, documents, the catalogue's
obligations, the rows of assessments, findings, remediation actions and CIO query messages.

The door decides first. Each kind is read through filters that apply the same rules as the doors
that open its pages (``tenancy.access.open_door``, ``evidence.access.document_scope``,
``review.access.review_door``), so a result is only ever something whose page the person may open,
and each result links to that page:

- organisations: those the person belongs to, linked to the organisation's page for a role that may
  see it; a Provider linked to a provider reaches the documents register instead, a CIO reviewer
  their review queue; a Provider linked to no provider sees nothing of the organisation;
- documents: all of an organisation's for a role allowed ``VIEW_DOCUMENTS``; only their provider's
  for a Provider linked to one;
- the catalogue: shared regulation data, open to everyone signed in;
- assessment rows, findings and remediation actions: an organisation's for a role allowed ``VIEW``
  and ``VIEW_ASSESSMENTS``. A CIO reviewer reaches rows and query messages only of the assessments
  actively shared with them while they are a CIO reviewer of the organisation, and of findings only
  those their issued report raised, which the review overview lists; never remediation actions;
- CIO query messages: of the assessments the person reaches through the review door.

The engine. On PostgreSQL the text is matched with full-text search (the ``english`` configuration,
so "policies" finds "policy"; the person's words read with ``websearch_to_tsquery``: quoted phrases,
``or``, ``-`` to leave a word out), ranked with ``ts_rank`` and highlighted with ``ts_headline``. The
vectors are computed in the query over the rows the door lets through, not kept in an index: the
door's filters (on indexed foreign keys) bound the rows read to the person's organisations, and a
stored vector would need a column on each model searched. A reference typed as its start ("G8")
also matches, and ranks first.

On SQLite (development and the test suite's default) the words are matched with FTS5, in the index
of secassure.web.search_index: a table for each model searched, kept in step by triggers, so that
an edit, however it is written, is found by the next search. The person's words are read as above
and each word or quoted phrase is given to FTS5 as a quoted string, never as its query syntax, so
quotes, hyphens ("SSA-01"), full stops ("G3.1"), asterisks and brackets are only text to match (a
word FTS5 would split is matched as the phrase of its parts). Words are stemmed (``porter``), as on
PostgreSQL. The index is read through a sub-query, ``pk IN (SELECT rowid ... MATCH ...)``, of the
rows the door lets through, so it never widens what the person may see; an assessment row's
obligation reference and title are matched in the obligations' index through its foreign key. The
ranking puts a reference's prefix first, then a match in the heading; the matches are marked with
FTS5's ``highlight`` and ``snippet``.

A SQLite built without FTS5 (``search_index.available``) falls back to ``LIKE``: each word (or
quoted phrase) must appear in one of the kind's fields, ``or`` joins alternatives and a word after
``-`` must not appear; there is no stemming, and the ranking is the same. That scan also reads only
the rows the door lets through.

Each search costs a fixed number of SQL queries, whatever the data: one for the person's memberships,
then one per kind, which returns at most ``PER_KIND`` results, the best first, with the number found
(a window count). Highlighting marks the matches with two private-use characters, which are stripped
from the input and turned into ``<mark>`` only after the text is escaped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from secassure.assessments.models import ValidationRow
from secassure.catalogue.models import Obligation
from secassure.evidence.models import Document
from secassure.review.choices import FindingSource
from secassure.review.models import CioReport, Finding, QueryMessage, RemediationAction, Share
from secassure.tenancy.access import VIEW, VIEW_ASSESSMENTS, VIEW_DOCUMENTS, role_allows
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Membership, Organisation
from secassure.web import search_index

MIN_CHARS = 2
MAX_CHARS = 200
PER_KIND = 20
CONFIG = "english"
OPEN, CLOSE = "\ue000", "\ue001"  # where a match starts and ends, before the text is escaped
_EXCERPT = 220  # characters of a long text shown around its first match (SQLite)


# --- the person's words -----------------------------------------------------------------------------


def clean(raw: str) -> str:
    """The query as searched and shown again: cut to ``MAX_CHARS``, control characters (NUL among
    them, which PostgreSQL refuses) and the highlight marks made spaces, spaces collapsed."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Co") else c for c in (raw or "")[:MAX_CHARS])
    return " ".join(text.split())


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGES = "!#$%&'()*+,./:;<=>?@[\\]^_`{|}~\""


@dataclass(frozen=True)
class Terms:
    """The words as ``websearch_to_tsquery`` reads them: alternatives joined by ``or``, each a list
    of words or phrases that must all appear, less those after a minus sign."""

    alternatives: tuple[tuple[tuple[str, bool], ...], ...]  # ((text, left out), ...) per alternative

    @property
    def wanted(self) -> list[str]:
        """Every word or phrase looked for (not left out), longest first: what is highlighted."""
        seen = {t.casefold(): t for alt in self.alternatives for t, out in alt if not out}
        return sorted(seen.values(), key=len, reverse=True)


def parse(text: str) -> Terms:
    alternatives: list[tuple[tuple[str, bool], ...]] = []
    current: list[tuple[str, bool]] = []
    for minus, phrase, word in _TOKEN.findall(text):
        if word and word.casefold() == "or":
            alternatives.append(tuple(current))
            current = []
            continue
        out = bool(minus)
        if word:
            out = word.startswith("-") and len(word) > 1
            word = word.lstrip("-") if out else word
        term = " ".join((phrase if not word else word.strip(_EDGES)).split())
        if term:
            current.append((term, out))
    alternatives.append(tuple(current))
    # An alternative with nothing to look for would match everything (bar what it leaves out).
    return Terms(tuple(alt for alt in alternatives if any(not out for _, out in alt)))


# --- results ------------------------------------------------------------------------------------


def as_html(marked: str) -> SafeString:
    """Marked text as HTML: escaped, with the matches in ``<mark>``, always balanced."""
    html, inside = [], False
    for piece in re.split(f"([{OPEN}{CLOSE}])", marked):
        if piece == OPEN and not inside:
            html.append("<mark>")
            inside = True
        elif piece == CLOSE and inside:
            html.append("</mark>")
            inside = False
        elif piece not in (OPEN, CLOSE):
            html.append(str(escape(piece)))
    if inside:
        html.append("</mark>")
    return mark_safe("".join(html))  # noqa: S308 - every piece of text above is escaped


@dataclass
class Hit:
    title: SafeString
    url: str
    context: str = ""
    ref: str = ""
    snippet: SafeString | None = None


@dataclass
class Group:
    key: str
    label: str
    total: int = 0
    hits: list[Hit] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.hits)


@dataclass
class Results:
    query: str
    hint: str = ""
    groups: list[Group] = field(default_factory=list)

    @property
    def searched(self) -> bool:
        return not self.hint

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def found(self) -> list[Group]:
        return [g for g in self.groups if g.hits]


# --- who may see what ---------------------------------------------------------------------------


@dataclass
class Scope:
    """The person's memberships, read once, and the rules of the doors applied to them."""

    user: object
    memberships: dict[int, Membership]
    providers: dict[int, int]  # organisation id -> provider id, for a Provider linked to one

    @classmethod
    def of(cls, user) -> Scope:
        memberships, providers = {}, {}
        for m in Membership.objects.filter(user=user).select_related("organisation", "provider_link"):
            memberships[m.organisation_id] = m
            link = getattr(m, "provider_link", None) if m.role == MemberRole.PROVIDER else None
            if link is not None:
                providers[m.organisation_id] = link.provider_id
        return cls(user, memberships, providers)

    def role(self, org_id: int) -> str:
        return self.memberships[org_id].role

    def org(self, org_id: int) -> Organisation:
        return self.memberships[org_id].organisation

    def allowed(self, *permissions: str) -> list[int]:
        return [pk for pk, m in self.memberships.items() if all(role_allows(m.role, p) for p in permissions)]

    @property
    def viewing(self) -> list[int]:
        """Where the organisation's own door opens (``open_door``)."""
        return self.allowed(VIEW)

    @property
    def assessing(self) -> list[int]:
        """Where ``open_door(..., VIEW_ASSESSMENTS)`` opens: assessments, findings, remediation."""
        return self.allowed(VIEW, VIEW_ASSESSMENTS)

    @property
    def documenting(self) -> list[int]:
        """Where ``document_scope`` gives the whole register."""
        return self.allowed(VIEW_DOCUMENTS)

    @property
    def provided(self) -> dict[int, int]:
        """Where ``document_scope`` gives one provider's documents."""
        return {org: provider for org, provider in self.providers.items()
                if not role_allows(self.role(org), VIEW_DOCUMENTS)}

    @property
    def reviewing(self) -> list[int]:
        """Where ``review_door`` takes the person as a CIO reviewer."""
        return [pk for pk, m in self.memberships.items() if m.role == MemberRole.CIO_REVIEWER]

    def shared(self) -> QuerySet:
        """The assessments actively shared with the person where they are a CIO reviewer."""
        return Share.objects.active().filter(reviewer=self.user, assessment__organisation_id__in=self.reviewing
                                             ).values("assessment_id")

    def is_cio(self, org_id: int) -> bool:
        return self.role(org_id) == MemberRole.CIO_REVIEWER


# --- the engines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fields:
    """What a kind is searched by and shows: ``heading`` (weighted first), ``body``, a ``ref``
    matched by its start too, the ``title`` shown highlighted whole and the ``snippet`` shown
    around its matches."""

    heading: tuple[str, ...] = ()
    body: str | None = None
    ref: str | None = None
    title: str | None = None
    snippet: str | None = None


def _path(obj, path: str):
    for name in path.split("__"):
        obj = getattr(obj, name)
    return obj


class Like:
    """SQLite without FTS5: the words matched with ``LIKE``, highlighted here."""

    def __init__(self, text: str, terms: Terms):
        self.text, self.terms = text, terms
        wanted = "|".join(re.escape(t) for t in terms.wanted)
        self.pattern = re.compile(wanted, re.IGNORECASE) if wanted else None

    def _match(self, fields: tuple[str, ...]) -> Q:
        anywhere = Q(pk__in=[])
        for alternative in self.terms.alternatives:
            every = Q()
            for term, out in alternative:
                found = Q(pk__in=[])
                for name in fields:
                    found |= Q(**{f"{name}__icontains": term})
                every &= ~found if out else found
            anywhere |= every
        return anywhere

    def apply(self, qs: QuerySet, f: Fields) -> QuerySet:
        fields = (*f.heading, *([f.body] if f.body else []))
        match = self._match(fields)
        ranks = [When(self._match(f.heading), then=Value(1.0))] if f.heading else []
        if f.ref:
            prefix = Q(**{f"{f.ref}__istartswith": self.text})
            match |= prefix
            ranks.insert(0, When(prefix, then=Value(2.0)))
        rank = Case(*ranks, default=Value(0.0), output_field=FloatField()) if ranks else Value(0.0)
        return qs.filter(match).annotate(search_rank=rank)

    def mark(self, text: str) -> str:
        text = clean_text(text)
        return self.pattern.sub(lambda m: f"{OPEN}{m.group(0)}{CLOSE}", text) if self.pattern else text

    def title(self, obj, f: Fields) -> SafeString:
        return as_html(self.mark(_path(obj, f.title)))

    def snippet(self, obj, f: Fields) -> SafeString:
        text = " ".join(clean_text(_path(obj, f.snippet)).split())
        found = self.pattern.search(text) if self.pattern else None
        start = 0
        if found and found.start() > _EXCERPT // 3:
            start = text.find(" ", found.start() - _EXCERPT // 3) + 1
        end = len(text) if len(text) - start <= _EXCERPT else text.rfind(" ", start, start + _EXCERPT)
        end = end if end > start else min(len(text), start + _EXCERPT)
        shown = ("… " if start else "") + self.mark(text[start:end]) + (" …" if end < len(text) else "")
        return as_html(shown)


class FullText:
    """PostgreSQL: full-text search with the ``english`` configuration, highlighted by ``ts_headline``."""

    def __init__(self, text: str, terms: Terms):
        from django.contrib.postgres.search import SearchQuery

        self.text, self.terms = text, terms
        self.query = SearchQuery(text, search_type="websearch", config=CONFIG)

    def apply(self, qs: QuerySet, f: Fields) -> QuerySet:
        from django.contrib.postgres.search import SearchHeadline, SearchRank, SearchVector

        vector = SearchVector(*f.heading, config=CONFIG, weight="A") if f.heading else None
        if f.body:
            body = SearchVector(f.body, config=CONFIG, weight="B")
            vector = body if vector is None else vector + body
        match = Q(search_vector=self.query)
        rank = SearchRank(F("search_vector"), self.query)
        if f.ref:
            prefix = Q(**{f"{f.ref}__istartswith": self.text})
            match |= prefix
            rank = rank + Case(When(prefix, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
        marks = {"config": CONFIG, "start_sel": OPEN, "stop_sel": CLOSE}
        shown = {}
        if f.title:
            shown["search_title"] = SearchHeadline(f.title, self.query, highlight_all=True, **marks)
        if f.snippet:
            shown["search_snippet"] = SearchHeadline(f.snippet, self.query, max_words=35, min_words=15,
                                                     max_fragments=2, fragment_delimiter=" … ", **marks)
        return qs.alias(search_vector=vector).filter(match).annotate(search_rank=rank, **shown)

    def title(self, obj, f: Fields) -> SafeString:
        return as_html(obj.search_title)

    def snippet(self, obj, f: Fields) -> SafeString:
        return as_html(obj.search_snippet)


class _Indexed(Expression):
    """SQL about the outer row's entry in an FTS5 index, found by ``link`` (a path to the primary key
    of the indexed model): ``template`` with ``{table}`` and ``{link}``, and its parameters, in
    order, before the link's own (a column's: none)."""

    def __init__(self, link: str, table: str, template: str, params: tuple, output_field):
        super().__init__(output_field=output_field)
        self.link, self.table, self.template, self.params = F(link), table, template, params

    def get_source_expressions(self):
        return [self.link]

    def set_source_expressions(self, exprs):
        (self.link,) = exprs

    def as_sql(self, compiler, connection):
        link, params = compiler.compile(self.link)
        return self.template.format(table=f'"{self.table}"', link=link), (*self.params, *params)


def _in_index(link: str, table: str, query: str) -> _Indexed:
    return _Indexed(link, table, "{link} IN (SELECT {table}.rowid FROM {table} WHERE {table} MATCH %s)", (query,),
                    BooleanField())


def _phrase(term: str) -> str:
    """A word or phrase as an FTS5 string: whatever it holds is text to match, not query syntax."""
    return '"' + term.replace('"', '""') + '"'


def _columns(names: list[str], every: tuple[str, ...], query: str) -> str:
    """``query`` limited to the named columns of an index, unless they are all of its columns."""
    return query if tuple(names) == every else "{" + " ".join(names) + "} : (" + query + ")"


class Fts5(Like):
    """SQLite with FTS5: the words matched in the search index (secassure.web.search_index), marked
    by ``highlight`` and ``snippet``. Text read without a match there (a reference found by its
    prefix alone) is marked as ``Like`` marks it."""

    def __init__(self, text: str, terms: Terms):
        super().__init__(text, terms)
        # A word with no letter or digit is no word to FTS5 (it would match nothing): it is dropped,
        # and an alternative left with nothing to look for with it.
        kept = []
        for alternative in terms.alternatives:
            alternative = tuple((t, out) for t, out in alternative if any(c.isalnum() for c in t))
            if any(not out for _, out in alternative):
                kept.append(alternative)
        self.alternatives = tuple(kept)
        wanted = {t.casefold(): t for alt in kept for t, out in alt if not out}
        self.wanted = " OR ".join(_phrase(t) for t in wanted.values())

    @staticmethod
    def _expression(alternatives) -> str:
        parts = []
        for alternative in alternatives:
            every = " AND ".join(_phrase(t) for t, out in alternative if not out)
            parts.append("((" + every + ")" + "".join(f" NOT {_phrase(t)}" for t, out in alternative if out) + ")")
        return " OR ".join(parts)

    @staticmethod
    def _sources(qs: QuerySet, paths) -> dict[tuple[str, object], list[str]]:
        """The paths searched, by (link, index): a field of the model's own is found through its
        primary key, a related model's through the foreign key to it."""
        sources: dict[tuple[str, object], list[str]] = {}
        for path in paths:
            *through, name = path.split("__")
            model = qs.model
            for step in through:
                model = model._meta.get_field(step).related_model
            link = "__".join([*through, "pk"]) if through else "pk"
            sources.setdefault((link, search_index.for_model(model)), []).append(name)
        return sources

    def _match(self, qs: QuerySet, paths) -> Q:
        """Every word of an alternative in one of the fields, none of its left-out words in any."""
        if not self.alternatives:
            return Q(pk__in=[])
        sources = self._sources(qs, paths)
        if len(sources) == 1:  # one index: the whole query in one MATCH
            ((link, index), names), = sources.items()
            return Q(_in_index(link, index.table, _columns(names, index.fields, self._expression(self.alternatives))))

        def anywhere(term: str) -> Q:
            found = Q(pk__in=[])
            for (link, index), names in sources.items():
                found |= Q(_in_index(link, index.table, _columns(names, index.fields, _phrase(term))))
            return found

        matched = Q(pk__in=[])
        for alternative in self.alternatives:
            every = Q()
            for term, out in alternative:
                every &= ~anywhere(term) if out else anywhere(term)
            matched |= every
        return matched

    def _marked(self, qs: QuerySet, path: str, function: str, extra: tuple = ()) -> _Indexed:
        ((link, index), (name,)), = self._sources(qs, [path]).items()
        column = index.column(name)
        query = _columns([name], index.fields, self.wanted) if self.wanted else '""'
        marks = ", ".join(["%s"] * (2 + len(extra)))
        # The person's words go in as a parameter; the SQL holds only names from the definitions.
        return _Indexed(link, index.table, f"(SELECT {function}({{table}}, {column}, {marks}) FROM {{table}} "  # noqa: S608
                                           "WHERE {table} MATCH %s AND {table}.rowid = {link})",
                        (OPEN, CLOSE, *extra, query), TextField())

    def apply(self, qs: QuerySet, f: Fields) -> QuerySet:
        match = self._match(qs, (*f.heading, *([f.body] if f.body else [])))
        ranks = [When(self._match(qs, f.heading), then=Value(1.0))] if f.heading else []
        if f.ref:
            prefix = Q(**{f"{f.ref}__istartswith": self.text})
            match |= prefix
            ranks.insert(0, When(prefix, then=Value(2.0)))
        rank = Case(*ranks, default=Value(0.0), output_field=FloatField()) if ranks else Value(0.0)
        shown = {}
        if f.title:
            shown["search_title"] = self._marked(qs, f.title, "highlight")
        if f.snippet:
            shown["search_snippet"] = self._marked(qs, f.snippet, "snippet", (" … ", 32))
        return qs.filter(match).annotate(search_rank=rank, **shown)

    def title(self, obj, f: Fields) -> SafeString:
        marked = obj.search_title
        return super().title(obj, f) if marked is None else as_html(marked)

    def snippet(self, obj, f: Fields) -> SafeString:
        marked = obj.search_snippet
        return super().snippet(obj, f) if marked is None else as_html(" ".join(marked.split()))


def clean_text(text) -> str:
    """Stored text as shown: without the highlight marks, should it ever contain them."""
    return str(text or "").replace(OPEN, "").replace(CLOSE, "")


# --- the kinds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    fields: Fields
    rows: Callable[[Scope], QuerySet | None]  # the rows the door lets through; None: nothing to search
    order: tuple[str, ...]
    hit: Callable[[Scope, object, Hit], Hit]  # fills in the link and the context


def _organisations(scope: Scope):
    shown = [*scope.viewing, *scope.providers, *scope.reviewing]
    return Organisation.objects.filter(pk__in=shown) if shown else None


def _organisation_hit(scope: Scope, org, hit: Hit) -> Hit:
    role = scope.role(org.pk)
    if role_allows(role, VIEW):
        hit.url = reverse("organisation", args=[org.slug])
    elif org.pk in scope.providers:
        hit.url = reverse("documents", args=[org.slug])
    else:
        hit.url = reverse("review-queue")
    hit.ref, hit.context = org.sec_party_id, scope.memberships[org.pk].get_role_display()
    return hit


def _documents(scope: Scope):
    where = Q(organisation_id__in=scope.documenting) if scope.documenting else None
    for org, provider in scope.provided.items():
        one = Q(organisation_id=org, provider_id=provider)
        where = one if where is None else where | one
    return Document.objects.filter(where) if where is not None else None


def _document_hit(scope: Scope, doc, hit: Hit) -> Hit:
    org = scope.org(doc.organisation_id)
    hit.url = reverse("document", args=[org.slug, doc.pk])
    hit.context = f"{org.name} · {doc.get_doc_type_display()}"
    return hit


def _obligations(scope: Scope):
    return Obligation.objects.select_related("version__framework")


def _obligation_hit(scope: Scope, ob, hit: Hit) -> Hit:
    v = ob.version
    hit.url = reverse("catalogue-obligation", args=[v.framework.slug, v.version, ob.ref])
    hit.ref, hit.context = ob.ref, f"{v.framework.name} {v.version}"
    return hit


def _assessing_or_shared(scope: Scope, path: str) -> Q | None:
    """Where an assessment (reached through ``path``) may be seen: in an organisation whose
    assessments the person may view, or shared with them as its CIO reviewer. None: nowhere."""
    where = Q(**{f"{path}__organisation_id__in": scope.assessing}) if scope.assessing else None
    if scope.reviewing:
        shared = Q(**{f"{path}_id__in": scope.shared()})
        where = shared if where is None else where | shared
    return where


def _rows(scope: Scope):
    where = _assessing_or_shared(scope, "assessment")
    return ValidationRow.objects.filter(where).select_related("assessment", "obligation") if where else None


def _row_hit(scope: Scope, row, hit: Hit) -> Hit:
    a = row.assessment
    org = scope.org(a.organisation_id)
    if scope.is_cio(org.pk):
        hit.url = reverse("review-item", args=[org.slug, a.pk, "rows", row.pk])
    else:
        hit.url = reverse("assessment", args=[org.slug, a.pk]) + f"#item-{row.pk}"
    hit.ref, hit.context = row.obligation.ref, f"{org.name} · {a.title}"
    return hit


def _findings(scope: Scope):
    where = Q(organisation_id__in=scope.assessing) if scope.assessing else None
    if scope.reviewing:
        issued = CioReport.objects.filter(assessment_id=OuterRef("assessment_id"), issued_at__isnull=False)
        raised = Q(assessment_id__in=scope.shared(), source=FindingSource.CIO_REPORT, created_by__isnull=True,
                   organisation_id__in=scope.reviewing) & Q(Exists(issued))
        where = raised if where is None else where | raised
    return Finding.objects.filter(where) if where is not None else None


def _finding_hit(scope: Scope, finding, hit: Hit) -> Hit:
    org = scope.org(finding.organisation_id)
    if scope.is_cio(org.pk):
        hit.url = reverse("review", args=[org.slug, finding.assessment_id]) + "#response"
    else:
        hit.url = reverse("finding", args=[org.slug, finding.pk])
    hit.title = format_html("{}: {}", finding.ref, finding.get_kind_display())
    hit.context = f"{org.name} · {finding.get_status_display()}"
    return hit


def _actions(scope: Scope):
    if not scope.assessing:
        return None
    return RemediationAction.objects.filter(plan__organisation_id__in=scope.assessing).select_related(
        "plan__assessment")


def _action_hit(scope: Scope, action, hit: Hit) -> Hit:
    plan = action.plan
    org = scope.org(plan.organisation_id)
    hit.url = reverse("remediation-plan", args=[org.slug, plan.pk]) + f"#action-{action.pk}"
    hit.context = (f"{org.name} · {plan.assessment.title} · {action.get_status_display()}, "
                   f"due {action.target_date.day} {action.target_date:%b %Y}")
    return hit


def _messages(scope: Scope):
    where = _assessing_or_shared(scope, "query__assessment")
    if where is None:
        return None
    return QueryMessage.objects.filter(where).select_related(
        "query__assessment", "query__row__obligation", "query__answer__question")


def _message_hit(scope: Scope, message, hit: Hit) -> Hit:
    query = message.query
    a = query.assessment
    org = scope.org(a.organisation_id)
    if query.row_id:
        hit.url = reverse("review-item", args=[org.slug, a.pk, "rows", query.row_id]) + "#queries"
        on = f" on {query.row.obligation.ref}"
    elif query.answer_id:
        hit.url = reverse("review-item", args=[org.slug, a.pk, "answers", query.answer_id]) + "#queries"
        on = f" on {query.answer.question.ref}"
    else:
        hit.url, on = reverse("review", args=[org.slug, a.pk]), ""
    hit.title = escape(f"{query.get_purpose_display()} {query.pk}{on}")
    hit.context = f"{org.name} · {a.title} · {message.get_side_display()}"
    return hit


KINDS = (
    Kind("organisations", "Organisations", Fields(heading=("name", "sec_party_id"), ref="sec_party_id", title="name"),
         _organisations, ("name", "pk"), _organisation_hit),
    Kind("documents", "Documents", Fields(heading=("title",), title="title"),
         _documents, ("title", "pk"), _document_hit),
    Kind("obligations", "Catalogue obligations",
         Fields(heading=("ref", "title"), body="summary", ref="ref", title="title", snippet="summary"),
         _obligations, ("-version_id", "order", "pk"), _obligation_hit),
    Kind("rows", "Assessment rows",
         Fields(heading=("obligation__ref", "obligation__title"), body="narrative", ref="obligation__ref",
                title="obligation__title", snippet="narrative"),
         _rows, ("-assessment_id", "order", "pk"), _row_hit),
    Kind("findings", "Findings", Fields(heading=("ref",), body="description", ref="ref", snippet="description"),
         _findings, ("organisation_id", "ref", "pk"), _finding_hit),
    Kind("actions", "Remediation actions", Fields(body="description", title="description"),
         _actions, ("target_date", "pk"), _action_hit),
    Kind("queries", "CIO queries", Fields(body="text", snippet="text"),
         _messages, ("-created_at", "-pk"), _message_hit),
)


def engine_for(connection) -> type[Like] | type[FullText]:
    """PostgreSQL's full-text search; SQLite's FTS5 where the library has it; else ``LIKE``."""
    if connection.vendor == "postgresql":
        return FullText
    return Fts5 if search_index.available() else Like


def search(user, raw: str) -> Results:
    """What the person may see that matches ``raw``: a fixed number of queries, at most
    ``PER_KIND`` results of each kind with how many were found. A query too short to search, or
    with nothing to look for, gives a hint and reads nothing."""
    text = clean(raw)
    if not text:
        return Results(text, hint="Search your organisations, documents, the catalogue, assessment rows, "
                                  "findings, remediation actions and CIO queries.")
    if len(text) < MIN_CHARS:
        return Results(text, hint=f"Type at least {MIN_CHARS} characters to search.")
    terms = parse(text)
    if not terms.alternatives:
        return Results(text, hint="Give a word to look for: a word after a minus sign is only left out.")
    engine = engine_for(connection)(text, terms)
    scope = Scope.of(user)
    results = Results(text)
    for kind in KINDS:
        rows = kind.rows(scope)
        if rows is None:  # nothing of this kind is the person's to see
            continue
        group = Group(kind.key, kind.label)
        results.groups.append(group)
        found = list(engine.apply(rows, kind.fields).annotate(search_total=Window(Count("pk")))
                     .order_by("-search_rank", *kind.order)[:PER_KIND])
        group.total = found[0].search_total if found else 0
        for obj in found:
            hit = Hit(title=engine.title(obj, kind.fields) if kind.fields.title else SafeString(""), url="")
            if kind.fields.snippet:
                hit.snippet = engine.snippet(obj, kind.fields)
            group.hits.append(kind.hit(scope, obj, hit))
    return results
