"""Template filters that show a person: ``{{ user|person }}`` prints their name (their e-mail address
if they have none); in a picker, ``{{ user|person:offered }}`` adds the address when someone else
offered shares the name; ``{{ user|person_and_email }}`` prints both, where the address matters."""

from django import template
from django.utils.html import format_html

from secassure.people import display_name, labels

register = template.Library()


@register.filter
def person(user, offered=None) -> str:
    if offered is None or user is None:
        return display_name(user)
    return labels(offered).get(user.pk) or display_name(user)


@register.filter
def person_and_email(user) -> str:
    if user is None:
        return ""
    name, email = display_name(user), user.email or ""
    if not email or name == email:
        return name
    return format_html('{} <span class="muted">{}</span>', name, email)
