"""The notices register of an organisation: the list, adding a notice, and one notice's page where
it is sent, answered and decided. Owners and Contributors record; Approvers and Observers read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from secassure.acting import REFUSED, act
from secassure.errors import ActionError
from secassure.notices import actions
from secassure.notices.forms import FilterForm, NoticeForm
from secassure.notices.models import Notice
from secassure.notices.services import R_NO_DEADLINE, notice_rules, rows_for, system_types, unnotified_systems
from secassure.tenancy.access import RECORD_NOTICES, open_door


@login_required
@require_GET
def register(request, slug):
    door = open_door(request.user, slug)
    org, today = door.organisation, timezone.localdate()
    rules = notice_rules(today)
    filters = FilterForm(request.GET or None, rules=rules)
    rows = rows_for(org, today, rules)
    if filters.is_valid():
        wanted_type, wanted_state = filters.cleaned_data["type"], filters.cleaned_data["state"]
        rows = [r for r in rows if (not wanted_type or r.notice.kind == wanted_type)
                and (not wanted_state or r.state == wanted_state)]
    return render(request, "notices/register.html", {
        "org": org, "rows": rows, "rules": rules, "filters": filters, "today": today,
        "unnotified": unnotified_systems(org, today, rules), "can_record": door.may(RECORD_NOTICES),
        "r_note": R_NO_DEADLINE, "system_type": next(iter(system_types(rules)), "")})


@login_required
@require_http_methods(["GET", "POST"])
def add(request, slug):
    door = open_door(request.user, slug, RECORD_NOTICES)
    org = door.organisation
    rules = notice_rules(timezone.localdate())
    if rules is None:
        return render(request, "notices/register.html", {"org": org, "rows": [], "rules": None, "unnotified": []})
    form = NoticeForm(request.POST or None, organisation=org, rules=rules,
                      initial={"kind": request.GET.get("type"), "system": request.GET.get("system")})
    if request.method == "POST" and form.is_valid():
        notice = act(request, actions.add_notice, org, by=request.user, show_on=form, ok="The notice is recorded.",
                     **form.changes())
        if notice is not REFUSED:
            return redirect("notice", slug=org.slug, pk=notice.pk)
    return render(request, "notices/form.html", {"org": org, "form": form, "title": "Record a notice",
                                                 "submit": "Record", "rules": rules})


@login_required
@require_http_methods(["GET", "POST"])
def notice(request, slug, pk):
    door = open_door(request.user, slug)
    org, today = door.organisation, timezone.localdate()
    found = get_object_or_404(Notice.objects.filter(organisation=org), pk=pk)
    rules = notice_rules(today)
    form, refused = None, ""
    if request.method == "POST":
        door.need(RECORD_NOTICES)
    if door.may(RECORD_NOTICES) and rules is not None:
        initial = {**found.as_dict(), "kind": found.kind, "system": found.system_id, "revision": found.revision}
        form = NoticeForm(request.POST or None, organisation=org, rules=rules, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                saved = actions.update_notice(found, form.changes(), by=request.user,
                                              revision=form.cleaned_data["revision"] or 0)
            except actions.StaleNotice as stale:
                form = NoticeForm(organisation=org, rules=rules, initial={
                    **stale.current.as_dict(), "system": stale.current.system_id, "revision": stale.current.revision})
                refused = str(stale)
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "The notice is saved.")
                return redirect("notice", slug=org.slug, pk=saved.pk)
    row = next(r for r in rows_for(org, today, rules, Notice.objects.filter(pk=found.pk)))
    return render(request, "notices/notice.html", {"org": org, "row": row, "form": form, "r_note": R_NO_DEADLINE,
                                                   "refused": refused})
