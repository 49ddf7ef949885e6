"""The consultant's portfolio on the home page: each organisation's signals, read for all of them at
once (the same queries for 2 organisations and for 200), sortable, shown a page at a time, and
nothing of an organisation the person does not belong to."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.assessments import actions as assessments
from secassure.evidence import actions as evidence
from secassure.evidence.models import Document
from secassure.profile.actions import add_provider
from secassure.review.models import RemediationAction, RemediationPlan, ReviewQuery
from secassure.tenancy.models import Membership, Organisation
from secassure.web import portfolio
from tests.assessments import helpers
from tests.personas import join, make_org

DAY = dt.timedelta(days=1)


@pytest.fixture
def consultant(consultant, settings, write):
    """The suite's consultant, here with MFA not required and the small test catalogue loaded."""
    settings.SECASSURE_REQUIRE_MFA = False
    helpers.tiny(write)
    return consultant


def _busy(org, consultant, *, overdue: int, due_documents: int, expired: bool):
    """An organisation with an SSA in preparation (undecided), one open query's worth of nothing,
    some overdue actions, documents due for review and, if asked, an expired evidence file."""
    helpers.hold(org, "import-supplier")
    assessment = assessments.create_assessment(org, kind="ssa", by=None, title=f"SSA {org.slug}").assessment
    row = assessment.rows.order_by("order").first()
    assessments.save_row(row, by=None, revision=row.revision, status="compliant", narrative="Met")
    plan = RemediationPlan.objects.create(organisation=org, assessment=assessment)
    today = timezone.localdate()
    for n in range(overdue):
        RemediationAction.objects.create(plan=plan, description=f"Action {n}", target_date=today - DAY)
    RemediationAction.objects.create(plan=plan, description="Later", target_date=today + DAY)
    for n in range(due_documents):
        found = evidence.add_document(org, title=f"Policy {n}", doc_type="policy", by=None)
        Document.objects.filter(pk=found.pk).update(next_review=today + 10 * DAY)
    if expired:
        found = evidence.add_document(org, title="Pen test", doc_type="report", by=None)
        evidence.add_version(found, chunks=[b"%PDF-1.4 x"], name="pt.pdf", effective_date=today - 100 * DAY,
                             expiry_date=today - DAY, by=None)
        Document.objects.filter(pk=found.pk).update(next_review=today + 300 * DAY)
    return assessment


def _rows(client, url="/"):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["organisations"]


def _grow(consultant, total: int) -> list[Organisation]:
    """Organisations "Client 000", "Client 001" and on, up to ``total`` of them, with the consultant a
    Contributor in each; the ones added."""
    existing = Organisation.objects.filter(slug__startswith="client-").count()
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Client {n:03}", slug=f"client-{n:03}", category="large-supplier",
                      cycle_start=dt.date(2025, 3, 31)) for n in range(existing, total)])
    Membership.objects.bulk_create([Membership(user=consultant, organisation=o, role="contributor")
                                    for o in orgs])
    return orgs


def test_signals_are_right_and_only_for_ones_own_organisations(client, consultant):
    alpha, bravo = make_org("Alpha Energy", "alpha"), make_org("Bravo Power", "bravo")
    hidden = make_org("Not A Client", "hidden")
    join(consultant, alpha, "contributor")
    join(consultant, bravo, "observer")
    a = _busy(alpha, consultant, overdue=2, due_documents=3, expired=True)
    _busy(bravo, consultant, overdue=0, due_documents=1, expired=False)
    _busy(hidden, consultant, overdue=5, due_documents=5, expired=True)
    client.force_login(consultant)
    rows = {r["org"].slug: r for r in _rows(client)}
    assert set(rows) == {"alpha", "bravo"}
    alpha_row = rows["alpha"]
    assert alpha_row["current"] == a and alpha_row["progress"] == 50  # one row of two assessed
    assert (alpha_row["overdue"], alpha_row["documents"], alpha_row["expired"], alpha_row["decisions"]) == (2, 3, 1, 1)
    assert alpha_row["queries"] == 0
    assert (rows["bravo"]["overdue"], rows["bravo"]["documents"], rows["bravo"]["expired"]) == (0, 1, 0)
    page = client.get("/").content.decode()
    assert "Not A Client" not in page and "50% assessed" in page


def test_open_cio_queries_are_counted(client, consultant, org_a, alice, bob, carol, dave):
    from secassure.review import actions as review

    helpers.hold(org_a, "import-supplier")
    assessment = assessments.create_assessment(org_a, kind="ssa", by=alice, title="SSA").assessment
    helpers.submit(assessment, maker=bob, checker=alice, approver=dave)
    review.share(assessment, carol, by=alice)
    review.raise_query(assessment, helpers.row(assessment, "T1"), by=carol, text="Why?")
    review.raise_query(assessment, helpers.row(assessment, "T2"), by=carol, text="And this?")
    assert ReviewQuery.objects.filter(status="open").count() == 2
    join(consultant, org_a, "contributor")
    client.force_login(consultant)
    assert _rows(client)[0]["queries"] == 2


def test_sorting_by_a_signal_puts_the_worst_first_when_descending(client, consultant):
    for n, overdue in enumerate((1, 3, 0)):
        org = make_org(f"Org {n}", f"org-{n}")
        join(consultant, org, "contributor")
        _busy(org, consultant, overdue=overdue, due_documents=0, expired=False)
    outsider = make_org("Org as CIO", "org-cio")
    join(consultant, outsider, "cio-reviewer")  # reviews it: on the CIO's queue, not in the portfolio
    client.force_login(consultant)
    response = client.get("/?sort=overdue&order=desc")
    assert [r["org"].slug for r in response.context["organisations"]] == ["org-1", "org-0", "org-2"]
    assert 'aria-sort="descending"' in response.content.decode()
    ascending = client.get("/?sort=overdue").context["organisations"]
    assert [r["org"].slug for r in ascending] == ["org-2", "org-0", "org-1"]
    assert client.get("/?sort=nonsense").context["sort"] == "name"


def test_sorting_by_expired_evidence_or_lapsed_acceptances_counts_them_as_the_page_does(client, consultant):
    """Sorted by either, it is counted for every organisation from only the documents that could be
    in its state (those with a version expired, those a provider maintains): the same counts as the
    page sorted by name shows."""
    for n, expired in enumerate((False, True, False)):
        org = make_org(f"Org {n}", f"org-{n}")
        join(consultant, org, "contributor")
        _busy(org, consultant, overdue=0, due_documents=0, expired=expired)
    provider = add_provider(org, name="Northgate", kind="srp", by=None)
    hosted = evidence.add_document(org, title="Hosting", doc_type="standard", provider=provider, by=None)
    evidence.add_version(hosted, chunks=[b"%PDF-1.4 v1"], name="v1.pdf", by=None)  # never accepted
    client.force_login(consultant)
    by_name = {r["org"].slug: (r["expired"], r["lapsed"]) for r in _rows(client)}
    assert by_name == {"org-0": (0, 0), "org-1": (1, 0), "org-2": (0, 1)}
    for key, worst in (("expired", "org-1"), ("lapsed", "org-2")):
        rows = _rows(client, f"/?sort={key}&order=desc")
        assert rows[0]["org"].slug == worst
        assert {r["org"].slug: (r["expired"], r["lapsed"]) for r in rows} == by_name


def _busy_clients(client, consultant, count: int) -> None:
    """``count`` client organisations, each with work in every signal, and the consultant signed in."""
    _grow(consultant, count)
    for org in Organisation.objects.filter(slug__startswith="client-"):
        _busy(org, consultant, overdue=1, due_documents=1, expired=True)
    client.force_login(consultant)
    client.get("/")  # warm the session


def test_two_hundred_organisations_cost_the_same_queries_as_two(client, consultant):
    _busy_clients(client, consultant, 2)
    with CaptureQueriesContext(connection) as two:
        assert len(_rows(client)) == 2
    _grow(consultant, 200)
    for org in Organisation.objects.filter(slug__in=["client-150", "client-199"]):
        _busy(org, consultant, overdue=2, due_documents=0, expired=False)
    with CaptureQueriesContext(connection) as many:
        rows = _rows(client)
    assert len(rows) == portfolio.PAGE_SIZE
    assert len(many) == len(two), [q["sql"][:120] for q in many.captured_queries]
    # Sorted across all two hundred: the two on the second page by name come first.
    worst = _rows(client, "/?sort=overdue&order=desc")[:4]
    assert [(r["org"].slug, r["overdue"]) for r in worst] == [("client-150", 2), ("client-199", 2),
                                                              ("client-000", 1), ("client-001", 1)]


def _due_for_review(counts: dict) -> None:
    """For each organisation, that many documents in its register due for review within the month."""
    soon = timezone.localdate() + 10 * DAY
    Document.objects.bulk_create([Document(organisation=org, title=f"Policy {i}", doc_type="policy", next_review=soon)
                                  for org, n in counts.items() for i in range(n)])


def test_the_portfolio_is_sorted_across_every_organisation_then_shown_a_page_at_a_time(client, consultant):
    orgs = _grow(consultant, 150)
    _due_for_review({org: n % 4 for n, org in enumerate(orgs)})  # 37 with 3, 37 with 2, 38 with 1, 38 with 0
    client.force_login(consultant)
    response = client.get("/?sort=documents&order=desc&page=2")
    rows = response.context["organisations"]
    # Ties keep the order by name, on either page.
    expected = sorted(range(150), key=lambda n: n % 4, reverse=True)[100:]
    assert [r["org"].slug for r in rows] == [f"client-{n:03}" for n in expected]
    assert [r["documents"] for r in rows] == [1] * 12 + [0] * 38
    # The page's rows carry every signal, not only the one sorted by.
    assert all({"next", "queries", "overdue", "decisions", "expired", "lapsed"} <= set(r) for r in rows)
    page = response.content.decode()
    assert "Organisations 101–150 of 150" in page
    # The links to each page keep the sort and its order.
    assert '<a href="?sort=documents&amp;order=desc&amp;page=1">Page 1</a>' in page
    assert '<a href="?sort=documents&amp;order=desc&amp;page=2" aria-current="page">' in page
    assert ", page 2 of 2</caption>" in page
    first = client.get("/?sort=documents&order=desc").context["organisations"]
    assert [r["documents"] for r in first] == [3] * 37 + [2] * 37 + [1] * 26
    by_name = client.get("/?page=2").content.decode()
    assert '<a href="?page=1">Page 1</a>' in by_name and "Client 100" in by_name and "Client 099" not in by_name


def test_a_page_number_that_is_not_one_or_is_past_the_last_shows_a_page(client, consultant):
    _grow(consultant, 150)
    client.force_login(consultant)
    for asked, shown in (("abc", 1), ("0", 1), ("-1", 1), ("1.5", 1), ("٣", 1), ("", 1),
                         ("99999999999999999999", 1), ("9223372036854775807", 2), ("2", 2), ("3", 2)):
        response = client.get("/", {"page": asked, "sort": "name", "order": "desc"})
        assert response.status_code == 200, asked
        assert response.context["pages"]["number"] == shown, asked
        rows = response.context["organisations"]
        assert rows[0]["org"].slug == ("client-149" if shown == 1 else "client-049"), asked


def test_a_page_costs_the_same_queries_for_3_organisations_or_150_whatever_the_sort(client, consultant):
    _busy_clients(client, consultant, 3)

    def counted(urls) -> dict[str, int]:
        found = {}
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            found[url] = len(ctx)
        return found

    urls = [f"/?sort={key}{order}" for key in portfolio.SORTS for order in ("", "&order=desc")]
    few = counted(urls)
    _grow(consultant, 150)
    for org in Organisation.objects.filter(slug__in=["client-049", "client-120", "client-149"]):
        _busy(org, consultant, overdue=2, due_documents=2, expired=True)
    many = counted(urls)
    # A read that no organisation on the page needs (the progress of a current assessment, when the
    # page shows none: sorted ascending, the idle ones come first) is left out, so that a page never
    # costs more than with three, and costs the same when, as with three, it shows a busy one.
    assert all(many[url] <= few[url] for url in urls), (many, few)
    busy_first = [url for url in urls if "desc" in url or "name" in url]
    assert {url: many[url] for url in busy_first} == {url: few[url] for url in busy_first}
    assert counted(["/?sort=name&page=2", "/?sort=name&order=desc&page=2"]) == {
        "/?sort=name&page=2": few["/?sort=name"], "/?sort=name&order=desc&page=2": few["/?sort=name&order=desc"]}


def test_freshness_is_counted_in_sql_exactly_as_the_register_reads_it(client, consultant, org_a):
    """Every way an acceptance can lapse, every state that comes before or after it, and the edges of
    each date: the state worked out in SQL, which the portfolio and the dashboard count with, is the
    one the register shows for every document."""
    from secassure.evidence.models import Acceptance
    from secassure.evidence.services import freshness_states, register_rows, state_counts
    from secassure.profile.models import ThirdPartyProvider

    today = timezone.localdate()
    provider = add_provider(org_a, name="Northgate", kind="srp", by=None)
    ended = add_provider(org_a, name="Former host", kind="hosting", by=None)
    made = {}

    def document(name, *, by=provider, versions=1, accept=True, **dates):
        found = evidence.add_document(org_a, title=name, doc_type="standard", provider=by, by=None)
        evidence.add_version(found, chunks=[b"%PDF-1.4 v1"], name="v1.pdf", by=None)
        if accept:
            evidence.accept(found, by=None, basis="Checked")
        for n in range(2, versions + 1):
            evidence.add_version(found, chunks=[f"%PDF-1.4 v{n}".encode()], name=f"v{n}.pdf", by=None)
        if "expiry" in dates:
            found.versions.order_by("-number").update(expiry_date=dates["expiry"])
        if "review" in dates:
            Document.objects.filter(pk=found.pk).update(next_review=dates["review"])
        if "until" in dates:
            Acceptance.objects.filter(document=found).update(valid_until=dates["until"])
        made[name] = found
        return found

    document("accepted and current")
    document("never accepted", accept=False)
    document("newer version since", versions=2)
    document("acceptance term over", until=today - DAY)
    document("acceptance term ends today", until=today)
    document("relationship ended", by=ended)
    document("review overdue comes first", review=today - DAY)
    document("expired comes first", versions=2, expiry=today - DAY)
    evidence.add_document(org_a, title="no version yet", doc_type="standard", provider=provider, by=None)
    own = evidence.add_document(org_a, title="our own policy", doc_type="policy", by=None)
    evidence.add_version(own, chunks=[b"%PDF-1.4 own"], name="own.pdf", by=None)
    ThirdPartyProvider.objects.filter(pk=ended.pk).update(relationship_end=today - DAY)

    for name, review in (("review due in 30 days", today + 30 * DAY), ("review due in 31 days", today + 31 * DAY),
                         ("review due today", today)):
        found = evidence.add_document(org_a, title=name, doc_type="policy", by=None)
        evidence.add_version(found, chunks=[b"%PDF-1.4 ours"], name="ours.pdf", by=None)
        Document.objects.filter(pk=found.pk).update(next_review=review)
    ending = evidence.add_document(org_a, title="expires today", doc_type="report", by=None)
    evidence.add_version(ending, chunks=[b"%PDF-1.4 x"], name="x.pdf", effective_date=today - 9 * DAY,
                         expiry_date=today, by=None)

    everything = Document.objects.filter(organisation=org_a)
    by_python = {d.title: f.state for d, f in register_rows(everything, today)}
    assert {t for t, state in by_python.items() if state == "acceptance-lapsed"} == {
        "never accepted", "newer version since", "acceptance term over", "relationship ended"}
    assert {by_python[t] for t in ("review overdue comes first", "expired comes first", "no version yet",
                                   "review due in 30 days", "review due in 31 days", "review due today",
                                   "expires today")} == {"overdue", "expired", "missing", "review-due", "current"}
    assert dict(freshness_states(everything, today).values_list("title", "freshness_state")) == by_python
    assert state_counts(everything, today) == dict(Counter(by_python.values()))

    join(consultant, org_a, "observer")
    client.force_login(consultant)
    assert _rows(client)[0]["lapsed"] == 4 and _rows(client)[0]["expired"] == 1
    page = client.get("/").content.decode()
    assert "Third-party acceptances lapsed" in page and '<strong class="bad">4</strong>' in page
    # Retired documents are no longer evidence: neither the portfolio nor the dashboard counts them.
    Document.objects.filter(pk=made["never accepted"].pk).update(status="retired")
    assert _rows(client)[0]["lapsed"] == 3
    # Sorted by one of the two, it is counted for every organisation from only the documents that
    # could be in its state: the same counts.
    for key in ("expired", "lapsed"):
        assert (_rows(client, f"/?sort={key}")[0]["expired"], _rows(client, f"/?sort={key}")[0]["lapsed"]) == (1, 3)


def test_the_current_assessment_is_the_newest_not_closed(client, consultant, org_a):
    """An organisation keeps every year's assessments: the portfolio shows the newest that is not
    closed, whatever order they were made or closed in."""
    join(consultant, org_a, "owner")
    client.force_login(consultant)
    older = _busy(org_a, consultant, overdue=0, due_documents=0, expired=False)
    newer = assessments.create_assessment(org_a, kind="ssa", by=None, title="SSA next year").assessment
    assert next(r for r in _rows(client) if r["org"] == org_a)["current"] == newer
    type(newer).objects.filter(pk=newer.pk).update(status="closed")
    assert next(r for r in _rows(client) if r["org"] == org_a)["current"] == older
