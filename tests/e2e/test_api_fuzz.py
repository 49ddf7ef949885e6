"""The JSON API fuzzed: schemathesis reads the OpenAPI document from the app served with the demo
story and sends each operation generated requests, valid and malformed, with a demo Owner's token.
It fails on any 5xx answer, and on any answer the document does not describe (its status, content
type or body). It acts as a Contributor of Demo Northern Networks, whose self-assessment is being
prepared, so that generated writes reach the rows, answers and links rather than stopping at a
closed assessment's refusal."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def _schemathesis() -> str | None:
    beside = Path(sys.executable).with_name("schemathesis")
    return str(beside) if beside.exists() else shutil.which("schemathesis")


def _known_ids(slug: str) -> dict[str, int]:
    """An object of each kind in the demo organisation, so that generated requests reach the API's
    logic rather than stopping at 404 for an id that does not exist."""
    from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, Risk, ValidationRow
    from secassure.evidence.models import Document, DocumentVersion
    from secassure.review.models import Comment, Finding, RemediationAction, ReviewQuery

    mine = {"organisation__slug": slug}
    open_one = Assessment.objects.filter(**mine, status="preparation").order_by("pk").first()
    assert open_one is not None, "the demo has a self-assessment in preparation"
    found = {
        "assessment_id": open_one,
        "row_id": ValidationRow.objects.filter(assessment=open_one).order_by("pk").first(),
        "answer_id": QuestionAnswer.objects.filter(assessment=open_one).order_by("pk").first(),
        "link_id": EvidenceLink.objects.filter(assessment=open_one).order_by("pk").first(),
        "document_id": Document.objects.filter(**mine).order_by("pk").first(),
        "version_id": DocumentVersion.objects.filter(document__organisation__slug=slug).order_by("pk").first(),
        "risk_id": Risk.objects.filter(**mine).order_by("pk").first(),
        "query_id": ReviewQuery.objects.filter(assessment__organisation__slug=slug).order_by("pk").first(),
        "comment_id": Comment.objects.filter(assessment__organisation__slug=slug).order_by("pk").first(),
        "finding_id": Finding.objects.filter(**mine).order_by("pk").first(),
        "action_id": RemediationAction.objects.filter(plan__organisation__slug=slug).order_by("pk").first(),
    }
    return {name: obj.pk for name, obj in found.items() if obj is not None}


def test_the_api_survives_fuzzing_and_keeps_to_its_document(demo, cli, settings, tmp_path):
    program = _schemathesis()
    if program is None:
        pytest.fail("schemathesis is not installed: make test installs it with the test dependencies")
    settings.SECASSURE_API_RATE = "1000000/m"  # the fuzzer is one fast client: measure the API, not its throttle
    made = cli("token", "create", "kofi@networks.demo.secassure.test", "--org", "demo-networks", "--name", "fuzzing",
               "--json")
    assert made.exit_code == 0, made.stderr
    token = json.loads(made.stdout)["token"]
    known = {"slug": "demo-networks", **_known_ids("demo-networks")}
    assert len(known) >= 8, known
    (tmp_path / "schemathesis.toml").write_text(
        "[parameters]\n" + "".join(f'"path.{name}" = {json.dumps(value)}\n' for name, value in known.items()))
    run = subprocess.run(
        [program, "run", f"{demo}/api/v1/openapi.json", "--header", f"Authorization: Bearer {token}",
         "--checks", CHECKS, "--max-examples", os.environ.get("SECASSURE_FUZZ_EXAMPLES", "10"), "--seed", "20261204",
         "--phases", "examples,coverage,fuzzing", "--workers", "1", "--generation-database", "none",
         "--request-timeout", "30", "--no-color", "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=900, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert "operations" in run.stdout.lower() or "api operations" in run.stdout.lower(), run.stdout[-3000:]
