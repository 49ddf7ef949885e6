"""Template filters for wording: labels read inside a sentence."""

from django import template

from secassure.wording import in_sentence

register = template.Library()
register.filter("in_sentence", in_sentence)
