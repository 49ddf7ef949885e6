"""The assessment pages: creating, the workspace with inline editing, conflicts, checking, evidence,
lifecycle buttons, changes and risk, comparison; each page's SQL query count pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions
from secassure.assessments.models import Assessment, ValidationRow
from secassure.audit.models import Event
from secassure.evidence import actions as evidence
from tests.evidence import files

HX = {"HTTP_HX_REQUEST": "true"}


def _url(a, rest=""):
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/{rest}"


def test_an_owner_creates_an_assessment_from_the_list(client, alice, supplier_roles, shipped_catalogue):
    client.force_login(alice)
    page = client.get(f"/orgs/{supplier_roles.slug}/assessments/")
    assert b"Start an assessment" in page.content
    response = client.post(f"/orgs/{supplier_roles.slug}/assessments/", {"kind": "ssa", "title": "Year 3",
                                                                          "cycle_year": "3"}, follow=True)
    assessment = Assessment.objects.get(title="Year 3")
    assert response.redirect_chain[-1][0] == _url(assessment)
    text = response.content.decode()
    assert "obligations and" in text and "Validation rows" in text
    assert assessment.rows.count() > 40 and assessment.cycle_year == 3


def test_a_contributor_sees_no_create_form_and_cannot_post(client, bob, supplier_roles, shipped_catalogue):
    client.force_login(bob)
    assert b"Start an assessment" not in client.get(f"/orgs/{supplier_roles.slug}/assessments/").content
    assert client.post(f"/orgs/{supplier_roles.slug}/assessments/", {"kind": "ssa"}).status_code == 403
    assert not Assessment.objects.exists()


def test_inline_edit_save_and_stale_conflict(client, alice, bob, ssa):
    row = ssa.rows.select_related("obligation").first()
    client.force_login(bob)
    form = client.get(_url(ssa, f"rows/{row.pk}/?edit=1"), **HX)
    assert form.status_code == 200 and b'name="revision"' in form.content and b"<tr" in form.content
    saved = client.post(_url(ssa, f"rows/{row.pk}/"), {"revision": "1", "status": "compliant",
                                                       "narrative": "Bob's words", "changed": ""}, **HX)
    assert saved.status_code == 200 and b"Bob&#x27;s words" in saved.content and b'hx-swap-oob="true"' in saved.content
    # alice opened the row before bob saved: her save is refused and shows bob's version
    client.force_login(alice)
    stale = client.post(_url(ssa, f"rows/{row.pk}/"), {"revision": "1", "status": "non-compliant",
                                                       "narrative": "Alice's words", "changed": ""}, **HX)
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "This was saved by bob@a.test after you opened it" in text and "Bob&#x27;s words" in text
    assert "Alice&#x27;s words" in text  # her unsaved change is shown so it is not lost
    row.refresh_from_db()
    assert row.status == "compliant" and row.narrative == "Bob's words" and row.revision == 2


def test_checking_from_the_workspace_is_maker_checker(client, alice, bob, ssa):
    row = ssa.rows.select_related("obligation").first()
    row.assessment = ssa
    actions.save_row(row, by=bob, revision=1, status="compliant")
    client.force_login(bob)
    refused = client.post(_url(ssa, f"rows/{row.pk}/check/"), {"revision": "2"}, **HX)
    assert b"someone else must check it" in refused.content
    client.force_login(alice)
    workspace = client.get(_url(ssa)).content.decode()
    assert f'action="{_url(ssa)}rows/{row.pk}/check/"' in workspace
    checked = client.post(_url(ssa, f"rows/{row.pk}/check/"), {"revision": "2"}, **HX)
    assert b"Checked by alice@a.test" in checked.content


def test_linking_evidence_from_the_picker_and_refusing_another_organisations_document(
        client, bob, ssa, org_b):
    row = ssa.rows.first()
    mine = evidence.add_document(ssa.organisation, title="Access Control Policy", doc_type="policy", by=None)
    evidence.add_version(mine, chunks=[files.PDF], name="acp.pdf", by=None)
    theirs = evidence.add_document(org_b, title="Bravo secret plan", doc_type="plan", by=None)
    client.force_login(bob)
    form = client.get(_url(ssa, f"rows/{row.pk}/?edit=1"), **HX).content.decode()
    assert "Access Control Policy" in form and "Bravo secret plan" not in form
    linked = client.post(_url(ssa, f"rows/{row.pk}/evidence/"), {"document": mine.pk}, **HX)
    assert b"Access Control Policy" in linked.content and row.links.count() == 1
    refused = client.post(_url(ssa, f"rows/{row.pk}/evidence/"), {"document": theirs.pk}, **HX)
    assert refused.status_code == 400 and row.links.count() == 1
    assert b"Choose a document from this organisation" in refused.content
    link = row.links.get()
    client.post(_url(ssa, f"links/{link.pk}/delete/"), **HX)
    assert row.links.count() == 0
    assert Event.objects.filter(action="assessments.evidence.unlinked").exists()


def test_another_organisations_rows_and_links_are_404_inside_ones_own_assessment(client, alice, ssa, org_b, mallory):
    other = actions.create_assessment(org_b, kind="ssa", by=mallory).assessment
    their_row = other.rows.first()
    client.force_login(alice)
    for path in (f"rows/{their_row.pk}/", f"rows/{their_row.pk}/?edit=1", f"answers/{other.answers.first().pk}/"):
        assert client.get(_url(ssa, path)).status_code == 404
    assert client.post(_url(ssa, f"rows/{their_row.pk}/"), {"revision": "1", "status": "compliant"}).status_code == 404
    assert client.post(_url(ssa, f"rows/{their_row.pk}/check/"), {"revision": "1"}).status_code == 404
    assert client.get(_url(ssa, f"bogus/{their_row.pk}/")).status_code == 404
    assert client.get(_url(ssa, f"compare/?with={other.pk}")).status_code == 404


def test_bulk_owner_assignment(client, alice, bob, ssa):
    ids = list(ssa.rows.values_list("pk", flat=True)[:3])
    client.force_login(alice)
    response = client.post(_url(ssa, "owners/"), {"rows": ids, "owner": bob.pk, "next": _url(ssa, "?group=G3")})
    assert response.status_code == 302 and response["Location"] == _url(ssa, "?group=G3")
    assert ValidationRow.objects.filter(pk__in=ids, owner=bob).count() == 3
    evil = client.post(_url(ssa, "owners/"), {"rows": ids, "owner": bob.pk, "next": "https://evil.test/"})
    assert evil["Location"] == _url(ssa)


def test_workspace_filters(client, alice, bob, ssa):
    first = ssa.rows.select_related("obligation").order_by("order").first()
    first.assessment = ssa
    actions.save_row(first, by=bob, revision=1, status="non-compliant", owner=bob)
    client.force_login(alice)
    page = client.get(_url(ssa, "?status=non-compliant")).content.decode()
    assert page.count('<tr id="item-') == 1 and first.obligation.ref in page
    assert client.get(_url(ssa, f"?owner={bob.pk}")).content.decode().count('<tr id="item-') == 1
    unanswered = client.get(_url(ssa, "?unanswered=1")).content.decode()
    assert unanswered.count('<tr id="item-') == ssa.rows.count() - 1
    group = client.get(_url(ssa, "?group=G4")).content.decode()
    assert group.count('<tr id="item-') == ssa.rows.filter(group_ref="G4").count() > 0


def test_every_tab_renders(client, alice, ssa):
    client.force_login(alice)
    for rest in ("", "questions/", "changes/", "compare/", "details/"):
        assert client.get(_url(ssa, rest)).status_code == 200, rest
    assert client.get(f"/orgs/{ssa.organisation.slug}/risks/").status_code == 200


def _grow(assessment, documents: int, start: int = 0):
    """Link a handful of documents to every row."""
    docs = [evidence.add_document(assessment.organisation, title=f"Doc {i}", doc_type="record", by=None)
            for i in range(start, start + documents)]
    from secassure.assessments.models import EvidenceLink

    EvidenceLink.objects.bulk_create([EvidenceLink(assessment=assessment, row=row, document=doc)
                                      for row in assessment.rows.all() for doc in docs])


def test_the_workspace_costs_the_same_queries_however_many_links(client, alice, ssa):
    client.force_login(alice)
    _grow(ssa, 1)
    client.get(_url(ssa))  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(_url(ssa)).status_code == 200
    _grow(ssa, 4, start=1)
    with CaptureQueriesContext(connection) as large:
        assert client.get(_url(ssa)).status_code == 200
    assert ssa.links.count() == 5 * ssa.rows.count()
    # 11: the session, the person, whether they lack MFA (one query), their membership (the door),
    # the assessment, the page's rows, their links and documents, the progress (the rows' and the
    # questions' in one query), the people rows may be given to, and the rules that say who conducts
    # the assessment (the lifecycle moves offered depend on it).
    assert len(small) == len(large) == 11, [q["sql"][:80] for q in large.captured_queries]
    assert _membership_reads(large) == 1  # the door's, and no other


def test_the_workspace_asks_for_a_pages_links_by_one_list_of_keys(client, alice, ssa):
    """On PostgreSQL the page's keys go as one array (secassure.lookups), so that every length of
    page is one statement, which the server plans once; elsewhere as Django's IN."""
    client.force_login(alice)
    _grow(ssa, 1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(ssa)).status_code == 200
    [links] = [q["sql"] for q in queries.captured_queries if 'FROM "assessments_evidencelink"' in q["sql"]]
    form = " = ANY(" if connection.vendor == "postgresql" else " IN ("
    assert f'"assessments_evidencelink"."row_id"{form}' in links


def _membership_reads(queries) -> int:
    return sum(q["sql"].startswith('SELECT "tenancy_membership"') for q in queries.captured_queries)


def test_in_fieldwork_the_workspace_and_a_save_read_the_open_evidence_requests_once(client, bob, ssa):
    Assessment.objects.filter(pk=ssa.pk).update(status="fieldwork")
    row = ssa.rows.order_by("order").first()
    client.force_login(bob)
    client.get(_url(ssa))
    with CaptureQueriesContext(connection) as page:
        assert client.get(_url(ssa)).status_code == 200
    with CaptureQueriesContext(connection) as saved:
        response = client.post(_url(ssa, f"rows/{row.pk}/"),
                               {"revision": "1", "status": "compliant", "narrative": "x", "changed": ""}, **HX)
    assert response.status_code == 200 and b"cs-compliant" in response.content
    for queries in (page, saved):
        requests = [q["sql"] for q in queries.captured_queries if 'FROM "review_reviewquery"' in q["sql"]]
        assert len(requests) == 1, requests


def test_without_javascript_the_row_page_saves_and_returns_to_the_list(client, bob, ssa):
    row = ssa.rows.first()
    answer = ssa.answers.first()
    client.force_login(bob)
    page = client.get(_url(ssa, f"rows/{row.pk}/"))
    assert page.status_code == 200 and b"hx-post" not in page.content.split(b"<main")[1]
    saved = client.post(_url(ssa, f"rows/{row.pk}/"), {"revision": "1", "status": "compliant", "changed": ""})
    assert saved.status_code == 302 and saved["Location"] == _url(ssa, f"#item-{row.pk}")
    answered = client.post(_url(ssa, f"answers/{answer.pk}/"), {"revision": "1", "answer": "yes", "changed": ""})
    assert answered.status_code == 302 and answered["Location"] == _url(ssa, f"questions/#item-{answer.pk}")
    refused = client.post(_url(ssa, f"answers/{answer.pk}/"), {"revision": "2", "answer": "yes", "material": "on",
                                                              "changed": ""})
    assert refused.status_code == 400 and b"needs its rationale" in refused.content


def test_a_locked_assessment_shows_no_edit_controls_and_refuses_saves(client, alice, bob, ssa):
    Assessment.objects.filter(pk=ssa.pk).update(status="sign-off")
    row = ssa.rows.first()
    client.force_login(bob)
    page = client.get(_url(ssa)).content.decode()
    assert "Awaiting management sign-off" in page and "?edit=1" not in page and 'form="bulk"' not in page
    refused = client.post(_url(ssa, f"rows/{row.pk}/"), {"revision": "1", "status": "compliant"}, **HX)
    assert refused.status_code == 400 and b"locked" in refused.content
    row.refresh_from_db()
    assert row.status == "not-assessed" and row.revision == 1


def test_the_save_costs_the_same_queries_for_a_small_and_a_large_assessment(client, bob, ssa):
    small = actions.create_assessment(ssa.organisation, kind="follow-up", by=None).assessment
    ValidationRow.objects.filter(assessment=small).exclude(pk=small.rows.order_by("order").first().pk).delete()
    counts = []
    client.force_login(bob)
    for assessment in (small, ssa):
        row = assessment.rows.order_by("order").first()
        client.get(_url(assessment))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(_url(assessment, f"rows/{row.pk}/"),
                                   {"revision": "1", "status": "compliant", "narrative": "x", "changed": ""}, **HX)
        assert response.status_code == 200
        counts.append(len(queries))
    assert small.rows.count() == 1 and ssa.rows.count() > 40
    # 15: the session, the person, whether they lack MFA, their membership (the door, which the save
    # checks its permission against rather than reading the membership again), the assessment and
    # the row; the update and its audit event (the chain's head locked, the event, the head moved)
    # in a savepoint (a transaction outside the tests); the row drawn afresh with its links, and
    # the progress (one query).
    assert counts[0] == counts[1] == 15, counts
    assert _membership_reads(queries) == 1


def test_with_the_database_cache_the_workspace_reads_it_once_and_a_save_not_at_all(client, bob, ssa):
    """Production keeps the inbox's unread count in the database cache, where each read or write is a
    statement: once the count is there a page only reads it, and a save (whose answer shows no
    count) does not touch the cache at all. Neither writes the session, which holds nothing new."""
    from django.test import override_settings

    from secassure.web.checks import create_cache_tables

    row = ssa.rows.order_by("order").first()
    shared = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_page_cache"}}
    with override_settings(CACHES=shared):
        create_cache_tables(using="default")
        client.force_login(bob)
        client.get(_url(ssa))  # the count cached, the session's times written
        with CaptureQueriesContext(connection) as page:
            assert client.get(_url(ssa)).status_code == 200
        with CaptureQueriesContext(connection) as saved:
            assert client.post(_url(ssa, f"rows/{row.pk}/"), {"revision": "1", "status": "compliant",
                                                              "narrative": "x", "changed": ""}, **HX).status_code == 200

    def on(queries, table: str) -> list[str]:
        return [q["sql"].split()[0] for q in queries.captured_queries if f'"{table}"' in q["sql"]]

    assert on(page, "test_page_cache") == ["SELECT"] and on(saved, "test_page_cache") == []
    assert on(page, "django_session") == on(saved, "django_session") == ["SELECT"]


def test_an_answer_of_another_assessment_of_the_same_organisation_is_404(client, bob, ssa):
    other = actions.create_assessment(ssa.organisation, kind="follow-up", by=None).assessment
    foreign = other.answers.first()
    client.force_login(bob)
    assert client.post(_url(ssa, f"answers/{foreign.pk}/"), {"revision": "1", "answer": "yes"}).status_code == 404
    assert client.get(_url(ssa, f"answers/{foreign.pk}/?edit=1"), **HX).status_code == 404
    foreign.refresh_from_db()
    assert foreign.answer == "" and foreign.revision == 1


@pytest.mark.parametrize(("role", "expected"), [("owner", 200), ("contributor", 200), ("approver", 200),
                                                ("observer", 200), ("provider", 404), ("cio-reviewer", 404)])
def test_who_sees_assessments(client, ssa, role, expected, settings):
    from tests.personas import join, make_user

    settings.SECASSURE_REQUIRE_MFA = False
    user = make_user(f"{role}@x.test")
    join(user, ssa.organisation, role)
    client.force_login(user)
    for rest in ("", "questions/", "changes/", "compare/", "details/"):
        assert client.get(_url(ssa, rest)).status_code == expected, rest
    assert client.get(f"/orgs/{ssa.organisation.slug}/risks/").status_code == expected
    page = client.get(_url(ssa)).content.decode()
    if role == "observer":
        assert "?edit=1" not in page and "Start preparation" not in page
    if role in ("contributor", "approver", "observer"):
        assert client.post(f"/orgs/{ssa.organisation.slug}/assessments/", {"kind": "ssa"}).status_code == 403
