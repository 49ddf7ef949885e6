"""Date fields hold ``yyyy-mm-dd``, the only value a browser's date picker accepts in any locale:
anything else shows an empty field that is submitted empty, erasing the date."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.utils import translation

import secassure
from secassure.widgets import DateInput


def _form_classes():
    for info in pkgutil.walk_packages(secassure.__path__, "secassure."):
        if info.name.endswith((".migrations", ".tests")) or ".migrations." in info.name:
            continue
        importlib.import_module(info.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("secassure."):
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_date_field_of_every_form_uses_the_iso_date_picker():
    date_fields = [(form, name) for form in _form_classes() for name, f in form.base_fields.items()
                   if isinstance(f, forms.DateField)]
    assert len(date_fields) >= 15  # the walk found the project's forms
    wrong = [f"{form.__module__}.{form.__qualname__}.{name}" for form, name in date_fields
             if not isinstance(form.base_fields[name].widget, DateInput)]
    assert not wrong, f"date fields without the ISO date picker: {wrong}"


@pytest.mark.parametrize("language", ["en-gb", "en-us", "de", "fr"])
def test_the_date_picker_writes_yyyy_mm_dd_in_every_language(language, settings):
    settings.USE_L10N = True
    with translation.override(language):
        html = DateInput().render("d", dt.date(2025, 3, 2))
        assert 'value="2025-03-02"' in html and 'type="date"' in html
        field = forms.DateField(widget=DateInput())
        assert field.clean("2025-03-02") == dt.date(2025, 3, 2)


def test_saving_the_organisation_unchanged_keeps_its_cycle_start(client, alice, org_a):
    from secassure.audit.models import Event

    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/edit/")
    assert page.status_code == 200, page
    value = re.search(r'name="cycle_start" value="([^"]*)"', page.content.decode())
    assert value and value.group(1) == "2025-03-31"
    events = Event.objects.count()
    fields = dict(re.findall(r'<input type="(?:text|date|number)" name="(\w+)" value="([^"]*)"', page.content.decode()))
    fields.update(category=org_a.category, classification_label=org_a.classification_label)
    assert client.post(f"/orgs/{org_a.slug}/edit/", fields).status_code == 302
    org_a.refresh_from_db()
    assert org_a.cycle_start == dt.date(2025, 3, 31)
    assert Event.objects.count() == events


def test_the_outcome_form_offers_todays_date_as_a_browser_reads_it(client, alice, org_a):
    from secassure.review.views import OutcomeForm

    form = OutcomeForm(organisation=org_a, initial={"received_on": dt.date(2026, 1, 9)})
    assert 'value="2026-01-09"' in str(form["received_on"])

