"""Form widgets every app shares."""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """A browser's date picker. Browsers accept a date field's value only as ``yyyy-mm-dd``, whatever
    the language: any other value (the locale's ``03/02/2025``) shows an empty field, which is then
    submitted empty and erases the date. So the value is always written in that one format."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's own keyword
        super().__init__(attrs, format=ISO_DATE)
