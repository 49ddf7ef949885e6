"""Running an action from a view: the one place where a refusal becomes what the person sees.

Every write goes through an ``actions`` function, which refuses with an ``ActionError`` whose
message says what is wrong and what to do instead. A view runs it with ``act``: when the action
refuses, the message is shown beside the form the person filled in (``show_on``), or at the top of
the next page; when it succeeds, ``ok`` (a sentence, or a function of the action's result that
gives one) is shown there instead."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages

from secassure.errors import ActionError


class _Refused:
    """What ``act`` returns when the action refused: false, and unlike any action's own result."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "REFUSED"


REFUSED = _Refused()


def act(request, action: Callable, /, *args, show_on=None, ok: str | Callable = "", **kwargs):
    """Run ``action(*args, **kwargs)``; its result, or ``REFUSED`` with the reason shown."""
    try:
        result = action(*args, **kwargs)
    except ActionError as exc:
        if show_on is not None:
            show_on.add_error(None, str(exc))
        else:
            messages.error(request, str(exc))
        return REFUSED
    said = ok(result) if callable(ok) else ok
    if said:
        messages.success(request, said)
    return result
