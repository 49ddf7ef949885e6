"""The risk register through the JSON API: who reads and who changes it (as on the web), stale
changes refused with the risk as it now stands, the product's refusals, pagination at a fixed
number of queries, and audit events naming the token's person."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions
from secassure.assessments.models import Risk
from secassure.audit.models import Event
from tests.api.client import Api, make_token
from tests.personas import persona

PROBLEM = "application/problem+json"
NEW = {"title": "Loss of the DCC User signing key", "asset": "HSM", "threat": "Theft", "vulnerability": "",
       "inherent_likelihood": 3, "inherent_impact": 5, "residual_likelihood": 2, "residual_impact": 4,
       "treatment": "modify", "treatment_plan": "Dual control", "review_date": "2026-09-30"}


def _risk(org, title: str = "Phishing of DCC User staff", **extra) -> Risk:
    fields = {"inherent_likelihood": 4, "inherent_impact": 4, "residual_likelihood": 3, "residual_impact": 4} | extra
    return actions.add_risk(org, by=None, title=title, **fields)


def _api(user, org, read_only: bool = False) -> Api:
    return Api(make_token(user, org, read_only=read_only))


def _path(org, tail: str = "") -> str:
    return f"/organisations/{org.slug}/risks{tail}"


def _event(action: str, risk_id: int) -> Event:
    return Event.objects.get(action=action, object_id=str(risk_id))


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_an_owner_or_contributor_adds_and_changes_a_risk_and_the_audit_names_them(org_a, who):
    person = persona(who, org_a)
    api = _api(person, org_a)
    added = api.post(_path(org_a), NEW | {"owner": person.email.upper()})
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["ref"], body["title"], body["owner"], body["revision"]) == ("R-001", NEW["title"], person.email, 1)
    assert (body["inherent_score"], body["residual_score"], body["review_date"]) == (15, 8, "2026-09-30")
    assert _event("assessments.risk.added", body["id"]).actor_id == person.pk

    changed = api.patch(_path(org_a, f"/{body['id']}"), {"revision": 1, "residual_impact": 2, "status": "closed",
                                                          "reason": "Dual control in place"})
    assert changed.status_code == 200, changed.content
    after = changed.json()
    assert (after["residual_score"], after["status"], after["revision"], after["title"]) == (4, "closed", 2,
                                                                                             NEW["title"])
    event = _event("assessments.risk.changed", body["id"])
    assert event.actor_id == person.pk and event.reason == "Dual control in place"
    assert event.after == {"residual": [2, 2, 4], "status": "closed"}
    assert api.get(_path(org_a, f"/{body['id']}")).json() == after


def test_an_owner_can_be_set_and_removed(org_a, alice, bob):
    risk = _risk(org_a)
    api = _api(alice, org_a)
    given = api.patch(_path(org_a, f"/{risk.pk}"), {"revision": 1, "owner": bob.email})
    assert given.status_code == 200 and given.json()["owner"] == bob.email
    removed = api.patch(_path(org_a, f"/{risk.pk}"), {"revision": 2, "owner": None})
    assert removed.status_code == 200 and removed.json()["owner"] is None
    risk.refresh_from_db()
    assert risk.owner is None and risk.revision == 3


@pytest.mark.parametrize("who", ["dave", "olive"])
def test_an_approver_or_observer_reads_the_register_but_may_not_change_it(org_a, who):
    risk = _risk(org_a)
    person = persona(who, org_a)
    api = _api(person, org_a)
    assert [r["ref"] for r in api.everything(_path(org_a))] == ["R-001"]
    assert api.get(_path(org_a, f"/{risk.pk}")).json()["title"] == risk.title
    for response in (api.post(_path(org_a), NEW), api.patch(_path(org_a, f"/{risk.pk}"), {"revision": 1,
                                                                                            "title": "Mine"})):
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert list(Risk.objects.values_list("title", flat=True)) == [risk.title]


@pytest.mark.parametrize("who", ["engineer", "carol"])
def test_a_provider_or_cio_reviewer_does_not_reach_the_register(org_a, who):
    risk = _risk(org_a)
    api = _api(persona(who, org_a), org_a)
    for response in (api.get(_path(org_a)), api.get(_path(org_a, f"/{risk.pk}")), api.post(_path(org_a), NEW),
                     api.patch(_path(org_a, f"/{risk.pk}"), {"revision": 1, "title": "Mine"})):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert Risk.objects.get().title == risk.title


def test_a_read_only_token_reads_but_changes_nothing(org_a, alice):
    risk = _risk(org_a)
    api = _api(alice, org_a, read_only=True)
    assert api.get(_path(org_a, f"/{risk.pk}")).status_code == 200
    for response in (api.post(_path(org_a), NEW), api.patch(_path(org_a, f"/{risk.pk}"), {"revision": 1,
                                                                                            "title": "Changed"})):
        assert response.status_code == 403 and "read-only" in response.json()["detail"]
    risk.refresh_from_db()
    assert Risk.objects.count() == 1 and (risk.title, risk.revision) == ("Phishing of DCC User staff", 1)


def test_another_organisations_risk_is_not_found_under_our_slug(org_a, org_b, alice, mallory):
    theirs = _risk(org_b, "Bravo's own risk")
    api = _api(alice, org_a)
    for response in (api.get(_path(org_a, f"/{theirs.pk}")),
                     api.patch(_path(org_a, f"/{theirs.pk}"), {"revision": 1, "title": "Taken"}),
                     api.get(_path(org_b)), api.get(_path(org_b, f"/{theirs.pk}")), api.post(_path(org_b), NEW)):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert _api(mallory, org_b).get(_path(org_a)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Bravo's own risk" and not Risk.objects.filter(organisation=org_a).exists()


def test_a_change_to_an_old_revision_is_refused_with_the_risk_as_it_now_stands(org_a, alice, bob):
    risk = _risk(org_a)
    changed = _api(bob, org_a).patch(_path(org_a, f"/{risk.pk}"), {"revision": 1, "title": "Bob's title"})
    assert changed.status_code == 200
    stale = _api(alice, org_a).patch(_path(org_a, f"/{risk.pk}"), {"revision": 1, "title": "Alice's title"})
    assert stale.status_code == 409 and stale["Content-Type"] == PROBLEM
    body = stale.json()
    assert "someone changed this risk after you opened it" in body["detail"]
    assert body["current"]["title"] == "Bob's title" and body["current"]["revision"] == 2
    assert body["current"]["id"] == risk.pk
    risk.refresh_from_db()
    assert risk.title == "Bob's title"
    assert not Event.objects.filter(action="assessments.risk.changed", actor_id=alice.pk).exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"inherent_likelihood": 9}, "inherent likelihood is a whole number from 1 to 5"),
    ({"treatment": "ignore"}, "'ignore' is not a treatment; use one of"),
    ({"status": "maybe"}, "a risk is open or closed"),
    ({"title": "   "}, "give the risk a title"),
    ({"owner": "olive@a.test"}, "cannot be the risk owner"),
    ({"owner": "mallory@b.test"}, "the risk owner must be a member of Alpha Energy Ltd"),
])
def test_a_refused_change_answers_422_with_the_products_message(org_a, org_b, alice, olive, mallory, change, message):
    risk = _risk(org_a)
    api = _api(alice, org_a)
    refused = api.patch(_path(org_a, f"/{risk.pk}"), {"revision": 1} | change)
    assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
    assert message in refused.json()["detail"]
    added = api.post(_path(org_a), NEW | change)
    assert added.status_code == 422 and message in added.json()["detail"]
    assert Risk.objects.count() == 1 and Risk.objects.get().revision == 1


def test_a_malformed_request_answers_422_and_never_a_server_error(org_a, alice):
    risk = _risk(org_a)
    api = _api(alice, org_a)
    for response in (api.get(_path(org_a, "/99999999999999999999")), api.get(_path(org_a, "/0")),
                     api.patch(_path(org_a, f"/{risk.pk}"), {"title": "No revision"}),
                     api.patch(_path(org_a, f"/{risk.pk}"), {"revision": 1, "title": None}),
                     api.post(_path(org_a), {"title": "No scores"}),
                     api.post(_path(org_a), NEW | {"inherent_impact": 10**30})):
        assert response.status_code == 422, response.content
    odd = api.post(_path(org_a), NEW | {"title": "Risque \u00e9lev\u00e9 \U0001f512", "asset": "\u202e"})
    assert odd.status_code in (201, 422), odd.content


def test_the_register_pages_through_every_risk_once_in_a_stable_order(org_a, alice):
    made = [_risk(org_a, f"Risk {n}").pk for n in range(7)]
    api = _api(alice, org_a)
    first = api.get(_path(org_a), page_size=3).json()
    assert len(first["results"]) == 3 and first["next"]
    seen = api.everything(_path(org_a), page_size=3)
    assert [r["id"] for r in seen] == sorted(made)
    assert [r["id"] for r in api.everything(_path(org_a), page_size=3)] == [r["id"] for r in seen]


def _queries(api, path: str, page_size: int) -> int:
    api.get(path, page_size=1)  # the token's first use of the day is recorded once: not the list's cost
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, page_size=page_size)
    assert response.status_code == 200 and len(response.json()["results"]) == page_size
    return len(captured)


def test_a_page_of_the_register_costs_the_same_queries_however_many_risks(org_a, alice, bob):
    for n in range(30):
        _risk(org_a, f"Risk {n}", owner=bob if n % 2 else alice)
    api = _api(alice, org_a)
    small, large = _queries(api, _path(org_a), 3), _queries(api, _path(org_a), 30)
    assert small == large <= 6  # 4, and the token's throttle count and its MFA check


def test_a_token_reaches_only_its_own_organisation_even_for_someone_in_both(org_a, org_b, consultant):
    from tests.personas import join

    join(consultant, org_a, "owner")
    join(consultant, org_b, "owner")
    ours = _risk(org_a)
    api = _api(consultant, org_b)
    for response in (api.get(_path(org_a)), api.get(_path(org_a, f"/{ours.pk}")), api.post(_path(org_a), NEW),
                     api.patch(_path(org_a, f"/{ours.pk}"), {"revision": 1, "title": "From B's token"})):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert api.get(_path(org_b)).json()["results"] == []
    ours.refresh_from_db()
    assert ours.revision == 1 and Risk.objects.count() == 1
