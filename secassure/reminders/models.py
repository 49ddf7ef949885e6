"""What the reminders keep: which day's digest each person was sent (so a second run that day sends
nothing), and each person's private calendar feed (only a hash of its token is stored)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Digest(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    items = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminders_one_digest_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class CalendarFeed(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"feed of {self.user_id}"
