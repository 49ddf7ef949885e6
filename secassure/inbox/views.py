"""A person's inbox: what steps handed to them, newest first, each leading to the place to act; and
how they want to hear of new ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from secassure import guards
from secassure.acting import act
from secassure.inbox import actions
from secassure.inbox.choices import Delivery
from secassure.inbox.models import Notification, Preference

PAGE = 50


@login_required
@require_GET
def inbox(request):
    found = Notification.objects.filter(recipient=request.user).select_related("organisation")
    if request.GET.get("show") == "unread":
        found = found.unread()
    page = Paginator(found, PAGE).get_page(request.GET.get("page"))
    preference = Preference.objects.filter(user=request.user).values_list("delivery", flat=True).first()
    return render(request, "inbox/inbox.html", {
        "page": page, "show": request.GET.get("show", ""), "deliveries": Delivery.choices,
        "delivery": preference or Delivery.IMMEDIATE})


@login_required
@require_GET
def open_notification(request, pk):
    """Mark it read and go where it leads; another person's notification is not there (404)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    actions.mark_read(request.user, [notification.pk])
    return redirect(notification.url if notification.url.startswith("/") else "inbox")


@login_required
@require_POST
def mark_read(request):
    given = [guards.record_id(i) for i in request.POST.getlist("id")]
    ids = None if request.POST.get("all") else [i for i in given if i]
    n = actions.mark_read(request.user, ids)
    messages.success(request, f"{n} marked read." if n != 1 else "1 marked read.")
    return redirect("inbox")


@login_required
@require_POST
def delivery(request):
    act(request, actions.set_delivery, request.POST.get("delivery", ""), by=request.user,
        ok="Saved: this is how you will hear of new hand-offs.")
    return redirect("inbox")
