"""What the inbox keeps: each person's notifications, and how they want them e-mailed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from secassure.inbox.choices import Delivery, Kind
from secassure.tenancy.models import Organisation


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One hand-off, told to one person: what is now theirs to do, and where to do it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_recipient_unread")]

    def __str__(self) -> str:
        return self.text


def unsent_for(user):
    """The person's notifications the daily digest should carry: not yet e-mailed, unless they chose
    to hear only in their inbox."""
    delivery = Preference.objects.filter(user=user).values_list("delivery", flat=True).first()
    if delivery == Delivery.NONE:
        return Notification.objects.none()
    return (Notification.objects.filter(recipient=user, emailed_at__isnull=True).unread()
            .select_related("organisation").order_by("created_at", "pk"))


class Preference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_preference")
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delivery}"
