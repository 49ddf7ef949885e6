"""The unread count in the header, for a signed-in person. It is kept in the cache, so that a page
costs no query for it: a notification made or read clears the person's entry (after the commit),
and an entry lives a minute at most, for installations whose workers keep separate caches."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from secassure.inbox.models import Notification

TTL = 60


def key(user_id: int) -> str:
    return f"inbox:unread:{user_id}"


def unread_count(user) -> int:
    found = cache.get(key(user.pk))
    if found is None:
        found = Notification.objects.filter(recipient=user).unread().count()
        cache.set(key(user.pk), found, TTL)
    return found


def forget(user_ids) -> None:
    cache.delete_many([key(pk) for pk in user_ids])


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
