"""Saving an edit form unchanged changes nothing: for every edit form the demo people can reach, the
form is read as the browser shows it and sent back as it is; the database (less sessions) and the
audit log must be exactly as they were."""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.urls import resolve

from tests.crawl import DOWNLOADS, client_fetcher, forms_of, sign_in, walk

# The edit forms the demo puts in front of these people (route names of the forms' actions): a form
# that stops being marked as one, or stops being reachable, fails here rather than going unswept.
EXPECTED = {
    "organisation-edit", "assessment-item", "assessment-details", "assessment-decision", "risk",
    "finding-response", "remediation-action", "document-link", "member-role",
    "review-comment-edit",
}
PER_FORM = 2  # instances of each edit form sent back (each costs two reads of the whole database)


def snapshot() -> dict:
    """Every row of every table but sessions, by model."""
    rows = {}
    for model in apps.get_models():
        if model._meta.label == "sessions.Session":
            continue
        rows[model._meta.label] = {r["pk"] if "pk" in r else r[model._meta.pk.attname]: r
                                   for r in model.objects.values()}
    return rows


def differences(before: dict, after: dict) -> list[str]:
    found = []
    for label, old in before.items():
        new = after[label]
        for pk in old.keys() | new.keys():
            if old.get(pk) != new.get(pk):
                if pk not in new:
                    found.append(f"{label} {pk} deleted")
                elif pk not in old:
                    found.append(f"{label} {pk} added: {new[pk]}")
                else:
                    changed = {k: (old[pk][k], v) for k, v in new[pk].items() if old[pk][k] != v}
                    found.append(f"{label} {pk} changed: {changed}")
    return found


def test_saving_every_edit_form_unchanged_changes_nothing(demo_site):
    from secassure.assessments.actions import decide_materiality
    from secassure.assessments.models import Assessment
    from secassure.web.demo import DEMO_PASSWORD, DEMO_PEOPLE

    # The story has no decision still open to change: record one, so that its form is swept too.
    ssa = Assessment.objects.get(organisation__slug="demo-networks", status="preparation")
    alice = ssa.organisation.memberships.get(role="owner").user
    decide_materiality(ssa, by=alice, decision="not-material", reason="No change to the User Systems.\nNor to people.")

    problems, swept = [], defaultdict(int)
    for person in DEMO_PEOPLE:
        if person.key not in ("alice", "morgan"):
            continue
        browser = sign_in(person.email, DEMO_PASSWORD)
        found = []

        def keep(path, html, found=found):
            found.extend((path, form) for form in forms_of(path, html) if form.edit)

        walk(client_fetcher(browser), who=person.key, on_page=keep, leave_out=DOWNLOADS)
        for path, form in found:
            name = resolve(form.action.split("?")[0]).url_name
            if swept[name] >= PER_FORM or form.method != "post":
                continue
            swept[name] += 1
            before = snapshot()
            response = browser.post(form.action, _data(form.fields))
            where = f"{person.key}: the {name} form on {path}"
            if response.status_code >= 400:
                problems.append(f"{where} answered {response.status_code}")
                continue
            problems.extend(f"{where}: {line}" for line in differences(before, snapshot()))
    assert not problems, "\n".join(problems)
    assert EXPECTED <= set(swept), f"not swept: {sorted(EXPECTED - set(swept))}"


def _data(fields):
    data = defaultdict(list)
    for name, value in fields:
        data[name].append(value)
    return dict(data)
