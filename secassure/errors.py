"""Errors that actions raise for people: the message says what is wrong and what to do instead."""


class ActionError(ValueError):
    """A change that was refused. Shown as it is in the web app and on the command line."""
