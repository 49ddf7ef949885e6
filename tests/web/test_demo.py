"""secassure demo: the catalogue and the story of two organisations; running it again changes nothing,
and everyone in the story can sign in."""

import re
from pathlib import Path

from secassure.assessments.models import Assessment
from secassure.assessments.services import suggestions
from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.catalogue.models import FrameworkVersion
from secassure.evidence.models import Document
from secassure.evidence.services import register_rows
from secassure.review.models import RemediationAction
from secassure.tenancy.models import Membership, Organisation
from secassure.web.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_PEOPLE

README = Path(__file__).resolve().parents[2] / "README.md"


def _freshness(org):
    from django.utils import timezone

    return {d.title: f.state for d, f in register_rows(Document.objects.filter(organisation=org),
                                                        timezone.localdate())}


def test_demo_is_idempotent_and_its_login_works(cli, client, settings):
    refused = cli("demo")
    assert refused.exit_code == 1 and "published password" in refused.stderr
    assert Event.objects.count() == 0
    first = cli("demo", "--force", "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json()["login"] == {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    assert first.json()["created"] == ["Demo Energy Supply Ltd", "Demo Northern Networks plc"]
    events = Event.objects.count()
    assert FrameworkVersion.objects.count() == 2 and Organisation.objects.count() == 2
    second = cli("demo", "--force")
    assert second.exit_code == 0
    assert f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}" in second.stdout
    assert "Demo organisation created" not in second.stdout
    assert Event.objects.count() == events
    assert verify().ok
    response = client.post("/accounts/login/", {"login": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    # The demo login is an Owner and an administrator: until an authenticator app is set up,
    # every page leads to the set-up page (make run switches the requirement off).
    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"
    settings.SECASSURE_REQUIRE_MFA = False
    home = client.get("/")
    assert b"Demo Energy Supply Ltd" in home.content and b"Demo Northern Networks plc" in home.content


def test_the_demo_tells_the_story(cli):
    assert cli("demo", "--force").exit_code == 0
    energy, networks = Organisation.objects.get(slug="demo-energy"), Organisation.objects.get(slug="demo-networks")

    # Demo Energy: a supplier in year 3 with a VUSA baseline found satisfactory ...
    vusa, ssa = Assessment.objects.filter(organisation=energy).order_by("pk")
    assert (vusa.kind, vusa.status, vusa.outcome.decision) == ("vusa", "closed", "satisfactory")
    assert vusa.links.filter(version__isnull=False).count() == vusa.rows.count()
    # ... an SRP-hosted User System with provider-maintained documents, one acceptance lapsed ...
    system = energy.user_systems.get()
    assert system.hosting == "srp-hosted" and system.srp_arrangement is not None
    assert _freshness(energy) == {
        "Information Security Policy": "current", "Access Control Procedure": "current",
        "Risk Assessment Methodology": "current", "Penetration Test Report": "current",
        "Northgate Hosting Security Statement": "acceptance-lapsed", "Northgate Penetration Test Summary": "current"}
    assert Document.objects.filter(organisation=energy, provider__isnull=False).count() == 2
    # ... a change log with one material increase ...
    assert (ssa.kind, ssa.cycle_year, ssa.baseline) == ("ssa", 3, vusa)
    assert ssa.changes.count() == 2 and ssa.decision == "material"
    assert [s.kind for s in suggestions(ssa)] == ["rose"]
    # ... and the self-assessment in CIO review, with queries and comments.
    assert ssa.status == "cio-review"
    assert sorted(ssa.queries.values_list("status", flat=True)) == ["answered", "open"]
    assert ssa.cio_comments.count() == 2

    # Demo Northern Networks: the SSC asked for actions, and the plan is under way.
    old, current = Assessment.objects.filter(organisation=networks).order_by("pk")
    assert (old.status, old.outcome.decision) == ("actions-requested", "actions")
    plan = old.remediation_plans.get()
    assert plan.status == "sent" and plan.letters.count() == 1
    assert sorted(RemediationAction.objects.filter(plan=plan).values_list("status", flat=True)) == [
        "done", "planned", "planned"]
    assert _freshness(networks)["Business Continuity Plan"] == "review-due"
    # Its self-assessment waits for three rows and a question to be confirmed, then checks and sign-off.
    assert (current.kind, current.status, current.baseline) == ("ssa", "preparation", old)
    assert current.rows.filter(confirmed=False).count() == 3
    assert current.answers.filter(confirmed=False).count() == 1
    assert not current.rows.filter(confirmed=True, checked_by__isnull=True).exists()

    # A consultant sees both; everyone in the story belongs where the story says.
    for person in DEMO_PEOPLE:
        roles = set(Membership.objects.filter(user__email=person.email)
                    .values_list("organisation__slug", "role"))
        assert roles == set(person.roles), person.email


def test_everyone_in_the_story_signs_in_with_the_published_password(cli, client, settings):
    settings.SECASSURE_REQUIRE_MFA = False
    assert cli("demo", "--force").exit_code == 0
    for person in DEMO_PEOPLE:
        client.logout()
        response = client.post("/accounts/login/", {"login": person.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, person.email


def test_the_readme_names_every_demo_login():
    """A newcomer has only the README: it names each person of the story and the password."""
    text = README.read_text()
    assert f"`{DEMO_PASSWORD}`" in text
    for person in DEMO_PEOPLE:
        assert re.search(rf"`{re.escape(person.email)}`", text), person.email


def test_a_wrong_password_is_refused_with_a_clear_message(client, db):
    response = client.post("/accounts/login/", {"login": "nobody@x.test", "password": "nope"})
    assert response.status_code == 200
    assert b"The email address and/or password you specified are not correct." in response.content
