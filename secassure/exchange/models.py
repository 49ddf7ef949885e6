"""What the exchange keeps of its own: the column mappings people save for taking in their clients'
spreadsheets. Everything else it reads or writes belongs to the apps below it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from secassure.exchange.intake.fields import KIND_LABELS, KINDS


class IntakeMapping(models.Model):
    """How one person reads a layout of spreadsheet: which column gives each field, and what its
    words mean. It is the person's, not an organisation's, because a consultancy's template turns
    up at every client it serves; it holds header texts and vocabulary, never a client's data."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_mappings")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=[(k, KIND_LABELS[k]) for k in KINDS])
    sheet = models.CharField(max_length=200, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    values = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["owner", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="exchange_intake_mapping_name")]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "sheet": self.sheet, "mapping": self.mapping,
                "values": self.values}
