"""Every text a person can type goes through one check: a NUL byte (or another control character) in
any text field of any form the demo people reach is refused with a message, never a server error
(PostgreSQL refuses NUL in text), and never stored (SQLite would keep it)."""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.db import models
from django.urls import resolve

from tests.crawl import DOWNLOADS, client_fetcher, forms_of, sign_in, walk

PEOPLE = ("alice", "morgan", "priya")


def stored_with_nul() -> list[str]:
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("secassure."):
            continue
        # Read in Python: a LIKE pattern holding NUL matches everything on SQLite.
        text = [f.attname for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        for row in model.objects.values_list("pk", *text):
            found.extend(f"{model._meta.label}.{name} of {row[0]}" for name, value in zip(text, row[1:], strict=True)
                         if value and "\x00" in value)
    return found


def test_no_form_takes_a_nul_byte(demo_site):
    from secassure.web.demo import DEMO_PASSWORD, DEMO_PEOPLE

    problems, tried = [], defaultdict(int)
    for person in (p for p in DEMO_PEOPLE if p.key in PEOPLE):
        browser = sign_in(person.email, DEMO_PASSWORD)
        found = []
        walk(client_fetcher(browser), who=person.key, leave_out=DOWNLOADS,
             on_page=lambda path, html, found=found: found.extend((path, f) for f in forms_of(path, html)))
        for path, form in found:
            typed = [name for name, kind in form.kinds.items() if kind in ("text", "textarea", "email", "search")]
            name = resolve(form.action.split("?")[0]).url_name
            if form.method != "post" or not typed or tried[name] >= 2:
                continue
            tried[name] += 1
            data = defaultdict(list)
            for field, value in form.fields:
                data[field].append(value + "\x00 tail" if field in typed else value)
            response = browser.post(form.action, dict(data))
            if response.status_code >= 500:
                problems.append(f"{person.key}: the {name} form on {path} answered {response.status_code}")
    problems.extend(f"stored with a NUL byte: {where}" for where in stored_with_nul())
    assert not problems, "\n".join(problems)
    for name in ("review-raise", "review-reply", "review-comment", "review-comment-edit", "finding-response",
                 "remediation-action", "assessment-item", "organisation-edit", "invite"):
        assert tried[name], f"no {name} form was tried"
