"""A notice the organisation owed, when it was known, when and to whom it went, and the answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from secassure.evidence.models import Document
from secassure.notices.choices import NoticeState, Recipient
from secassure.profile.models import UserSystem
from secassure.tenancy.models import Organisation


class Notice(models.Model):
    """One notice of a type the notice rules name (``kind`` is the rule id, e.g. ``G3.9``): what
    happened, the day it was known, when it was sent and to whom, the reply and any decision.
    ``revision`` grows with each change, so that a save made on a stale page is refused."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField("type", max_length=40)
    what = models.TextField("what happened", blank=True)
    known_on = models.DateField("known on")
    sent_on = models.DateField(null=True, blank=True)
    sent_to = models.JSONField(default=list, blank=True, help_text="Who it went to: ssc, smki-pma, secas.")
    sent_how = models.CharField("how it was sent", max_length=300, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="notices")
    reply = models.TextField("the reply received", blank=True)
    reply_on = models.DateField("reply received on", null=True, blank=True)
    decision = models.CharField("the decision received", max_length=300, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    system = models.ForeignKey(UserSystem, null=True, blank=True, on_delete=models.PROTECT, related_name="notices",
                               verbose_name="User System")
    count = models.PositiveIntegerField("Smart Metering Systems counted", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["organisation", "-known_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "kind"], name="notices_org_kind")]

    def __str__(self) -> str:
        return f"{self.kind} known on {self.known_on.isoformat()}"

    @property
    def recipients_shown(self) -> str:
        """Who it went to, in words: "the SSC and the SMKI PMA"."""
        names = [Recipient(r).label if r in Recipient.values else r for r in self.sent_to]
        return " and ".join(names)

    def state(self, deadline, today) -> str:
        """To send, overdue (the deadline passed with nothing sent), sent, or answered."""
        if self.reply_on or self.decided_on or self.reply or self.decision:
            return NoticeState.ANSWERED
        if self.sent_on:
            return NoticeState.SENT
        if deadline is not None and deadline < today:
            return NoticeState.OVERDUE
        return NoticeState.TO_SEND

    def as_dict(self) -> dict:
        def day(d):
            return d.isoformat() if d else None

        return {"type": self.kind, "what": self.what, "known_on": day(self.known_on), "sent_on": day(self.sent_on),
                "sent_to": list(self.sent_to), "sent_how": self.sent_how, "reply": self.reply,
                "reply_on": day(self.reply_on), "decision": self.decision, "decided_on": day(self.decided_on),
                "system": self.system_id, "count": self.count,
                "documents": sorted(d.pk for d in self.documents.all()) if self.pk else []}
