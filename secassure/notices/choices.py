"""The vocabularies of the notices register."""

from django.db import models


class Recipient(models.TextChoices):
    """Who a notice goes to. Which of them a type of notice allows is rule data (notices.yaml)."""

    SSC = "ssc", "the SSC"
    SMKI_PMA = "smki-pma", "the SMKI PMA"
    SECAS = "secas", "SECAS"
    MANUFACTURER = "manufacturer", "the manufacturer"


class NoticeState(models.TextChoices):
    """Where a notice stands, worked out from its dates: never stored."""

    TO_SEND = "to-send", "To send"
    OVERDUE = "overdue", "Overdue"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
