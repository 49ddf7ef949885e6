"""The 404 sweep of the API: every route of the OpenAPI document, called with an Owner's token of
organisation A (held by someone who is an Owner of organisation B too, as a consultant may be),
answers 404 (as a problem, like a missing object) for organisation B's slug, and for
organisation A's slug with any one of B's ids in place of A's own. The routes are read from the
document, so a route added later is swept without anyone listing it here."""

import re

import pytest

from secassure.api.routes import api as the_api
from secassure.assessments import actions as assessment_actions
from secassure.assessments.models import QuestionAnswer, ValidationRow
from secassure.evidence.actions import add_document, add_version
from secassure.review import actions as review_actions
from secassure.review import remediation_actions
from secassure.review.models import RemediationPlan, Share
from tests.api.client import BASE, Api, make_token
from tests.personas import join, make_user

pytestmark = pytest.mark.django_db

ID_PARAMS = {"assessment_id", "row_id", "answer_id", "link_id", "document_id", "version_id", "risk_id", "query_id",
             "comment_id", "finding_id", "action_id"}


def objects_of(org, owner, cio) -> dict[str, int]:
    """One object of every kind a path names by id, made in ``org`` through the product's actions."""
    assessment = assessment_actions.create_assessment(org, kind="ssa", by=owner).assessment
    row = ValidationRow.objects.filter(assessment=assessment).order_by("pk").first()
    answer = QuestionAnswer.objects.filter(assessment=assessment).order_by("pk").first()
    document = add_document(org, title=f"{org.name} policy", doc_type="policy", by=None)
    version = add_version(document, chunks=[b"%PDF-1.4 policy"], name="policy.pdf", by=None)
    link = assessment_actions.link_evidence(row, document, by=owner)
    risk = assessment_actions.add_risk(org, by=owner, title=f"{org.name} risk", inherent_likelihood=3,
                                       inherent_impact=3, residual_likelihood=2, residual_impact=2)
    # Under CIO review, shared with the organisation's CIO reviewer, who queries a row and comments.
    type(assessment).objects.filter(pk=assessment.pk).update(status="cio-review")
    assessment.refresh_from_db()
    Share.objects.create(assessment=assessment, reviewer=cio, shared_by=owner)
    query = review_actions.raise_query(assessment, row, by=cio, text="Where is the evidence?")
    comment = review_actions.comment(assessment, by=cio, text="Overall, sound.")
    finding = remediation_actions.add_finding(org, by=owner, kind="potential", description=f"{org.name} finding")
    plan = RemediationPlan.objects.create(organisation=org, assessment=assessment)
    action = remediation_actions.add_action(plan, by=None, description="Review access",
                                            target_date=assessment.created_at.date().replace(year=2027))
    return {"assessment_id": assessment.pk, "row_id": row.pk, "answer_id": answer.pk, "link_id": link.pk,
            "document_id": document.pk, "version_id": version.pk, "risk_id": risk.pk, "query_id": query.pk,
            "comment_id": comment.pk, "finding_id": finding.pk, "action_id": action.pk}


@pytest.fixture
def world(shipped_catalogue, org_a, org_b, alice, mallory, carol):
    cio_b = make_user("cio@b-assurance.test")
    join(cio_b, org_b, "cio-reviewer")
    made = objects_of(org_a, alice, carol), objects_of(org_b, mallory, cio_b)
    # Alice works for B too: only her token's organisation, never her reach, keeps B out.
    join(alice, org_b, "owner")
    return made


def _operations() -> list[tuple[str, str, dict]]:
    document = the_api.get_openapi_schema()
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, operation))
    return found


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def example(schema: dict, components: dict):
    """A value the schema accepts, made from it: what a fuzzer's first try would be."""
    schema = _resolve(schema, components)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [s for s in schema[key] if _resolve(s, components).get("type") != "null"]
            return example(choices[0], components)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: example(sub, components) for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-01-31"
    if schema.get("format") == "date-time":
        return "2026-01-31T10:00:00Z"
    if schema.get("format") == "binary":
        return b"%PDF-1.4 sweep"
    return "sweep"


def _call(api: Api, method: str, path: str, operation: dict):
    if method == "GET":
        return api.get(path)
    if method == "DELETE":
        return api.delete(path)
    components = the_api.get_openapi_schema()["components"]["schemas"]
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        fields = example(content["multipart/form-data"]["schema"], components)
        files = {k: _file(v) for k, v in fields.items() if isinstance(v, bytes)}
        return api.upload(path, files, {k: v for k, v in fields.items() if not isinstance(v, bytes)})
    body = example(content["application/json"]["schema"], components) if "application/json" in content else {}
    return api.send(method, path, body)


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("sweep.pdf", data, content_type="application/pdf")


def _fill(path: str, slug: str, ids: dict) -> str:
    path = path.replace("{slug}", slug)
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def _assert_404(response, where: str) -> None:
    assert response.status_code == 404, (where, response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json", where


def test_the_sweep_covers_every_route_of_the_document():
    operations = _operations()
    params = {p for _, path, _ in operations for p in re.findall(r"\{(\w+)\}", path)}
    assert params <= ID_PARAMS | {"slug"}, f"a path names an id the sweep cannot fill: {params - ID_PARAMS}"
    assert len(operations) >= 40
    assert {"GET", "POST", "PATCH", "DELETE"} <= {m for m, _, _ in operations}


def test_another_organisation_s_slug_answers_404_on_every_route(world, alice, org_a):
    mine, theirs = world
    api = Api(make_token(alice, org_a))
    for method, path, operation in _operations():
        if "{slug}" not in path:
            continue
        for ids in (theirs, mine):
            url = _fill(path, "org-b", ids)
            _assert_404(_call(api, method, url, operation), f"{method} {BASE}{url}")


def test_each_of_another_organisation_s_ids_answers_404_under_our_slug(world, alice, org_a):
    mine, theirs = world
    api = Api(make_token(alice, org_a))
    swept = 0
    for method, path, operation in _operations():
        for name in re.findall(r"\{(\w+)\}", path):
            if name == "slug":
                continue
            url = _fill(path, "org-a", {**mine, name: theirs[name]})
            _assert_404(_call(api, method, url, operation), f"{method} {BASE}{url} with B's {name}")
            swept += 1
    assert swept >= 40


def test_missing_ids_answer_404_as_another_organisation_s_do(world, alice, org_a):
    mine, _ = world
    api = Api(make_token(alice, org_a))
    for method, path, operation in _operations():
        for name in re.findall(r"\{(\w+)\}", path):
            if name != "slug":
                url = _fill(path, "org-a", {**mine, name: 2_000_000_000})
                _assert_404(_call(api, method, url, operation), f"{method} {BASE}{url} with no such {name}")


def test_another_organisation_s_ids_in_a_body_answer_as_missing_ones_do(world, alice, org_a, org_b):
    """Ids given in a request's body (a document to link, an owner, a finding, a baseline, a
    provider) are looked for in the token's organisation only: organisation B's answer exactly as
    an id that does not exist, and change nothing."""
    from secassure.audit.models import Event
    from secassure.profile.actions import add_provider
    from secassure.review.models import RemediationAction

    mine, theirs = world
    theirs_provider = add_provider(org_b, name="B's host", by=None).pk
    bobs_owner = org_b.memberships.get(user__email="mallory@b.test").user_id
    api = Api(make_token(alice, org_a))
    a = f"/organisations/org-a/assessments/{mine['assessment_id']}"
    row = api.get(f"{a}/rows/{mine['row_id']}").json()
    cases = {
        "link": ("POST", f"{a}/links", lambda i: {"row_id": mine["row_id"], "document_id": i}, theirs["document_id"]),
        "row owner": ("PATCH", f"{a}/rows/{mine['row_id']}", lambda i: {"revision": row["revision"], "owner_id": i},
                      bobs_owner),
        "baseline": ("POST", "/organisations/org-a/assessments", lambda i: {"kind": "ssa", "baseline_id": i},
                     theirs["assessment_id"]),
        "provider": ("POST", "/organisations/org-a/documents",
                     lambda i: {"title": "Hosting", "doc_type": "policy", "provider_id": i}, theirs_provider),
        "action finding": ("POST", f"{a}/remediation/actions",
                           lambda i: {"description": "Fix", "target_date": "2027-06-30", "finding_id": i},
                           theirs["finding_id"]),
    }
    for what, (method, path, body, their_id) in cases.items():
        events = Event.objects.count()
        actions = RemediationAction.objects.count()
        theirs_answer = api.send(method, path, body(their_id))
        missing_answer = api.send(method, path, body(2_000_000_000))
        assert theirs_answer.status_code >= 400, (what, theirs_answer.content)
        said = theirs_answer.json()["detail"].replace(str(their_id), "ID")
        assert (theirs_answer.status_code, said) == (
            missing_answer.status_code, missing_answer.json()["detail"].replace("2000000000", "ID")), what
        assert Event.objects.count() == events and RemediationAction.objects.count() == actions, what
