"""Personal access tokens of the JSON API.

A token is made by a person for themself, for one organisation: it can never do more there than
the person's role does at the moment it is used (the role is looked up on every request, so a
role taken away takes the token's power with it), and a read-only token does nothing but read.
Only a hash of the token is kept; the token itself is shown once, when it is made."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction

from secassure.tenancy.models import Organisation

ADDRESSES_KEPT = 50


class AccessTokenQuerySet(models.QuerySet):
    def live(self, now):
        """Neither revoked nor expired at ``now``."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class AccessToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, so that a person can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_from = models.GenericIPAddressField(null=True, blank=True)
    # The addresses it has been used from (the latest ADDRESSES_KEPT): a new one is audited.
    addresses = models.JSONField(default=list, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def state(self, now) -> str:
        if self.revoked_at:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active"


class TokenUse(models.Model):
    """How many requests a token has made in one window of the API's rate: the window's length in
    seconds and its number since the epoch. Counted by one atomic UPDATE, so that concurrent
    workers never lose a request; a token's past windows are removed when a new one starts."""

    token = models.ForeignKey(AccessToken, on_delete=models.CASCADE, related_name="uses")
    seconds = models.PositiveIntegerField()
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "seconds", "window"], name="api_one_count_a_window")]

    def __str__(self) -> str:
        return f"{self.token_id} {self.seconds}s #{self.window}: {self.count}"


def _counted(token_id: int, seconds: int, window: int) -> int | None:
    """One more request in the window, counted and read back in one statement (UPDATE ... RETURNING,
    which SQLite 3.35 and PostgreSQL both have); ``None`` when the window has no row yet."""
    table, count, token, length, number = (connection.ops.quote_name(name) for name in (
        TokenUse._meta.db_table, "count", "token_id", "seconds", "window"))  # WINDOW is a keyword: quoted
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {count} = {count} + 1 WHERE {token} = %s AND {length} = %s "  # noqa: S608 - our own names, quoted
                       f"AND {number} = %s RETURNING {count}", [token_id, seconds, window])
        found = cursor.fetchone()
    return found[0] if found else None


def count_use(token: AccessToken, seconds: int, window: int) -> int:
    """Count one request of the token in the window; how many it has made there, this one included."""
    used = _counted(token.pk, seconds, window)  # one statement, atomic on its own
    if used is not None:
        return used
    try:
        with transaction.atomic():
            TokenUse.objects.create(token=token, seconds=seconds, window=window, count=1)
    except IntegrityError:  # another worker began the window first
        return _counted(token.pk, seconds, window) or 1
    TokenUse.objects.filter(token=token).exclude(seconds=seconds, window=window).delete()
    return 1
