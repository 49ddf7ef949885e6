"""Template tags for the catalogue's pages."""

from django import template

from secassure.catalogue.queries import scopes_of

register = template.Library()


@register.simple_tag
def version_scopes(version) -> list[dict]:
    """The assessment scopes a catalogue version gives, resolved (two queries at most, none when it
    gives no scope)."""
    if not (version.extra or {}).get("scopes"):
        return []
    return list(scopes_of(version).values())
