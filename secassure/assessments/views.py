"""Assessment pages: the list, the workspace (rows, inline editing with htmx), the questionnaire,
changes and risk, the lifecycle, comparison, and the organisation's risk register.

Every assessment is reached through ``get_assessment_for`` and every row, answer and link through
its assessment: another organisation's ids answer 404, as missing ones do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secassure import guards, paging
from secassure.acting import REFUSED, act
from secassure.assessments import actions, evidence_map, services
from secassure.assessments import render as render_rows
from secassure.assessments.access import get_answer_for, get_assessment_for, get_link_for, get_risk_for, get_row_for
from secassure.assessments.choices import EDITABLE, TRANSITIONS, AssessmentStatus, Compliance
from secassure.assessments.declaration import DECLARATION
from secassure.assessments.forms import (
    AnswerForm,
    ChangeForm,
    CreateForm,
    DecisionForm,
    DetailsForm,
    FieldworkForm,
    MoveForm,
    RiskForm,
    RowForm,
    SignOffForm,
    initial_for,
    members_of,
)
from secassure.assessments.models import Assessment, RiskRevision
from secassure.catalogue.queries import scope_for
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.people import display_name
from secassure.tenancy import access
from secassure.tenancy.access import open_door
from secassure.wording import now_is, plural

KINDS = {"rows": (get_row_for, RowForm, actions.save_row), "answers": (get_answer_for, AnswerForm, actions.save_answer)}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _moves(door, assessment: Assessment) -> list[dict]:
    """The lifecycle moves open to this person; on an assessment the User CIO conducts, not the sign-off
    and submission, which belong to the User's self-assessment."""
    user_flow_only = (AssessmentStatus.SIGN_OFF, AssessmentStatus.SUBMITTED)
    led = assessment.status in EDITABLE and services.led_by_cio(assessment) is not None
    return [{"to": to, "move": move} for (frm, to), move in TRANSITIONS.items()
            if frm == assessment.status and door.may(move.permission) and not (led and to in user_flow_only)]


def _abilities(door, assessment: Assessment) -> dict:
    """The assessment's address and whether this person may edit and check it there: no query."""
    return {"base": reverse("assessment", args=[assessment.organisation.slug, assessment.pk]),
            "can_edit": assessment.editable and door.may(access.EDIT_ASSESSMENTS),
            "can_check": assessment.editable and door.may(access.CHECK_ASSESSMENTS)}


def _context(door, assessment: Assessment, **extra) -> dict:
    org = assessment.organisation
    requests = []
    if assessment.status == AssessmentStatus.FIELDWORK:
        requests = list(assessment.queries.still_open().filter(purpose="evidence")
                        .select_related("row__obligation").order_by("row__order", "pk"))
    return {"org": org, "a": assessment, **_abilities(door, assessment), "statuses": AssessmentStatus,
            "evidence_requests": requests, **extra}


# --- list and create ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assessment_list(request, slug):
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    org = door.organisation
    can_create = door.may(access.CREATE_ASSESSMENTS)
    form = CreateForm(request.POST or None, organisation=org)
    if request.method == "POST":
        door.need(access.CREATE_ASSESSMENTS)
        if form.is_valid():
            created = act(request, actions.create_assessment, org, by=request.user, **form.cleaned_data, show_on=form)
            if created is not REFUSED:
                carried = (f"; {created.carried_rows} rows and {created.carried_answers} answers carried forward "
                           "from the baseline, to confirm" if form.cleaned_data["baseline"] else "")
                messages.success(request, f"{created.assessment.title}: {created.rows} obligations and "
                                          f"{created.answers} questions apply{carried}.")
                for warning in created.warnings:
                    messages.warning(request, warning)
                return redirect("assessment", slug=org.slug, pk=created.assessment.pk)
    assessments = list(Assessment.objects.filter(organisation=org).select_related("baseline")
                       .order_by("-created_at"))
    return render(request, "assessments/list.html", {"org": org, "assessments": assessments, "form": form,
                                                     "can_create": can_create})


# --- the workspace ------------------------------------------------------------------------------


def _view(request, door, assessment, kind: str) -> render_rows.View:
    ctx = _abilities(door, assessment)  # not _context, whose evidence requests the page has read already
    return render_rows.View(kind, ctx["base"], get_token(request), ctx["can_edit"], ctx["can_check"], request.user.pk)


def _decorate(items, today) -> None:
    fresh = services.evidence_freshness(items, today)
    for item in items:
        for link in item.links.all():
            link.fresh = fresh.get(link.document_id)


PAGE_SIZE = 200
BATCH = "assessments.batch"  # where a bulk action leaves its outcome in the session, for the next page


def _number(text: str) -> int | None:
    return guards.record_id(text)


def _page(request, query, kind: str, filters: dict) -> tuple[list[dict], dict]:
    """One page of the items the filters show (``?page=``), and the links to every page, each
    keeping the filters. The same queries whatever the number of items."""
    number = _number(request.GET.get("page", "")) or 1
    start = (number - 1) * PAGE_SIZE
    items = render_rows.read(query, kind, timezone.localdate(), page=slice(start, start + PAGE_SIZE))
    total = items[0]["total"] if items else (query.count() if number > 1 else 0)
    kept = {key: value for key, value in filters.items() if value}
    return items, paging.pages(number, total, PAGE_SIZE, len(items), kept)


def _batch(request, assessment, kind: str) -> dict | None:
    """What the bulk action just taken on this page did and refused, shown once."""
    found = request.session.get(BATCH)
    if not found or found.get("assessment") != assessment.pk or found.get("kind") != kind:
        return None
    del request.session[BATCH]
    return found


@login_required
@require_GET
def workspace(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    org = assessment.organisation
    filters = {key: request.GET.get(key, "") for key in services.FILTERS}
    rows, pages = _page(request, services.filtered_rows(assessment, filters), "rows", filters)
    progress = services.progress(assessment)
    groups = sorted(progress["groups"].items(), key=lambda item: services.group_order(item[0]))
    # Rows are given only to people who may edit them; the filter also offers anyone who still owns
    # a row after their role changed, so that their rows can be found and handed on.
    members = list(access.people_with(org, access.EDIT_ASSESSMENTS,
                                      keep=assessment.rows.filter(owner__isnull=False).values("owner_id")))
    owners = [m for m in members if m.allowed]
    return render(request, "assessments/workspace.html", _context(
        door, assessment, rows=rows, body=render_rows.table_body(rows, _view(request, door, assessment, "rows")),
        progress=progress, groups=groups, filters=filters, members=members, owners=owners,
        compliance=Compliance.choices, moves=_moves(door, assessment), kind="rows",
        filtered=any(filters.values()), pages=pages, batch=_batch(request, assessment, "rows"),
        no_group=services.NO_GROUP))


@login_required
@require_GET
def questions(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    filters = {key: request.GET.get(key, "") for key in services.ANSWER_FILTERS}
    answers, pages = _page(request, services.filtered_answers(assessment, filters), "answers", filters)
    return render(request, "assessments/questions.html", _context(
        door, assessment, answers=answers,
        body=render_rows.table_body(answers, _view(request, door, assessment, "answers")),
        progress=services.progress(assessment), moves=_moves(door, assessment),
        kind="answers", filters=filters, filtered=any(filters.values()), pages=pages,
        batch=_batch(request, assessment, "answers")))


def _many(request, slug, pk, kind: str, permission: str, action, did: str):
    door, assessment = get_assessment_for(request.user, slug, pk)
    door.need(permission)
    ids = [n for n in map(_number, request.POST.getlist(kind)) if n is not None]
    revisions = {i: n for i in ids if (n := _number(request.POST.get(f"revision-{i}", ""))) is not None}
    back = request.POST.get("next") if _safe_next(request, slug, pk) else _list_url(slug, pk, kind)
    if not ids:
        messages.error(request, f"tick the {'rows' if kind == 'rows' else 'questions'} first")
        return redirect(back)
    batch = act(request, action, assessment, kind, ids, by=request.user, revisions=revisions)
    if batch is not REFUSED:
        request.session[BATCH] = {"assessment": assessment.pk, "kind": kind, "did": did, "done": batch.done,
                                  "refused": batch.refused}
    return redirect(back)


@login_required
@require_POST
def check_many(request, slug, pk, kind):
    """Check the ticked rows or answers, each as its own Check button would; the page it returns to
    lists what was refused, and why."""
    return _many(request, slug, pk, kind, access.CHECK_ASSESSMENTS, actions.check_many, "checked")


@login_required
@require_POST
def confirm_many(request, slug, pk, kind):
    """Confirm the ticked carried-forward rows or answers, each as saving it unchanged would."""
    return _many(request, slug, pk, kind, access.EDIT_ASSESSMENTS, actions.confirm_many, "confirmed")


@login_required
@require_GET
def documents(request, slug, pk):
    """The evidence picker's choices for the words typed, as its options: at most
    ``services.PICKER_LIMIT`` of the organisation's documents, by title."""
    door, assessment = get_assessment_for(request.user, slug, pk)
    door.need(access.EDIT_ASSESSMENTS)
    found, more = services.documents_matching(assessment.organisation, request.GET.get("q", "")[:200])
    return render(request, "assessments/_document_options.html", {"documents": found, "more_documents": more})


def _fragment(request, door, assessment, item, kind: str, *, form=None, conflict=None, status: int = 200):
    """One row or answer, shown (no form) or being edited (form), for htmx or as a page of its own."""
    ctx = _context(door, assessment, item=item, kind=kind, form=form, conflict=conflict)
    if form is not None:
        prefetch_related_objects([item], services.links_prefetch())
        _decorate([item], timezone.localdate())
        ctx["q"] = request.GET.get("q", "")[:200]
        ctx["documents"], ctx["more_documents"] = services.documents_matching(assessment.organisation, ctx["q"])
        template = "assessments/_item_edit.html" if _is_htmx(request) else "assessments/item.html"
    else:
        query = render_rows.rows_of(assessment) if kind == "rows" else render_rows.answers_of(assessment)
        values = render_rows.read(query.filter(pk=item.pk), kind, timezone.localdate())
        values[0]["error"] = getattr(item, "error", None)
        ctx["body"] = render_rows.table_body(values, _view(request, door, assessment, kind))
        ctx["progress"], ctx["oob"] = services.progress(assessment), True
        template = "assessments/_item.html"
    return render(request, template, ctx, status=status)


def _load(request, slug, pk, kind, item_pk):
    if kind not in KINDS:
        raise Http404("No such page")
    door, assessment = get_assessment_for(request.user, slug, pk)
    getter, form_class, save = KINDS[kind]
    item = getter(assessment, item_pk)
    return door, assessment, item, form_class, save


def _list_url(slug, pk, kind: str) -> str:
    return reverse("assessment" if kind == "rows" else "assessment-answers", args=[slug, pk])


def _fresh_item(assessment, kind, item_pk):
    return KINDS[kind][0](assessment, item_pk)


@login_required
@require_http_methods(["GET", "POST"])
def item(request, slug, pk, kind, item_pk):
    door, assessment, found, form_class, save = _load(request, slug, pk, kind, item_pk)
    org = assessment.organisation
    editing = request.method == "POST" or request.GET.get("edit") or not _is_htmx(request)
    if not editing:
        return _fragment(request, door, assessment, found, kind)
    if not (assessment.editable and door.may(access.EDIT_ASSESSMENTS)):
        if request.method == "POST":
            door.need(access.EDIT_ASSESSMENTS)
            return _fragment(request, door, assessment, found, kind, form=form_class(initial=initial_for(found),
                                                                                organisation=org, item=found),
                             status=400,
                             conflict={"message": "the assessment is locked; nothing was saved"})
        return _fragment(request, door, assessment, found, kind) if _is_htmx(request) else redirect(
            f"{reverse('assessment', args=[slug, pk])}#item-{found.pk}")
    if request.method == "GET":
        return _fragment(request, door, assessment, found, kind, form=form_class(initial=initial_for(found),
                                                                             organisation=org, item=found))
    form = form_class(request.POST, organisation=org, current_owner=found.owner_id, item=found)
    if form.is_valid():
        try:
            saved = save(found, by=request.user, revision=form.cleaned_data["revision"], door=door, **form.changes())
        except actions.StaleEdit as exc:
            current = _fresh_item(assessment, kind, item_pk)
            attempted = _attempted(form)
            return _fragment(request, door, assessment, current, kind, status=409,
                             form=form_class(initial=initial_for(current), organisation=org, item=current),
                             conflict={"message": str(exc), "attempted": attempted})
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            if _is_htmx(request):
                return _fragment(request, door, assessment, saved, kind)  # drawn afresh from the database
            messages.success(request, f"{saved} is saved.")
            return redirect(f"{_list_url(slug, pk, kind)}#item-{saved.pk}")
    return _fragment(request, door, assessment, found, kind, form=form, status=400)


def _attempted(form) -> list[tuple[str, str]]:
    """What the person tried to save, in the form's own words, so that a refused save loses nothing."""
    shown = []
    for name, value in form.cleaned_data.items():
        if name == "revision" or value in (None, "", False):
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        text = display_name(value) if hasattr(value, "get_username") else choices.get(value, value)
        shown.append((field.label or name.replace("_", " ").capitalize(), "Yes" if value is True else str(text)))
    return shown


@login_required
@require_POST
def check(request, slug, pk, kind, item_pk):
    door, assessment, found, _, _ = _load(request, slug, pk, kind, item_pk)
    door.need(access.CHECK_ASSESSMENTS)
    error = None
    try:
        actions.check_item(found, by=request.user, revision=int(request.POST.get("revision", "")))
    except ValueError as exc:  # ActionError is a ValueError; so is a missing revision
        error = str(exc) if isinstance(exc, ActionError) else "the page was out of date: reload it"
    found.error = error
    if _is_htmx(request):
        return _fragment(request, door, assessment, found, kind)  # drawn afresh from the database
    if error:
        messages.error(request, f"{found}: {error}")
    return redirect(f"{_list_url(slug, pk, kind)}#item-{found.pk}")


@login_required
@require_POST
def link(request, slug, pk, kind, item_pk):
    door, assessment, found, form_class, _ = _load(request, slug, pk, kind, item_pk)
    org = assessment.organisation
    door.need(access.EDIT_ASSESSMENTS)
    document_id = request.POST.get("document", "")
    document = (Document.objects.filter(organisation=org, pk=guards.record_id(document_id)).first()
                if guards.record_id(document_id) else None)
    error = None
    try:
        if document is None:
            raise ActionError("choose a document from this organisation's register")
        actions.link_evidence(found, document, by=request.user)
    except ActionError as exc:  # shown beside the item's evidence, not at the top of the page
        error = str(exc)
    found = _fresh_item(assessment, kind, item_pk)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("assessment-item", slug=slug, pk=pk, kind=kind, item_pk=item_pk)
    form = form_class(initial=initial_for(found), organisation=org, item=found)
    return _fragment(request, door, assessment, found, kind, form=form, conflict={"message": error} if error else None,
                     status=400 if error else 200)


@login_required
@require_POST
def unlink(request, slug, pk, link_pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    door.need(access.EDIT_ASSESSMENTS)
    found = get_link_for(assessment, link_pk)
    kind, item_pk = ("rows", found.row_id) if found.row_id else ("answers", found.answer_id)
    act(request, actions.unlink_evidence, found, by=request.user)
    if _is_htmx(request):
        item_obj = _fresh_item(assessment, kind, item_pk)
        return _fragment(request, door, assessment, item_obj, kind,
                         form=KINDS[kind][1](initial=initial_for(item_obj), organisation=assessment.organisation,
                                             item=item_obj))
    return redirect("assessment-item", slug=slug, pk=pk, kind=kind, item_pk=item_pk)


@login_required
@require_POST
def assign_owners(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    org = assessment.organisation
    door.need(access.EDIT_ASSESSMENTS)
    ids = [guards.record_id(i) for i in request.POST.getlist("rows") if guards.record_id(i)]
    owner_id = request.POST.get("owner", "")
    owner = members_of(org).filter(pk=guards.record_id(owner_id)).first() if guards.record_id(owner_id) else None
    if not ids:
        messages.error(request, "tick the rows to assign first")
    elif owner_id and owner is None:
        messages.error(request, "choose an owner from the organisation's members")
    else:
        who = display_name(owner) if owner else "nobody"
        act(request, actions.assign_owner, assessment, ids, owner, by=request.user,
            ok=lambda count: f"{plural(count, 'row')} now owned by {who}.")
    return redirect(request.POST.get("next") if _safe_next(request, slug, pk) else
                    reverse("assessment", args=[slug, pk]))


def _safe_next(request, slug, pk) -> bool:
    target = request.POST.get("next", "")
    return target.startswith(reverse("assessment", args=[slug, pk])) and "//" not in target


# --- lifecycle, details, decision ---------------------------------------------------------------------


@login_required
@require_POST
def move(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    form = MoveForm(request.POST)
    if not form.is_valid() or form.cleaned_data["to"] not in AssessmentStatus.values:
        messages.error(request, "choose where the assessment goes next")
    else:
        step = TRANSITIONS.get((assessment.status, form.cleaned_data["to"]))
        if step is not None:
            door.need(step.permission)
        act(request, actions.move, assessment, form.cleaned_data["to"], by=request.user,
            reason=form.cleaned_data["reason"], ok=lambda _: now_is(assessment.title, assessment.get_status_display()))
    return redirect("assessment", slug=slug, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def details(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    # Once submitted, only the fieldwork dates are still to record.
    form_class = FieldworkForm if assessment.submitted else DetailsForm
    form = form_class(request.POST or None, instance=Assessment.objects.get(pk=assessment.pk))
    if request.method == "POST":
        door.need(access.EDIT_ASSESSMENTS)
        if form.is_valid():
            changes = {f: form.cleaned_data[f] for f in form.changed_data}
            if act(request, actions.update_details, assessment, by=request.user, **changes, show_on=form,
                   ok="The details are saved.") is not REFUSED:
                return redirect("assessment-details", slug=slug, pk=pk)
    history = assessment.status_changes.select_related("by")
    return render(request, "assessments/details.html", _context(
        door, assessment, form=form, history=history, moves=_moves(door, assessment),
        conductor=services.conductor(assessment), scope=scope_for(assessment.catalogue, assessment.kind),
        can_edit_details=not assessment.submitted and door.may(access.EDIT_ASSESSMENTS),
        can_record_fieldwork=assessment.submitted and door.may(access.EDIT_ASSESSMENTS)))


@login_required
@require_http_methods(["GET", "POST"])
def changes(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    org = assessment.organisation
    form = ChangeForm(request.POST or None, organisation=org)
    if request.method == "POST":
        door.need(access.EDIT_ASSESSMENTS)
        if form.is_valid():
            if act(request, actions.add_change, assessment, by=request.user, **form.cleaned_data, show_on=form,
                   ok="The change is recorded.") is not REFUSED:
                return redirect("assessment-changes", slug=slug, pk=pk)
    decision = DecisionForm(initial={"decision": assessment.decision, "reason": assessment.decision_reason})
    return render(request, "assessments/changes.html", _context(
        door, assessment, form=form, decision_form=decision, moves=_moves(door, assessment),
        changes=assessment.changes.select_related("risk", "recorded_by"),
        suggestions=services.suggestions(assessment),
        can_decide=not assessment.submitted and door.may(access.DECIDE_MATERIALITY),
        decided_by=assessment.decided_by if assessment.decided_by_id else None))


@login_required
@require_POST
def decide(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    door.need(access.DECIDE_MATERIALITY)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "choose a decision and give its reason")
    else:
        act(request, actions.decide_materiality, assessment, by=request.user, **form.cleaned_data,
            ok="The decision is recorded.")
    return redirect("assessment-changes", slug=slug, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request, slug, pk):
    """The deliberate last step: what will be submitted, what still stops it, and the director's
    declaration the Approver accepts to sign off and submit."""
    door, assessment = get_assessment_for(request.user, slug, pk)
    door.need(access.APPROVE_ASSESSMENTS)
    if assessment.status != AssessmentStatus.SIGN_OFF:
        messages.error(request, f"{assessment.title} is not awaiting sign-off")
        return redirect("assessment", slug=slug, pk=pk)
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and act(
            request, actions.move, assessment, AssessmentStatus.SUBMITTED, by=request.user,
            declaration=form.cleaned_data["declaration"], show_on=form,
            ok=lambda _: now_is(assessment.title, assessment.get_status_display())) is not REFUSED:
        return redirect("assessment", slug=slug, pk=pk)
    return render(request, "assessments/sign_off.html", _context(
        door, assessment, form=form, summary=services.submission_summary(assessment),
        problems=actions.problems_before(assessment, AssessmentStatus.SUBMITTED, request.user),
        declaration=DECLARATION, declaration_text=DECLARATION.text_for(assessment.organisation.name)))


@login_required
@require_GET
def compare(request, slug, pk):
    door, assessment = get_assessment_for(request.user, slug, pk)
    others = Assessment.objects.filter(organisation=assessment.organisation).exclude(pk=assessment.pk)
    other_id = request.GET.get("with", "") or (str(assessment.baseline_id) if assessment.baseline_id else "")
    other = others.filter(pk=guards.record_id(other_id)).first() if guards.record_id(other_id) else None
    if other_id and other is None:
        raise Http404("No such assessment")
    result = services.compare(other, assessment, timezone.localdate()) if other else None
    for change in result.status_changes if result else []:
        change["before_label"] = render_rows.COMPLIANCE.get(change["before"], "")
        change["after_label"] = render_rows.COMPLIANCE.get(change["after"], "")
    return render(request, "assessments/compare.html", _context(
        door, assessment, others=others.order_by("-created_at"), other=other, result=result,
        moves=_moves(door, assessment)))


# --- the risk register ------------------------------------------------------------------------------


def _risk_fields(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("reason", None)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def risks(request, slug):
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    org = door.organisation
    form = RiskForm(request.POST or None, organisation=org)
    if request.method == "POST":
        door.need(access.EDIT_RISKS)
        if form.is_valid():
            if act(request, actions.add_risk, org, by=request.user, **_risk_fields(form), show_on=form,
                   ok=lambda risk: f"{risk.ref} is added to the register.") is not REFUSED:
                return redirect("risks", slug=slug)
    register = org.risks.select_related("owner").order_by("status", "ref")
    return render(request, "assessments/risks.html", {
        "org": org, "risks": register, "form": form, "can_edit": door.may(access.EDIT_RISKS),
        "threshold": org.material_risk_threshold})


@login_required
@require_http_methods(["GET", "POST"])
def risk(request, slug, pk):
    door, found = get_risk_for(request.user, slug, pk)
    org = found.organisation
    initial = {f: getattr(found, f) for f in actions.RISK_FIELDS if f != "owner"} | {"owner": found.owner_id}
    form = RiskForm(request.POST or None, organisation=org, initial=initial)
    conflict = None
    if request.method == "POST":
        door.need(access.EDIT_RISKS)
        if form.is_valid():
            try:
                revision = int(request.POST.get("revision", ""))
                actions.update_risk(found, by=request.user, revision=revision, reason=form.cleaned_data["reason"],
                                    **_risk_fields(form))
            except actions.StaleEdit as exc:
                conflict = str(exc)
                door, found = get_risk_for(request.user, slug, pk)
            except ValueError as exc:
                form.add_error(None, str(exc) if isinstance(exc, ActionError) else "the page was out of date")
            else:
                messages.success(request, f"{found.ref} is saved.")
                return redirect("risk", slug=slug, pk=pk)
    history = RiskRevision.objects.filter(risk=found).select_related("by").order_by("-number")
    return render(request, "assessments/risk.html", {
        "org": org, "risk": found, "form": form, "history": history, "conflict": conflict,
        "can_edit": door.may(access.EDIT_RISKS)}, status=409 if conflict else 400 if form.errors else 200)


# --- obligations and their evidence -------------------------------------------------------------


@login_required
@require_GET
def obligations(request, slug):
    """Each obligation that counts with its evidence: the documents linked to it in the current
    assessment and those mapped to it in the register (``evidence_map``), and their freshness.
    It lives here, not with the register, because it reads the assessments too."""
    door = open_door(request.user, slug, access.VIEW_DOCUMENTS)
    org = door.organisation
    door.need(access.VIEW_ASSESSMENTS)
    found = evidence_map.obligation_evidence(org, timezone.localdate())
    items = list(found.obligations.values())
    state = request.GET.get("state", "")
    if state == "none":
        items = [i for i in items if not i.has_evidence]
    elif state == "attention":
        items = [i for i in items if i.worst is None or i.worst.needs_attention]
    else:
        state = ""
    return render(request, "assessments/obligations.html",
                  {"org": org, "evidence": found, "items": items, "state": state})
