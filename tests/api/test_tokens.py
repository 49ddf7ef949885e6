"""Personal access tokens: made by their person for one organisation, stored only as a hash, never
more than the person's role allows, read-only when asked, expiring, revocable; their creation,
revocation and first use from each address are audited; the web page and the command line make,
list and revoke them."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.utils import timezone

from secassure.api.models import AccessToken
from secassure.api.tokens import create_token, revoke_token
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.profile.models import PortfolioSnapshot
from secassure.tenancy.actions import change_role, remove_member
from secassure.tenancy.models import token_digest
from tests.api.client import Api, make_token
from tests.personas import join, make_user

SNAPSHOT = {"as_of": "2026-01-31", "domestic": 120, "non_domestic": 4}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["instance"]
    return body


# --- making tokens ------------------------------------------------------------------------------


def test_a_token_is_kept_only_as_its_hash(alice, org_a):
    token, plain = create_token(alice, org_a, by=alice, name="tracker sync")
    assert plain.startswith("sa_") and len(plain) > 40
    assert token.token_hash == token_digest(plain) and token.prefix == plain[:10]
    # Nowhere in the database is the token itself: not in its row, not in the audit log.
    with connection.cursor() as cursor:
        for table in ("api_accesstoken", "audit_event"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert plain not in repr(cursor.fetchall())
    assert Api(plain).get("/organisations").status_code == 200


def test_making_a_token_is_audited_without_the_token(alice, org_a):
    token, plain = create_token(alice, org_a, by=alice, name="tracker sync", read_only=True, days=30)
    event = Event.objects.get(action="api.token.created")
    assert event.organisation_id == org_a.pk and event.object_id == str(token.pk)
    assert event.after["read_only"] is True and event.after["person"] == alice.email
    assert plain not in json.dumps(event.after)


@pytest.mark.parametrize(("days", "ok"), [(1, True), (366, True), (0, False), (367, False), (-5, False)])
def test_a_token_lasts_one_day_to_a_year(alice, org_a, days, ok):
    if ok:
        token, _ = create_token(alice, org_a, by=alice, name="n", days=days)
        assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=days))) < dt.timedelta(minutes=1)
    else:
        with pytest.raises(ActionError, match="from 1 to 366 days"):
            create_token(alice, org_a, by=alice, name="n", days=days)


def test_nobody_makes_a_token_for_someone_else_or_where_they_do_not_work(alice, bob, org_a, org_b, mallory):
    with pytest.raises(ActionError, match="made by the person who will use it"):
        create_token(bob, org_a, by=alice, name="for bob")
    with pytest.raises(ActionError, match="not a member of Bravo Power"):
        create_token(alice, org_b, by=alice, name="into b")
    with pytest.raises(ActionError, match="not a member"):
        create_token(mallory, org_a, by=None, name="operator cannot either")
    with pytest.raises(ActionError, match="give the token a name"):
        create_token(alice, org_a, by=alice, name="   ")
    create_token(alice, org_a, by=alice, name="sync")
    with pytest.raises(ActionError, match="already have an active token named"):
        create_token(alice, org_a, by=alice, name="sync")
    assert AccessToken.objects.count() == 1


# --- what a token reaches ----------------------------------------------------------------------


def test_a_path_the_api_does_not_have_answers_a_problem(alice, org_a):
    api = Api(make_token(alice, org_a))
    for path in ("/nothing-here", "/organisations/org-a/nothing", "/../v2/organisations"):
        _problem(api.get(path), 404)
    _problem(Api().get("/nothing-here"), 404)


def test_without_a_live_token_the_api_answers_401(alice, org_a, client):
    body = _problem(Api().get("/organisations"), 401)
    assert "Bearer" in body["detail"]
    for given in ("", "Bearer", "Bearer sa_nonsense", "Basic YWxpY2U6cGFzcw==", f"Token {make_token(alice, org_a)}"):
        response = client.get("/api/v1/organisations", headers={"Authorization": given} if given else {})
        _problem(response, 401)
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_signed_in_browser_session_does_not_open_the_api(alice, org_a, client):
    client.force_login(alice)
    assert client.get("/").status_code == 200
    _problem(client.get("/api/v1/organisations"), 401)
    _problem(client.post("/api/v1/organisations/org-a/portfolio", SNAPSHOT, content_type="application/json"), 401)
    assert not PortfolioSnapshot.objects.exists()


def test_a_token_works_in_its_own_organisation_only(db, org_a, org_b):
    # A consultant in both organisations, Owner in each: the token for A never reaches B.
    consultant = make_user("consultant@advisers.test", totp=True)
    join(consultant, org_a, "owner")
    join(consultant, org_b, "owner")
    api = Api(make_token(consultant, org_a))
    assert [o["slug"] for o in api.get("/organisations").json()["results"]] == ["org-a"]
    assert api.get("/organisations/org-a/portfolio").status_code == 200
    for path in ("/organisations/org-b", "/organisations/org-b/plan", "/organisations/org-b/portfolio",
                 "/organisations/no-such-org/portfolio"):
        assert _problem(api.get(path), 404)["detail"] == "No such organisation"
    _problem(api.post("/organisations/org-b/portfolio", SNAPSHOT), 404)
    assert not PortfolioSnapshot.objects.filter(organisation=org_b).exists()


def test_an_expired_token_answers_401(alice, org_a):
    plain = make_token(alice, org_a)
    api = Api(plain)
    assert api.get("/organisations").status_code == 200
    AccessToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _problem(api.get("/organisations"), 401)


def test_a_revoked_token_answers_401_at_once_and_revoking_is_audited(alice, org_a):
    token, plain = create_token(alice, org_a, by=alice, name="sync")
    api = Api(plain)
    assert api.get("/organisations").status_code == 200
    revoke_token(token, by=alice)
    _problem(api.get("/organisations"), 401)
    event = Event.objects.get(action="api.token.revoked")
    assert event.object_id == str(token.pk) and event.organisation_id == org_a.pk
    revoke_token(token, by=alice)  # a second time changes nothing
    assert Event.objects.filter(action="api.token.revoked").count() == 1


def test_only_its_person_or_an_owner_revokes_a_token(alice, bob, dave, org_a):
    token, _ = create_token(bob, org_a, by=bob, name="bob's")
    with pytest.raises(ActionError, match="only the token's person or an Owner"):
        revoke_token(token, by=dave)
    assert revoke_token(token, by=alice).revoked_at is not None


def test_an_inactive_person_s_token_answers_401(bob, org_a):
    api = Api(make_token(bob, org_a))
    bob.is_active = False
    bob.save()
    _problem(api.get("/organisations"), 401)


def test_a_read_only_token_reads_and_changes_nothing(alice, org_a):
    api = Api(make_token(alice, org_a, read_only=True))
    assert api.get("/organisations/org-a/portfolio").status_code == 200
    assert api.get("/organisations").json()["results"][0]["token_read_only"] is True
    body = _problem(api.post("/organisations/org-a/portfolio", SNAPSHOT), 403)
    assert "read-only" in body["detail"]
    assert not PortfolioSnapshot.objects.exists()


def test_a_token_never_does_more_than_its_person_s_role_now(alice, olive, org_a):
    # An Observer's token reads and cannot add a snapshot.
    body = _problem(Api(make_token(olive, org_a)).post("/organisations/org-a/portfolio", SNAPSHOT), 403)
    assert "Observer may not do this" in body["detail"]
    # An Owner's token loses what her role loses, at once, and everything with her membership.
    api = Api(make_token(alice, org_a))
    assert api.post("/organisations/org-a/portfolio", SNAPSHOT).status_code == 201
    join(make_user("second-owner@a.test"), org_a, "owner")
    change_role(alice.membership, "observer", by=None)
    _problem(api.post("/organisations/org-a/portfolio", {**SNAPSHOT, "as_of": "2026-02-28"}), 403)
    assert api.get("/organisations/org-a/portfolio").status_code == 200
    remove_member(alice.membership, by=None)
    _problem(api.get("/organisations/org-a/portfolio"), 404)
    assert PortfolioSnapshot.objects.count() == 1


def test_each_write_is_audited_as_the_token_s_person(alice, org_a):
    api = Api(make_token(alice, org_a))
    assert api.post("/organisations/org-a/portfolio", SNAPSHOT).status_code == 201
    event = Event.objects.get(action="profile.portfolio.added")
    assert event.actor_id == alice.pk and event.actor_label == alice.email


def test_first_use_from_each_address_is_audited_and_last_use_kept(alice, org_a):
    token, plain = create_token(alice, org_a, by=alice, name="sync")
    assert token.last_used_at is None
    for _ in range(3):
        assert Api(plain, address="192.0.2.10").get("/organisations").status_code == 200
    assert Api(plain, address="198.51.100.7").get("/organisations").status_code == 200
    events = Event.objects.filter(action="api.token.new_address").order_by("seq")
    assert [e.after["address"] for e in events] == ["192.0.2.10", "198.51.100.7"]
    assert all(e.actor_id == alice.pk for e in events)
    token.refresh_from_db()
    assert token.last_used_from == "198.51.100.7"
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_requests_beyond_the_token_s_rate_answer_429(alice, bob, org_a, settings):
    settings.SECASSURE_API_RATE = "3/m"
    api = Api(make_token(alice, org_a))
    assert [api.get("/organisations").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/organisations")
    _problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # Counted per token: another token is not held back by the first.
    assert Api(make_token(bob, org_a)).get("/organisations").status_code == 200


# --- the web page ------------------------------------------------------------------------------


def test_the_account_page_makes_shows_once_and_revokes_tokens(alice, org_a, org_b, client):
    client.force_login(alice)
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="org-a"' in html and 'value="org-b"' not in html
    made = client.post("/account/tokens/", {"organisation": "org-a", "name": "tracker sync", "days": "30"})
    plain = re.search(r'id="made-token"[^>]*value="(sa_[^"]+)"', made.content.decode()).group(1)
    assert Api(plain).get("/organisations").status_code == 200
    listing = client.get("/account/tokens/").content.decode()
    assert "tracker sync" in listing and plain not in listing and plain[:10] in listing
    token = AccessToken.objects.get()
    assert token.read_only is False and (token.expires_at - timezone.now()).days in (29, 30)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    _problem(Api(plain).get("/organisations"), 401)
    assert {e.action: e.actor_id for e in Event.objects.filter(action__startswith="api.token.")} == {
        "api.token.created": alice.pk, "api.token.new_address": alice.pk, "api.token.revoked": alice.pk}


def test_the_account_page_refuses_another_organisation_and_another_s_token(alice, bob, org_a, org_b, client):
    client.force_login(alice)
    page = client.post("/account/tokens/", {"organisation": "org-b", "name": "x", "days": "30"})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert not AccessToken.objects.exists()
    bobs, _ = create_token(bob, org_a, by=bob, name="bob's")
    assert client.post(f"/account/tokens/{bobs.pk}/revoke/").status_code == 404
    assert client.get(f"/account/tokens/{bobs.pk}/revoke/").status_code in (404, 405)
    bobs.refresh_from_db()
    assert bobs.revoked_at is None


# --- the command line --------------------------------------------------------------------------


def test_the_command_line_makes_lists_and_revokes(cli, alice, org_a):
    made = cli("token", "create", alice.email, "--org", "org-a", "--name", "ci", "--read-only", "--expires", "7",
               "--json")
    assert made.exit_code == 0, made.stderr
    given = json.loads(made.stdout)
    assert set(given) == {"token", "id", "expires"}
    assert Api(given["token"]).get("/organisations").json()["results"][0]["token_read_only"] is True
    listed = cli("token", "list", "--org", "org-a", "--json")
    assert given["token"] not in listed.stdout
    assert json.loads(listed.stdout)[0]["state"] == "active"
    assert cli("token", "revoke", str(given["id"])).exit_code == 0
    _problem(Api(given["token"]).get("/organisations"), 401)
    refused = cli("token", "create", "nobody@x.test", "--org", "org-a", "--name", "ci")
    assert refused.exit_code == 1 and "nobody signs in as" in refused.stderr


# --- what a review of the API found -----------------------------------------------------------


def test_a_person_whose_role_needs_mfa_gets_nothing_through_a_token_until_they_have_it(org_a, settings):
    from tests.personas import give_totp

    owner = make_user("new-owner@a.test")  # an Owner with no authenticator app yet
    join(owner, org_a, "owner")
    api = Api(make_token(owner, org_a))
    body = _problem(api.post("/organisations/org-a/portfolio", SNAPSHOT), 403)
    assert "two-factor authentication" in body["detail"]
    _problem(api.get("/organisations/org-a/portfolio"), 403)
    assert not PortfolioSnapshot.objects.exists()
    give_totp(owner)
    assert api.post("/organisations/org-a/portfolio", SNAPSHOT).status_code == 201


def test_a_provider_or_cio_reviewer_token_sees_the_organisation_s_name_not_its_profile(org_a, alice, carol):
    from tests.personas import persona

    for person in (carol, persona("engineer", org_a)):
        for shown in (Api(make_token(person, org_a)).get("/organisations").json()["results"][0],
                      Api(make_token(person, org_a, name="again")).get("/organisations/org-a").json()):
            assert shown["name"] == "Alpha Energy Ltd"
            assert shown["category"] is None and shown["cycle_start"] is None and shown["sec_party_id"] is None
    owner_view = Api(make_token(alice, org_a)).get("/organisations/org-a")
    assert owner_view.json()["category"] == "large-supplier"


def test_text_that_cannot_be_stored_is_refused_as_a_problem(alice, org_a):
    api = Api(make_token(alice, org_a))
    raw = '{"as_of": "2026-01-31", "domestic": 1, "non_domestic": 1, "source": "x\\ud800y"}'
    response = api.client.generic("POST", "/api/v1/organisations/org-a/portfolio", raw,
                                  content_type="application/json", headers=api._headers(), secure=True)
    assert "lone surrogate" in _problem(response, 400)["detail"]
    for body in ("{not json", "[1, 2]", "null"):
        response = api.client.generic("POST", "/api/v1/organisations/org-a/portfolio", body,
                                      content_type="application/json", headers=api._headers(), secure=True)
        assert response.status_code in (400, 422) and response["Content-Type"] == "application/problem+json", body
    assert not PortfolioSnapshot.objects.exists()


def test_malformed_requests_and_wrong_methods_answer_problems(alice, org_a):
    api = Api(make_token(alice, org_a))
    response = api.client.post("/api/v1/organisations/org-a/portfolio", b"--x--", headers=api._headers(),
                               content_type="multipart/form-data", secure=True)
    _problem(response, 400)
    response = api.send("PUT", "/organisations/org-a/portfolio", SNAPSHOT)
    body = _problem(response, 405)
    assert "PUT" in body["detail"] and "POST" in response["Allow"]
    _problem(api.delete("/organisations"), 405)


def test_the_rate_holds_for_a_whole_hour_and_counts_every_request(alice, org_a, settings):
    from secassure.api.models import TokenUse

    settings.SECASSURE_API_RATE = "4/h"
    api = Api(make_token(alice, org_a))
    assert [api.get("/organisations").status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    use = TokenUse.objects.get()
    assert use.seconds == 3600 and use.count == 5
    # Whatever a cache would have dropped after five minutes, the count is kept for the window.
    from django.core.cache import cache

    cache.clear()
    _problem(api.get("/organisations"), 429)


def test_a_new_window_starts_the_count_again_and_drops_the_old_one(alice, org_a):
    from secassure.api.models import TokenUse, count_use

    token = AccessToken.objects.get(pk=create_token(alice, org_a, by=alice, name="w")[0].pk)
    assert [count_use(token, 60, 100) for _ in range(3)] == [1, 2, 3]
    assert count_use(token, 60, 101) == 1
    assert list(TokenUse.objects.values_list("window", "count")) == [(101, 1)]


def test_last_use_is_not_written_on_every_request(alice, org_a, django_assert_max_num_queries):
    plain = make_token(alice, org_a)
    for address in ("192.0.2.1", "192.0.2.2"):
        Api(plain, address=address).get("/organisations")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.1"):
        with CaptureQueriesContext(connection) as seen:
            assert Api(plain, address=address).get("/organisations").status_code == 200
        assert not [q for q in seen.captured_queries if 'UPDATE "api_accesstoken"' in q["sql"]], address
