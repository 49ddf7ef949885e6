"""The refusal every check of an uploaded file raises, kept apart from the checks so that each
module of them can raise it without importing the others."""


class FileRefused(ValueError):
    """The file is not one secassure keeps; the message names it and says why."""
