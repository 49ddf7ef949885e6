"""The workspace's rows, read and drawn for speed.

A workspace may hold 1,300 rows and 5,000 evidence links. Reading them as plain values (not model
objects) and drawing each row with a small Python function (every value escaped) keeps the page
to a few hundred milliseconds; the template engine would take several times as long. The same
function draws a single row after an inline save, so the two can never differ.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from secassure.assessments.choices import Compliance, answer_label, answer_tone
from secassure.assessments.models import EvidenceLink, QuestionAnswer, ValidationRow
from secassure.evidence.models import Document
from secassure.evidence.services import freshness_of, with_freshness_fields
from secassure.people import compose

COMPLIANCE = dict(Compliance.choices)

_COMMON = ("pk", "narrative", "confirmed", "changed", "change_note", "revision", "updated_by_id", "checked_at")
# Who owns and who checked each item, read as plain values and named as everywhere else.
_PEOPLE = {f"{who}_{part}": F(f"{path}__{field}") for who, path in (("owner", "owner"), ("checked", "checked_by"))
           for part, field in (("first", "first_name"), ("last", "last_name"), ("email", "email"))}


def read(items: QuerySet, kind: str, today: dt.date, page: slice | None = None) -> list[dict]:
    """The rows (or answers) of a queryset as dicts with their evidence and its freshness: three
    queries whatever the number of rows and links. With ``page``, a slice of the items in their
    order, only those are read, each carrying ``total``: how many the whole queryset holds, counted
    in the same query."""
    counted = {"total": Window(Count("pk"))} if page is not None else {}
    if kind == "rows":
        query = items.order_by("order").values(
            *_COMMON, "status", "na_reason", ref=F("obligation__ref"), title=F("obligation__title"), **_PEOPLE,
            **counted)
        key = "row_id"
    else:
        query = items.order_by("order").values(
            *_COMMON, "answer", "material", "material_rationale", ref=F("question__ref"), title=F("question__text"),
            answer_kind=F("question__answer_kind"), concern=F("question__concern"), **_PEOPLE, **counted)
        key = "answer_id"
    values = list(query[page] if page is not None else query)
    # A page's keys as one array on PostgreSQL (secassure.lookups), one statement however long the page.
    link_filter = {f"{key}__any": [v["pk"] for v in values]} if page is not None else {f"{key}__in": items.values("pk")}
    by_pk = {v["pk"]: v for v in values}
    for v in values:
        v["links"] = []
        for who in ("owner", "checked"):
            v[who] = compose(*(v.pop(f"{who}_{part}") for part in ("first", "last", "email")))
    links = EvidenceLink.objects.filter(**link_filter).order_by("pk").values_list(
        key, "pk", "document_id", "version__number", "carried_forward")
    documents: set[int] = set()
    for item_pk, link_pk, document_id, version, carried in links:
        by_pk[item_pk]["links"].append({"pk": link_pk, "document_id": document_id, "version": version,
                                        "carried_forward": carried})
        documents.add(document_id)
    if documents:
        found = {d.pk: (d.title, freshness_of(d, today))
                 for d in with_freshness_fields(Document.objects.filter(pk__in=documents))}
        for v in values:
            for link in v["links"]:
                link["title"], link["fresh"] = found[link["document_id"]]
    return values


def rows_of(assessment) -> QuerySet:
    return ValidationRow.objects.filter(assessment=assessment)


def answers_of(assessment) -> QuerySet:
    return QuestionAnswer.objects.filter(assessment=assessment)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class View:
    """What the row drawing needs to know about the page and the person."""

    kind: str
    base: str
    csrf_token: str
    can_edit: bool
    can_check: bool
    user_id: int


def row_html(v: dict, view: View) -> str:
    pk, e = v["pk"], escape
    url = f"{view.base}{view.kind}/{pk}/"
    unconfirmed = "" if v["confirmed"] else ' class="unconfirmed"'
    cells = [f'<tr id="item-{pk}"{unconfirmed}>']
    narrative = f'<div class="narrative">{e(_cut(v["narrative"], 240))}</div>' if v["narrative"] else ""
    if view.can_edit or view.can_check:
        # Ticked for the page's bulk form (assign an owner, confirm, check), with the revision shown,
        # so that nothing changed since the page was drawn is confirmed or checked unseen.
        cells.append(f'<td><input type="checkbox" name="{view.kind}" value="{pk}" form="bulk" '
                     f'aria-label="Select {e(v["ref"])}"><input type="hidden" name="revision-{pk}" '
                     f'value="{v["revision"]}" form="bulk"></td>')
    if view.kind == "rows":
        if v["status"] == Compliance.NOT_APPLICABLE:
            narrative += f'<div class="narrative muted">N/A: {e(_cut(v["na_reason"], 160))}</div>'
        state, label = v["status"], COMPLIANCE[v["status"]]
    else:
        if v["material"]:
            narrative += (f'<div class="narrative warn-text">Material increase: '
                          f'{e(_cut(v["material_rationale"], 160))}</div>')
        state = answer_tone(v["answer_kind"], v["concern"], v["answer"], v["narrative"])
        label = answer_label(v["answer_kind"], v["answer"], v["narrative"])
    # Each cell names its column (data-label), which a phone shows when the table becomes cards.
    cells.append(f'<td class="ref">{e(v["ref"])}</td><td>{e(v["title"])}{narrative}</td>'
                 f'<td data-label="{"Compliance" if view.kind == "rows" else "Answer"}">'
                 f'<span class="cs cs-{e(state)}">{e(label)}</span></td>'
                 f'<td data-label="Owner">{e(v["owner"] or "—")}</td><td data-label="Evidence">')
    for link in v["links"]:
        fresh = link["fresh"]
        version = f' v{link["version"]}' if link["version"] else ""
        cells.append(f'<div><span class="fresh fresh-{fresh.state}" title="{e(fresh.label)}: {e(fresh.reason)}">'
                     f'{e(link["title"])}{version}</span></div>')
    if not v["links"]:
        cells.append('<span class="muted">—</span>')
    cells.append('</td><td class="flags">')
    if not v["confirmed"]:
        cells.append('<span class="badge warn">Carried forward, not yet confirmed</span> ')
    if v["changed"]:
        cells.append(f'<span class="badge" title="{e(v["change_note"])}">Changed</span> ')
    if v["checked"]:
        when = v["checked_at"].strftime("%d %b %Y %H:%M") if v["checked_at"] else ""
        cells.append(f'<span class="badge ok" title="{when}">Checked by {e(v["checked"])}</span>')
    if v.get("error"):
        cells.append(f'<p class="error" role="alert">{e(v["error"][:1].upper() + v["error"][1:])}</p>')
    cells.append('</td><td class="actions">')
    if view.can_edit:
        cells.append(f'<a href="{url}" hx-get="{url}?edit=1" hx-target="#item-{pk}" hx-swap="outerHTML">'
                     f'{"Edit" if v["confirmed"] else "Review"}</a> ')
    if (view.can_check and v["confirmed"] and not v["checked"] and v["updated_by_id"]
            and v["updated_by_id"] != view.user_id):
        cells.append(f'<form method="post" action="{url}check/" hx-post="{url}check/" hx-target="#item-{pk}" '
                     f'hx-swap="outerHTML" class="inline"><input type="hidden" name="csrfmiddlewaretoken" '
                     f'value="{e(view.csrf_token)}"><input type="hidden" name="revision" value="{v["revision"]}">'
                     '<button type="submit" class="small">Check</button></form>')
    cells.append("</td></tr>")
    return "".join(cells)


def table_body(values: list[dict], view: View) -> SafeString:
    return mark_safe("\n".join(row_html(v, view) for v in values))  # noqa: S308 - every value is escaped above
