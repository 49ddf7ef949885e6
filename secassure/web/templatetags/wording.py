"""Template filters for wording: labels read inside a sentence, with their article, and counted."""

from django import template

from secassure.wording import article, in_sentence, plural

register = template.Library()
register.filter("in_sentence", in_sentence)
register.filter("with_article", article)


@register.filter
def counted(n, words: str) -> str:
    """``{{ n|counted:"query,queries" }}`` gives "1 query" or "3 queries"."""
    one, _, many = words.partition(",")
    return plural(int(n or 0), one, many or None)
