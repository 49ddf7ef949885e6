"""The person's calendar page (create, replace or stop their private feed link, and see what is due)
and the feed itself, which a calendar application fetches with the token and no sign-in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from secassure.reminders import actions, calendar
from secassure.reminders.dates import KIND_NAMES, for_person
from secassure.reminders.models import CalendarFeed


@login_required
@require_http_methods(["GET", "POST"])
def page(request):
    token = None
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            actions.revoke_feed(by=request.user)
            messages.success(request, "Your calendar feed is stopped: its link no longer works.")
            return redirect("calendar")
        token = actions.new_feed_link(by=request.user)
        messages.success(request, "A new private link is ready. Copy it now: it is shown only once, and any "
                                  "earlier link has stopped working.")
    today = timezone.localdate()
    items = [{"due": d, "kind": KIND_NAMES[d.kind], "state": d.state(today), "overdue": d.overdue(today)}
             for d in for_person(request.user, today)]
    link = request.build_absolute_uri(f"/calendar/{token}.ics") if token else None
    return render(request, "reminders/calendar.html", {
        "items": items, "link": link, "has_feed": CalendarFeed.objects.filter(user=request.user).exists()})


@require_GET
def ics(request, token):
    user = calendar.owner_of(token)
    if user is None:
        raise Http404("No such calendar")
    response = HttpResponse(calendar.feed(user, timezone.localdate()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="secassure.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
