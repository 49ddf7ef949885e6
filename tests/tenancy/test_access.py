"""The one door: another organisation's ids answer 404 exactly like missing ones; each role does
only what it may; a person with no grants sees nothing."""

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from secassure.profile import actions as profile_actions
from secassure.tenancy.actions import invite
from secassure.tenancy.models import Membership
from tests.pages import without_form_tokens
from tests.personas import join, make_user

TENANT_PREFIXES = ("orgs/",)


def _tenant_patterns():
    """Every URL pattern under an organisation, as (name, route with its converters)."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith(TENANT_PREFIXES) and "<slug:slug>" in route:
                    found.append((p.name, route))

    walk(get_resolver().url_patterns)
    return found


def _fill(route: str, slug: str, pk: int) -> str:
    path = re.sub(r"<slug:slug>", slug, route)
    path = re.sub(r"<int:(number|version)>", "1", path)
    path = re.sub(r"<kind:kind>", "rows", path)
    path = re.sub(r"<str:what>", "rows", path)
    path = re.sub(r"<str:model>", "poam", path)
    path = re.sub(r"<int:(item_pk|link_pk|message_pk|share_pk|query_pk|comment_pk|action_pk)>", str(pk), path)
    return "/" + re.sub(r"<int:pk>", str(pk), path)


POST_ONLY = {"invite", "member-role", "member-remove", "invitation-revoke", "role-remove", "document-accept",
             "provider-assign", "document-link", "document-move", "campaign-start", "assessment-check",
             "assessment-link", "assessment-unlink", "assessment-owners", "assessment-move", "assessment-decision",
             "review-raise", "review-share", "review-revoke", "review-reply", "review-close", "review-comment",
             "review-comment-edit", "review-final", "review-outcome", "review-assurance", "remediation-open",
             "finding-response", "finding-status", "finding-evidence", "remediation-action-add", "remediation-action",
             "remediation-report", "remediation-letter", "remediation-send", "remediation-approval",
             "exchange-upload", "exchange-apply", "review-fieldwork", "review-result", "review-report",
             "review-report-issue", "review-report-reopen", "review-response-due", "review-response-send",
             "finding-approve", "assessment-check-many", "assessment-confirm-many", "intake-upload", "intake-remap",
             "intake-preview", "intake-apply", "exchange-pack-job", "exchange-import-job"}
# The notices register's list takes its filters from the query string: GET only.
GET_ONLY = {"exchange", "exchange-workbook", "exchange-report", "exchange-pack", "exchange-csv", "exchange-oscal",
            "document-download", "obligations", "assessment", "assessment-answers", "assessment-compare", "review",
            "review-item", "review-evidence", "review-message-file", "query-inbox", "finding", "remediation-plan",
            "exchange-cio-report", "assessment-documents", "intake", "job", "job-download", "notices"}
# Which kind of object each route's id names.
ROUTE_OBJECT = {"member-role": "membership", "member-remove": "membership", "invitation-revoke": "invitation",
                "role-remove": "holding", "system-decision": "system", "document": "document",
                "document-download": "document",
                "document-accept": "document", "provider-assign": "provider", "provider-edit": "provider",
                "assessment-sign-off": "assessment",
                "exchange-pack-job": "assessment", "exchange-import-job": "assessment",
                "job": "job", "job-download": "job", "notice": "notice",
                "document-link": "document",
                "document-move": "document", "campaign-start": "document", "risk": "risk",
                **{name: "assessment" for name in ("assessment", "assessment-answers", "assessment-item",
                                                   "assessment-check", "assessment-link", "assessment-unlink",
                                                   "assessment-owners", "assessment-move", "assessment-details",
                                                   "assessment-changes", "assessment-decision",
                                                   "assessment-compare", "review", "review-item", "review-raise",
                                                   "review-evidence", "review-message-file", "review-share",
                                                   "review-revoke", "review-reply", "review-close", "review-comment",
                                                   "review-comment-edit", "review-final", "review-outcome",
                                                   "review-assurance", "exchange", "exchange-workbook",
                                                   "exchange-report", "exchange-pack", "exchange-csv",
                                                   "exchange-oscal", "exchange-upload", "exchange-apply",
                                                   "review-fieldwork", "review-result", "review-report",
                                                   "review-report-issue", "review-report-reopen", "review-response-due",
                                                   "review-response-send", "exchange-cio-report",
                                                   "assessment-check-many", "assessment-confirm-many",
                                                   "assessment-documents")},
                **{name: "finding" for name in ("finding", "finding-response", "finding-status", "finding-evidence",
                                                "finding-approve")},
                **{name: "plan" for name in ("remediation-plan", "remediation-action-add", "remediation-action",
                                             "remediation-report", "remediation-letter", "remediation-send",
                                             "remediation-approval")}}


@pytest.fixture
def org_b_objects(org_b, mallory, shipped_catalogue):
    """One of each kind of org-B object that an org-A person might try to reach by id."""
    from secassure.evidence.actions import add_document, add_version
    from secassure.profile.actions import add_provider

    holding = profile_actions.add_role(org_b, "import-supplier", by=None)
    invitation, _ = invite(org_b, "someone@b.test", "contributor", by=None)
    document = add_document(org_b, title="B's policy", doc_type="policy", by=None)
    add_version(document, chunks=[b"%PDF-1.4 b"], name="b.pdf", by=None)
    provider = add_provider(org_b, name="B's host", by=None)
    from secassure.assessments import actions as assessment_actions

    assessment = assessment_actions.create_assessment(org_b, kind="ssa", by=mallory).assessment
    risk = assessment_actions.add_risk(org_b, by=mallory, title="B's risk", inherent_likelihood=3, inherent_impact=3,
                                       residual_likelihood=2, residual_impact=2)
    from secassure.review.models import RemediationPlan
    from secassure.review.remediation_actions import add_finding

    finding = add_finding(org_b, by=mallory, kind="potential", description="B's finding")
    plan = RemediationPlan.objects.create(organisation=org_b, assessment=assessment)
    from secassure.profile.models import UserSystem

    system = UserSystem.objects.create(organisation=org_b, name="B's second system", kind="further",
                                       ssc_notified_on=dt.date(2026, 1, 5))
    from secassure.jobs.models import Job

    job = Job.objects.create(kind="pack", organisation=org_b, requested_by=mallory, actor=mallory.email,
                             params={"assessment": assessment.pk})
    from secassure.notices.models import Notice

    notice = Notice.objects.create(organisation=org_b, kind="G3.5", known_on=dt.date(2026, 1, 6),
                                   recorded_at=dt.datetime(2026, 1, 6, tzinfo=dt.UTC))
    return {"notice": notice.pk, "job": job.pk, "assessment": assessment.pk, "risk": risk.pk, "finding": finding.pk,
            "plan": plan.pk,
            "system": system.pk, "membership": Membership.objects.get(user=mallory).pk,
            "holding": holding.pk, "invitation": invitation.pk, "document": document.pk, "provider": provider.pk}


def test_the_sweep_covers_every_organisation_page():
    names = {name for name, _ in _tenant_patterns()}
    assert {"organisation", "organisation-edit", "members", "invite", "member-role", "member-remove",
            "invitation-revoke", "portfolio-add", "role-add", "role-remove", "system-add", "srp-add",
            "documents", "document", "document-download", "document-accept", "providers",
            "provider-assign", "provider-edit", "assessments", "assessment", "assessment-item", "risks",
            "risk"} <= names


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisations_ids_answer_404_like_missing_ones(client, alice, org_b, org_b_objects, method):
    client.force_login(alice)
    for name, route in _tenant_patterns():
        # 404; or, for a GET to a form that only takes POST, 405 before any lookup at all.
        expected = 405 if (method == "get" and name in POST_ONLY) or (method == "post" and name in GET_ONLY) \
            else 404
        missing = getattr(client, method)(_fill(route, "no-such-org", 999999))
        assert missing.status_code == expected, name
        # Each of B's objects in the route's place for one (a route without one is asked once).
        for path in sorted({_fill(route, org_b.slug, pk) for pk in org_b_objects.values()}):
            other = getattr(client, method)(path)
            assert other.status_code == expected, (name, path, other.status_code)
            assert without_form_tokens(other) == without_form_tokens(missing), (name, path)


@pytest.mark.parametrize("method", ["get", "post"])
def test_own_organisation_with_another_organisations_object_ids_is_404(client, alice, org_a, org_b_objects, method):
    client.force_login(alice)
    swept = set()
    for name, route in _tenant_patterns():
        if "<int:pk>" not in route:
            continue
        swept.add(name)
        response = getattr(client, method)(_fill(route, org_a.slug, org_b_objects[ROUTE_OBJECT[name]]))
        assert response.status_code in (404, 405), (name, response.status_code)
    assert swept == set(ROUTE_OBJECT)
    assert Membership.objects.filter(organisation__slug="org-b").count() == 1


def test_a_fresh_install_with_no_grants_denies_everything(client, org_a, org_b):
    stranger = make_user("stranger@x.test")
    client.force_login(stranger)
    home = client.get("/")
    assert b"You do not belong to any organisation yet" in home.content
    assert b"Alpha Energy" not in home.content and b"Bravo Power" not in home.content
    for name, route in _tenant_patterns():
        for slug in (org_a.slug, org_b.slug):
            assert client.get(_fill(route, slug, 1)).status_code == (405 if name in POST_ONLY else 404)
            assert client.post(_fill(route, slug, 1)).status_code == (405 if name in GET_ONLY else 404)


def test_signed_out_visitors_are_sent_to_sign_in(client, org_a):
    for _, route in _tenant_patterns():
        response = client.get(_fill(route, org_a.slug, 1))
        assert response.status_code in (302, 405)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


# The role matrix: what each role gets from each organisation page (GET).
PAGES = ["organisation", "organisation-edit", "members", "portfolio-add", "role-add", "system-add", "srp-add",
         "notices", "notice-add"]
EXPECTED = {
    "owner": dict.fromkeys(PAGES, 200),
    "contributor": {"organisation": 200, "portfolio-add": 200, "notices": 200, "notice-add": 200,
                    **dict.fromkeys(["organisation-edit", "members", "role-add", "system-add", "srp-add"], 403)},
    "approver": {"organisation": 200, "notices": 200, **dict.fromkeys(PAGES[1:-2] + ["notice-add"], 403)},
    "observer": {"organisation": 200, "notices": 200, **dict.fromkeys(PAGES[1:-2] + ["notice-add"], 403)},
    "provider": dict.fromkeys(PAGES, 404),
    "cio-reviewer": dict.fromkeys(PAGES, 404),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_matrix(client, org_a, role, settings):
    settings.SECASSURE_REQUIRE_MFA = False  # the matrix is about roles; MFA has its own tests
    user = make_user(f"{role}@a.test")
    join(user, org_a, role)
    client.force_login(user)
    routes = dict(_tenant_patterns())
    for page in PAGES:
        response = client.get(_fill(routes[page], org_a.slug, 1))
        assert response.status_code == EXPECTED[role][page], (role, page, response.status_code)


@pytest.mark.parametrize("role", ["contributor", "approver", "observer", "provider", "cio-reviewer"])
def test_only_owners_change_the_organisation(client, org_a, role, settings):
    settings.SECASSURE_REQUIRE_MFA = False
    user = make_user(f"{role}@a.test")
    join(user, org_a, role)
    client.force_login(user)
    response = client.post(f"/orgs/{org_a.slug}/edit/", {"name": "Hijacked", "category": "srp"})
    assert response.status_code in (403, 404)
    org_a.refresh_from_db()
    assert org_a.name == "Alpha Energy Ltd"
    response = client.post(f"/orgs/{org_a.slug}/members/invite/", {"email": "x@x.test", "role": "owner"})
    assert response.status_code in (403, 404)


def test_a_consultant_sees_their_three_clients_and_only_them(client, consultant, settings):
    from tests.personas import make_org

    settings.SECASSURE_REQUIRE_MFA = False
    clients = [make_org(f"Client {n} Energy", f"client-{n}") for n in (1, 2, 3)]
    make_org("Not A Client Ltd", "not-a-client")
    for org in clients:
        join(consultant, org, "contributor")
    client.force_login(consultant)
    home = client.get("/").content.decode()
    for n in (1, 2, 3):
        assert f"Client {n} Energy" in home
        assert client.get(f"/orgs/client-{n}/").status_code == 200
    assert "Not A Client" not in home
    assert client.get("/orgs/not-a-client/").status_code == 404


def test_a_cio_reviewer_sees_only_what_is_shared(client, carol, org_a):
    client.force_login(carol)
    home = client.get("/").content.decode()
    assert "Alpha Energy Ltd" in home and "what is shared with you" in home and "/review/" in home
    assert client.get(f"/orgs/{org_a.slug}/").status_code == 404
    assert "Large Supplier" not in home  # not even the profile's category


def test_home_page_costs_the_same_for_one_or_many_organisations(client, db, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.personas import make_org

    settings.SECASSURE_REQUIRE_MFA = False
    few, many = make_user("few@x.test"), make_user("many@x.test")
    join(few, make_org("Only One", "only-one"), "observer")
    for n in range(12):
        join(many, make_org(f"Org {n}", f"org-{n}"), "observer")
    counts = []
    for user in (few, many):
        client.force_login(user)
        client.get("/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# The role matrix for the forms that change things (POST): only an Owner gets through, and
# nothing changes for anyone else.
@pytest.mark.parametrize("role", ["contributor", "approver", "observer", "provider", "cio-reviewer"])
def test_role_matrix_for_changes(client, org_a, alice, role, settings):
    settings.SECASSURE_REQUIRE_MFA = False
    holding = profile_actions.add_role(org_a, "gas-supplier", by=None)
    invitation, _ = invite(org_a, "pending@a.test", "observer", by=None)
    user = make_user(f"{role}@a.test")
    own = join(user, org_a, role)
    owner = Membership.objects.get(user=alice)
    client.force_login(user)
    attempts = [
        (f"/orgs/{org_a.slug}/members/{own.pk}/role/", {"role": "owner"}),
        (f"/orgs/{org_a.slug}/members/{owner.pk}/role/", {"role": "observer"}),
        (f"/orgs/{org_a.slug}/members/{owner.pk}/remove/", {}),
        (f"/orgs/{org_a.slug}/invitations/{invitation.pk}/revoke/", {}),
        (f"/orgs/{org_a.slug}/roles/{holding.pk}/remove/", {}),
        (f"/orgs/{org_a.slug}/members/invite/", {"email": "friend@x.test", "role": "owner"}),
        (f"/orgs/{org_a.slug}/roles/add/", {"role": "import-supplier"}),
        (f"/orgs/{org_a.slug}/srp/add/", {"provider_name": "X"}),
        (f"/orgs/{org_a.slug}/systems/add/", {"name": "X", "kind": "primary", "hosting": "bespoke"}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == (403 if role not in ("provider", "cio-reviewer") else 404), url
    own.refresh_from_db()
    owner.refresh_from_db()
    invitation.refresh_from_db()
    assert own.role == role and owner.role == "owner" and invitation.revoked_at is None
    assert org_a.role_holdings.count() == 1 and not org_a.providers.exists()
    assert not org_a.user_systems.exists() and org_a.invitations.count() == 1


def test_an_action_given_the_door_checks_its_role_and_reads_the_membership_for_any_other_door(
        org_a, org_b, alice, olive, mallory, django_assert_num_queries):
    """A page hands an action the door it read the person's membership through: the action checks
    the role that door holds without reading the membership again. A door that is not this
    person's to this organisation decides nothing: the membership is read, as without one."""
    from secassure.errors import ActionError
    from secassure.tenancy import access

    alices, olives = access.door_of(alice, org_a), access.door_of(olive, org_a)
    mallorys = access.door_of(mallory, org_b)
    with django_assert_num_queries(0):
        access.require(alice, org_a, access.EDIT_ASSESSMENTS, alices)
        with pytest.raises(ActionError, match=r"does not allow this \(assessments\.edit\)"):
            access.require(olive, org_a, access.EDIT_ASSESSMENTS, olives)
    for who, door in ((olive, alices), (mallory, alices), (mallory, mallorys), (olive, access.Door(org_a, None))):
        with django_assert_num_queries(1), pytest.raises(ActionError, match=r"does not allow this"):
            access.require(who, org_a, access.EDIT_ASSESSMENTS, door)
