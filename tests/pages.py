"""Reading pages as the tests compare them."""

from __future__ import annotations

import re

_FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def without_form_tokens(response) -> str:
    """The page less its form tokens, which differ on every response (the sign-out form holds one),
    so that two answers can be compared for everything else."""
    return _FORM_TOKEN.sub("", response.content.decode())
