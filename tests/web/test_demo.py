"""secassure demo: the catalogue, one organisation and a login; running it again changes nothing."""

from secassure.assessments.models import Assessment
from secassure.assessments.services import suggestions
from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.catalogue.models import FrameworkVersion
from secassure.tenancy.models import Organisation
from secassure.web.demo import DEMO_EMAIL, DEMO_PASSWORD


def test_demo_is_idempotent_and_its_login_works(cli, client, settings):
    refused = cli("demo")
    assert refused.exit_code == 1 and "published password" in refused.stderr
    assert Event.objects.count() == 0
    first = cli("demo", "--force", "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json()["login"] == {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    events = Event.objects.count()
    assert FrameworkVersion.objects.count() == 2 and Organisation.objects.count() == 1
    # The story: last year's VUSA submitted, this year's VUSA carried forward from it, and a register
    # that now suggests a material increase.
    vusa, year3 = Assessment.objects.order_by("pk")
    assert vusa.status == "closed" and vusa.outcome.decision == "satisfactory" and vusa.cio_comments.count() == 1
    assert vusa.links.filter(version__isnull=False).count() == vusa.rows.count()
    assert year3.baseline == vusa and year3.rows.filter(confirmed=False).count() == year3.rows.count()
    assert {s.kind for s in suggestions(year3)} == {"rose", "new-high"} and year3.changes.count() == 2
    second = cli("demo", "--force")
    assert second.exit_code == 0
    assert f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}" in second.stdout
    assert Event.objects.count() == events
    assert verify().ok
    response = client.post("/accounts/login/", {"login": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    # The demo login is an Owner and an administrator: until an authenticator app is set up,
    # every page leads to the set-up page (make run switches the requirement off).
    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"
    settings.SECASSURE_REQUIRE_MFA = False
    home = client.get("/")
    assert b"Demo Energy Supply Ltd" in home.content and b"SEC Section G" in home.content


def test_a_wrong_password_is_refused_with_a_clear_message(client, db):
    response = client.post("/accounts/login/", {"login": "nobody@x.test", "password": "nope"})
    assert response.status_code == 200
    assert b"The email address and/or password you specified are not correct." in response.content
