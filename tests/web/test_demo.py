"""secassure demo: the catalogue and the story of two organisations; running it again changes nothing,
and everyone in the story can sign in."""

import datetime as dt
import itertools
import re
from pathlib import Path

from django.utils import timezone

from secassure.assessments.models import Assessment
from secassure.assessments.services import suggestions
from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.catalogue.models import FrameworkVersion
from secassure.evidence.models import Acceptance, Document, DocumentVersion
from secassure.evidence.services import register_rows
from secassure.review.models import Finding, Outcome, QueryMessage, RemediationAction
from secassure.tenancy.models import Membership, Organisation
from secassure.web.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_PEOPLE

README = Path(__file__).resolve().parents[2] / "README.md"
MORGAN = "morgan@cio.demo.secassure.test"


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
    assert first.json()["created"] == ["Demo Energy Supply Ltd", "Demo Northern Networks plc",
                                       "Demo Orbit Insights Ltd"]
    events = Event.objects.count()
    # ISO/IEC 27001, SEC Section G and SEC Section I; the supplier, the network and the Other User
    assert FrameworkVersion.objects.count() == 3 and Organisation.objects.count() == 3
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

    # Demo Energy: a supplier in year 3 whose VUSA baseline the User CIO conducted: an evidence
    # request answered from the register, a result on every obligation with the evidence examined,
    # and one potential non-compliance in the report ...
    vusa, ssa = Assessment.objects.filter(organisation=energy).order_by("pk")
    report = vusa.cio_reports.get()
    assert (vusa.kind, report.issued_by.email) == ("vusa", MORGAN)
    request = vusa.queries.get()
    assert (request.purpose, request.status, request.raised_by.email) == ("evidence", "closed", MORGAN)
    assert request.messages.get(side="user").document.title == "Penetration Test Report"
    assert vusa.cio_results.count() == vusa.rows.count()
    assert all(result.examined.exists() for result in vusa.cio_results.all())
    assert [(r["ref"], r["result"]) for r in report.results if r["result"] != "compliant"] == [("G4.4", "potential")]
    # ... put right before the User's response went, by the SSC's date, so the VUSA is closed with no
    # remediation plan and no SSC decision of the self-assessment kind.
    finding = vusa.findings.get()
    assert (finding.source, finding.clause, finding.kind, finding.status) == ("cio-report", "G4.4", "potential",
                                                                              "closed")
    assert (finding.responded_by.email, finding.response_approved_by.email) == (
        "ravi@energy.demo.secassure.test", "dana@energy.demo.secassure.test")
    assert [d.title for d in finding.evidence.all()] == ["Head-end Console Leaver Review"]
    assert report.response_sent_on < report.response_due == finding.response_due
    assert vusa.status == "closed"
    assert not vusa.remediation_plans.exists() and not Outcome.objects.filter(assessment=vusa).exists()
    # ... whose CIO fieldwork is recorded, so this year's assessment falls due 12 months after it.
    from secassure.dates import add_months
    from secassure.profile.services import plan_for

    year3 = plan_for(energy).years[2]
    assert vusa.fieldwork_start < vusa.fieldwork_end < ssa.created_at.date()
    assert (year3.due_basis, year3.due_from.pk) == ("recorded-fieldwork", vusa.pk)
    assert year3.due_by == add_months(vusa.fieldwork_end, 12)
    assert vusa.links.filter(version__isnull=False).count() == vusa.rows.count()
    # ... an SRP-hosted User System with provider-maintained documents, one acceptance lapsed ...
    system = energy.user_systems.get()
    assert system.hosting == "srp-hosted" and system.srp_provider.kind == "srp"
    # ... the one record of the Shared Resource Provider: the arrangement and the documents' provider ...
    assert energy.providers.get() == system.srp_provider and system.srp_provider.documents.count() == 2
    assert energy.is_live_dcc_user(timezone.localdate())
    assert _freshness(energy) == {
        "Information Security Policy": "current", "Access Control Procedure": "current",
        "Risk Assessment Methodology": "current", "Penetration Test Report": "current",
        "Northgate Hosting Security Statement": "acceptance-lapsed", "Northgate Penetration Test Summary": "current",
        "Head-end Console Leaver Review": "current"}
    assert Document.objects.filter(organisation=energy, provider__isnull=False).count() == 2
    # ... a change log with one material increase ...
    assert (ssa.kind, ssa.cycle_year, ssa.baseline) == ("ssa", 3, vusa)
    assert ssa.changes.count() == 2 and ssa.decision == "material"
    assert [s.kind for s in suggestions(ssa)] == ["rose"]
    # ... and the self-assessment in CIO review, with queries and comments.
    assert ssa.status == "cio-review"
    assert sorted(ssa.queries.values_list("status", flat=True)) == ["answered", "open"]
    assert ssa.cio_comments.count() == 2

    # Demo Northern Networks: the User CIO's report on its VUSA found two non-compliances; each was
    # answered and signed off, and sending the response with them still open opened the plan, which
    # is under way.
    old, current = Assessment.objects.filter(organisation=networks).order_by("pk")
    report = old.cio_reports.get()
    assert (old.status, report.issued_by.email) == ("actions-requested", MORGAN)
    assert not Outcome.objects.filter(assessment=old).exists()
    assert [(f.clause, f.kind, f.source, f.responded_by.email, f.response_approved_by.email)
            for f in old.findings.order_by("clause")] == [
        ("G3.6", "actual", "cio-report", "kofi@networks.demo.secassure.test", "helen@networks.demo.secassure.test"),
        ("G4.4", "potential", "cio-report", "kofi@networks.demo.secassure.test", "helen@networks.demo.secassure.test")]
    assert not Finding.objects.filter(organisation=networks).exclude(assessment=old).exists()
    assert report.response_sent_on <= report.response_due
    plan = old.remediation_plans.get()
    assert {a.finding.clause for a in plan.actions.select_related("finding")} == {"G3.6", "G4.4"}
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

    # The story's own steps have left notifications: Morgan one for each assessment shared with him,
    # Dana and Helen those that asked for their sign-off; each leads to the assessment.
    from secassure.inbox.models import Notification
    from secassure.review.models import Share

    shared = Notification.objects.filter(recipient__email=MORGAN, kind="shared")
    assert sorted(shared.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in Share.objects.filter(reviewer__email=MORGAN).values_list("assessment_id", flat=True))
    # (Dana signs off the self-assessment; Helen signs off each answer to the CIO's findings.)
    for director, kind in (("dana@energy.demo.secassure.test", "sign-off"),
                           ("helen@networks.demo.secassure.test", "response-to-approve")):
        asked = Notification.objects.filter(recipient__email=director, kind=kind)
        assert asked.exists(), director
        assert all(n.url.startswith(f"/orgs/{n.organisation.slug}/") for n in asked)
    assert not Notification.objects.filter(recipient__email=MORGAN, kind="sign-off").exists()


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


# --- the story's timeline ---------------------------------------------------------------------------

# Dates that look ahead by their nature: a review or an action's target can fall after today.
LOOKS_AHEAD = {"next_review", "valid_until", "target_date", "expires_at"}
# The shipped catalogue and rules carry the dates their publishers gave them, not the story's.
SHIPPED = {"catalogue", "profile.ruleset"}


def _day(value):
    """A recorded moment as the day the pages show it on; a date stays as it is."""
    from django.utils import timezone

    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


def _in_order(steps: list[tuple[str, object]]) -> None:
    """Each step of the story happened on a later day than the one before it."""
    for (before, first), (after, second) in itertools.pairwise(steps):
        assert _day(first) < _day(second), f"{before} ({_day(first)}) is not before {after} ({_day(second)})"


def _history_holds(assessment) -> None:
    """The status history on the details page reads forwards from the assessment's creation."""
    moments = [assessment.created_at, *assessment.status_changes.order_by("pk").values_list("at", flat=True)]
    assert moments == sorted(moments), assessment.title


def _review_steps(assessment, name: str) -> list[tuple[str, object]]:
    """Submitted, shared with the CIO, then the CIO's queries, replies and comments as they came."""
    steps = [(f"{name} created", assessment.created_at), (f"{name} submitted", assessment.submitted_at),
             (f"{name} shared with the CIO", assessment.shares.get().shared_at)]
    said = [("a query raised", q.raised_at) for q in assessment.queries.all()]
    said += [("the User's reply", m.created_at)
             for m in QueryMessage.objects.filter(query__assessment=assessment, side="user")]
    said += [("a query closed", q.closed_at) for q in assessment.queries.all() if q.closed_at]
    said += [("a comment written", c.created_at) for c in assessment.cio_comments.all()]
    return steps + sorted(said, key=lambda step: step[1])


def _fieldwork_steps(assessment, name: str) -> list[tuple[str, object]]:
    """Shared with the CIO, who conducts it: the fieldwork on its recorded dates, the CIO's results and
    report, then the User's responses to the findings, signed off, and the response sent."""
    report = assessment.cio_reports.get()
    findings = list(assessment.findings.all())
    return [(f"{name} created", assessment.created_at),
            (f"{name} shared with the CIO", assessment.shares.get().shared_at),
            ("the fieldwork's start", assessment.fieldwork_start), ("the fieldwork's end", assessment.fieldwork_end),
            ("the CIO's last result", max(r.recorded_at for r in assessment.cio_results.all())),
            ("the report issued", report.issued_at),
            ("the management responses", max(f.responded_at for f in findings)),
            ("the responses signed off", max(f.response_approved_at for f in findings)),
            ("the response sent", report.response_sent_on)]


def _documents_hold(org, today) -> None:
    versions = DocumentVersion.objects.filter(document__organisation=org).select_related("document")
    for version in versions:
        what = f"{version.document.title} v{version.number}"
        assert version.effective_date < today, f"{what} is effective {version.effective_date}"
        assert version.effective_date <= _day(version.uploaded_at), f"{what} took effect after it was uploaded"
        assert version.uploaded_at > org.created_at, f"{what} was uploaded before {org.name} began"
    for acceptance in Acceptance.objects.filter(document__organisation=org).select_related("version"):
        assert _day(acceptance.version.uploaded_at) < _day(acceptance.accepted_at), acceptance.document.title
    policy = Document.objects.get(organisation=org, title="Information Security Policy")
    first = policy.versions.get(number=1)
    assert first.effective_date < today - dt.timedelta(days=365), "the policy was approved over a year ago"


def test_the_story_happens_in_order_and_before_today(cli):
    from django.apps import apps
    from django.db import models
    from django.utils import timezone

    assert cli("demo", "--force").exit_code == 0
    now, today = timezone.now(), timezone.localdate()
    assert abs(now - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5), "the loader left the clock moved"
    energy, networks = Organisation.objects.get(slug="demo-energy"), Organisation.objects.get(slug="demo-networks")

    # Demo Energy: the FUSA, the VUSA the CIO conducted and the User's response, then year 3.
    vusa, ssa = Assessment.objects.filter(organisation=energy).order_by("pk")
    policy = Document.objects.get(organisation=energy, title="Information Security Policy")
    statement = Document.objects.get(organisation=energy, title="Northgate Hosting Security Statement")
    review_record = Document.objects.get(organisation=energy, title="Head-end Console Leaver Review")
    request = vusa.queries.get()
    steps = _fieldwork_steps(vusa, "the VUSA")
    _in_order([("the cycle start", energy.cycle_start), ("Demo Energy began", energy.created_at), *steps[:3],
               ("the evidence requested", request.raised_at),
               ("the User's evidence", request.messages.get(side="user").created_at), steps[3],
               ("the request closed", request.closed_at), *steps[4:-1],
               ("the leaver review uploaded", review_record.versions.get().uploaded_at), steps[-1],
               ("the SSC's date for the response", vusa.cio_reports.get().response_due),
               ("the policy reviewed", policy.versions.get(number=2).uploaded_at),
               ("Northgate's new statement", statement.versions.get(number=2).uploaded_at),
               *_review_steps(ssa, "the self-assessment"), ("today", today)])
    assert vusa.links.filter(document=policy).values_list("version__number", flat=True).distinct().get() == 1
    assert ssa.links.filter(document=policy).values_list("version__number", flat=True).distinct().get() == 2

    # Demo Northern Networks: the VUSA the CIO conducted, the User's response, which opened the plan,
    # the plan signed and sent, work done, year 3.
    old, current = Assessment.objects.filter(organisation=networks).order_by("pk")
    plan = old.remediation_plans.get()
    findings = list(Finding.objects.filter(organisation=networks))
    done = RemediationAction.objects.get(plan=plan, status="done")
    assert _day(max(f.created_at for f in findings)) == _day(old.cio_reports.get().issued_at)
    assert _day(plan.created_at) == old.cio_reports.get().response_sent_on
    _in_order([("the cycle start", networks.cycle_start), ("Demo Northern Networks began", networks.created_at),
               *_fieldwork_steps(old, "the VUSA"),
               ("the SSC's date for the response", old.cio_reports.get().response_due),
               ("the director's letter signed", plan.letters.get().signed_on), ("the plan sent", plan.sent_on),
               ("an action done", done.closed_at), ("the self-assessment created", current.created_at),
               ("today", today)])
    assert _day(done.closed_at) <= done.target_date
    overdue = RemediationAction.objects.filter(plan=plan, status="planned", target_date__lt=today)
    assert overdue.count() == 1

    for org in (energy, networks):
        _documents_hold(org, today)
        for assessment in Assessment.objects.filter(organisation=org):
            _history_holds(assessment)

    # Nothing anywhere is recorded after today, but for the dates that look ahead.
    for model in apps.get_models():
        if not model.__module__.startswith("secassure.") or {model._meta.app_label, model._meta.label_lower} & SHIPPED:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField):
                later = model.objects.filter(**{f"{field.name}__gt": now})
            elif isinstance(field, models.DateField) and field.name not in LOOKS_AHEAD:
                later = model.objects.filter(**{f"{field.name}__gt": today})
            else:
                continue
            assert not later.exists(), f"{model._meta.label}.{field.name} is after today"
    assert not DocumentVersion.objects.filter(effective_date=today).exists()
    assert verify().ok
