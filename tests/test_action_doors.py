"""Every action checks who acts before it writes, with the rule its page applies: called directly,
as the page would call it, a role the page turns away is refused, as is a member of another
organisation, and nothing is written, not even an audit event. Every action that writes an audit
event names who acts in the same way, ``by``."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

import secassure
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.profile import actions as profile
from secassure.tenancy import actions as tenancy
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Invitation, Membership
from tests.assessments import helpers
from tests.evidence import files
from tests.personas import join, make_user, persona


def _everything() -> dict:
    """Every row of the tables these actions write (people, organisations, the profile, evidence,
    the audit log) and every stored file: what a refused action must leave as it was."""
    from django.apps import apps

    written = {"django.contrib.auth", "allauth.account", "secassure.audit", "secassure.tenancy", "secassure.profile",
               "secassure.evidence"}
    rows = {}
    for config in apps.get_app_configs():
        if config.name in written:
            for model in config.get_models(include_auto_created=True):
                rows[model._meta.label] = list(model.objects.order_by("pk").values())
    rows["stored files"] = sorted(str(p) for p in Path(settings.SECASSURE_BLOB_DIR).rglob("*"))
    return rows


def _refused(run: Callable, by, match: str = "does not allow this") -> None:
    events, before = Event.objects.count(), _everything()
    with pytest.raises(ActionError, match=match):
        run(by)
    assert Event.objects.count() == events, "the refused action added an audit event"
    assert _everything() == before, "the refused action wrote something"


# --- what each action needs, set up by the operator, and the call a page would make ---------------


def _add_document(org, tmp_path):
    return lambda by: evidence.add_document(org, by=by, title="Access Control Policy", doc_type="policy")


def _add_version(org, tmp_path):
    document = evidence.add_document(org, by=None, title="Access Control Policy", doc_type="policy")
    return lambda by: evidence.add_version(document, by=by, chunks=[files.PDF], name="policy.pdf")


def _add_provider(org, tmp_path):
    return lambda by: profile.add_provider(org, by=by, name="Northgate SRS", kind="srp")


def _update_provider(org, tmp_path):
    host = profile.add_provider(org, by=None, name="Northgate SRS", kind="srp")
    return lambda by: profile.update_provider(host, {"relationship_end": dt.date(2025, 12, 31)}, by=by)


def _accept(org, tmp_path):
    host = profile.add_provider(org, by=None, name="Northgate SRS", kind="srp")
    statement = evidence.add_document(org, by=None, title="Hosting statement", doc_type="standard", provider=host)
    evidence.add_version(statement, by=None, chunks=[files.PDF], name="statement.pdf")
    return lambda by: evidence.accept(statement, by=by, basis="Read against G3 and G5")


def _assign_provider_member(org, tmp_path):
    host = profile.add_provider(org, by=None, name="Northgate SRS", kind="srp")
    membership = join(make_user("pat@northgate.test"), org, MemberRole.PROVIDER)
    return lambda by: evidence.assign_provider_member(host, membership, by=by)


def _link_obligations(org, tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.write_text(text)
        return path

    obligation = helpers.load_text(write, helpers.numbered(1, "doors.1"), "doors.yaml").obligations.get()
    document = evidence.add_document(org, by=None, title="Monitoring procedure", doc_type="procedure")
    return lambda by: evidence.link_obligations(document, [obligation], by=by)


def _move_document(org, tmp_path):
    document = evidence.add_document(org, by=None, title="Access Control Policy", doc_type="policy")
    return lambda by: evidence.move_document(document, "in-review", by=by, reason="Annual review")


def _add_snapshot(org, tmp_path):
    import datetime as dt

    return lambda by: profile.add_snapshot(org, by=by, as_of=dt.date(2025, 6, 1), domestic=10, non_domestic=1)


def _add_role(org, tmp_path):
    return lambda by: profile.add_role(org, "import-supplier", by=by, user_ids=["90-B3-D5-1F-30-00-00-01"])


def _remove_role_holding(org, tmp_path):
    holding = profile.add_role(org, "import-supplier", by=None)
    return lambda by: profile.remove_role_holding(holding, by=by)


def _remove_role(org, tmp_path):
    profile.add_role(org, "import-supplier", by=None)
    return lambda by: profile.remove_role(org, "import-supplier", by=by)


def _add_user_system(org, tmp_path):
    return lambda by: profile.add_user_system(org, by=by, name="Head-end integration", kind="primary",
                                              hosting="bespoke")


def _update_organisation(org, tmp_path):
    return lambda by: profile.update_organisation(org, {"sec_party_id": "CHANGED-1"}, by=by)


def _record_advice(org, tmp_path):
    import datetime as dt

    return lambda by: profile.record_advice(org, by=by, year=2, kind="vusa", advised_on=dt.date(2025, 11, 3),
                                            reference="SECAS-ADV-1")


def _record_system_decision(org, tmp_path):
    import datetime as dt

    from secassure.profile.models import UserSystem

    system = UserSystem.objects.create(organisation=org, name="Second head-end", kind="further",
                                       ssc_notified_on=dt.date(2025, 10, 1))
    return lambda by: profile.record_system_decision(system, by=by, decision="ad-hoc", decided_on=dt.date(2025, 11, 3))


def _add_member(org, tmp_path):
    newcomer = make_user("newcomer@a.test")
    return lambda by: tenancy.add_member(org, newcomer, MemberRole.OBSERVER, by=by)


def _change_role(org, tmp_path):
    membership = join(make_user("pat@a.test"), org, MemberRole.OBSERVER)
    return lambda by: tenancy.change_role(membership, MemberRole.CONTRIBUTOR, by=by)


def _remove_member(org, tmp_path):
    membership = join(make_user("pat@a.test"), org, MemberRole.OBSERVER)
    return lambda by: tenancy.remove_member(membership, by=by)


def _invite(org, tmp_path):
    return lambda by: tenancy.invite(org, "newcomer@a.test", MemberRole.OBSERVER, by=by)


def _revoke_invitation(org, tmp_path):
    invitation, _ = tenancy.invite(org, "pending@a.test", MemberRole.OBSERVER, by=None)
    return lambda by: tenancy.revoke_invitation(invitation, by=by)


@dataclass(frozen=True)
class Rule:
    """An action and the roles whose page lets them do it."""

    prepare: Callable  # prepare(org, tmp_path) makes what the action needs and gives back run(by)
    allowed: tuple[str, ...]

    @property
    def action(self) -> str:
        return self.prepare.__name__.lstrip("_")

    @property
    def refused(self) -> tuple[str, ...]:
        return tuple(role for role in MemberRole.values if role not in self.allowed)


OWNER, CONTRIBUTOR, APPROVER = MemberRole.OWNER, MemberRole.CONTRIBUTOR, MemberRole.APPROVER
UPLOADERS = (OWNER, CONTRIBUTOR)  # who adds documents, versions, links and moves on the register
RULES = [
    Rule(_add_document, UPLOADERS),
    Rule(_add_version, UPLOADERS),  # and a Provider linked to the document's provider: see below
    Rule(_add_provider, (OWNER,)),
    Rule(_update_provider, (OWNER,)),
    Rule(_accept, (OWNER, APPROVER)),
    Rule(_assign_provider_member, (OWNER,)),
    Rule(_link_obligations, UPLOADERS),
    Rule(_move_document, UPLOADERS),
    Rule(_add_snapshot, (OWNER, CONTRIBUTOR)),
    Rule(_add_role, (OWNER,)),
    Rule(_remove_role_holding, (OWNER,)),
    Rule(_remove_role, (OWNER,)),
    Rule(_add_user_system, (OWNER,)),
    Rule(_update_organisation, (OWNER,)),
    Rule(_record_advice, (OWNER,)),
    Rule(_record_system_decision, (OWNER,)),
    Rule(_add_member, (OWNER,)),
    Rule(_change_role, (OWNER,)),
    Rule(_remove_member, (OWNER,)),
    Rule(_invite, (OWNER,)),
    Rule(_revoke_invitation, (OWNER,)),
]


def _member(org, role: str):
    return join(make_user(f"{role}@{org.slug}.test"), org, role).user


@pytest.mark.parametrize(("rule", "role"), [(rule, role) for rule in RULES for role in rule.refused],
                         ids=lambda value: value.action if isinstance(value, Rule) else str(value))
def test_a_role_the_page_turns_away_is_refused_before_anything_is_written(rule, role, org_a, tmp_path):
    run = rule.prepare(org_a, tmp_path)
    _refused(run, _member(org_a, role))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.action)
def test_a_member_of_another_organisation_is_refused(rule, org_a, org_b, tmp_path):
    run = rule.prepare(org_a, tmp_path)
    _refused(run, _member(org_b, OWNER))  # an Owner there, who may do all of this in their own


@pytest.mark.parametrize(("rule", "role"), [(rule, role) for rule in RULES for role in rule.allowed],
                         ids=lambda value: value.action if isinstance(value, Rule) else str(value))
def test_a_role_the_page_lets_in_may(rule, role, org_a, tmp_path):
    run = rule.prepare(org_a, tmp_path)
    events = Event.objects.count()
    run(_member(org_a, role))
    assert Event.objects.count() > events


def test_a_provider_adds_versions_only_to_the_documents_of_the_provider_they_work_for(org_a):
    host = profile.add_provider(org_a, by=None, name="Northgate SRS", kind="srp")
    other = profile.add_provider(org_a, by=None, name="Other Host", kind="hosting")
    theirs = evidence.add_document(org_a, by=None, title="Hosting statement", doc_type="standard", provider=host)
    elsewhere = evidence.add_document(org_a, by=None, title="Other statement", doc_type="standard", provider=other)
    ours = evidence.add_document(org_a, by=None, title="Board minutes", doc_type="record")
    engineer = persona("engineer", org_a)
    evidence.assign_provider_member(host, engineer.membership, by=None)
    for document in (elsewhere, ours):
        _refused(lambda by, document=document: evidence.add_version(document, by=by, chunks=[files.PDF],
                                                                     name="statement.pdf"), engineer)
    version = evidence.add_version(theirs, by=engineer, chunks=[files.PDF], name="statement.pdf")
    assert version.uploaded_by == engineer


def test_an_import_keeps_its_file_for_a_member_whatever_their_role_and_for_nobody_else(org_a, org_b):
    def keep(by):
        return evidence.keep_imported_file(org_a, by=by, title="Workbook imports", chunks=[files.CSV],
                                           name="workbook.csv")

    _refused(keep, _member(org_b, OWNER), match="only a member")
    reviewer = _member(org_a, MemberRole.CIO_REVIEWER)
    version = keep(reviewer)
    assert (version.document.title, version.uploaded_by) == ("Workbook imports", reviewer)


def test_a_newcomer_may_create_an_organisation_and_becomes_its_owner(db):
    from django.contrib.auth.models import AnonymousUser

    founder = make_user("founder@x.test")
    org = tenancy.create_organisation(by=founder, name="Golf Energy", category="small-supplier")
    assert list(Membership.objects.filter(organisation=org).values_list("user", "role")) == [(founder.pk, OWNER)]
    _refused(lambda by: tenancy.create_organisation(by=by, name="Hotel Gas", category="gas-network"),
             AnonymousUser(), match="sign in")
    made = tenancy.create_organisation(by=None, name="India Power", category="small-supplier")
    assert not Membership.objects.filter(organisation=made).exists()  # the command line invites its people


def test_only_the_person_an_invitation_was_sent_to_may_accept_it(org_a, mallory):
    _, token = tenancy.invite(org_a, "pat@a.test", MemberRole.OBSERVER, by=None)
    _refused(lambda by: tenancy.accept_invitation(token, by=by), mallory, match="was sent to pat@a.test")
    _, own = tenancy.invite(org_a, mallory.email, MemberRole.OBSERVER, by=None)
    membership = tenancy.accept_invitation(own, by=mallory)
    assert (membership.user, membership.organisation, membership.role) == (mallory, org_a, MemberRole.OBSERVER)
    assert Invitation.objects.get(email=mallory.email).accepted_by == mallory


# --- the shape of every action ---------------------------------------------------------------------

SOURCE = Path(secassure.__file__).parent
ACTION_MODULES = [*sorted(SOURCE.glob("*/actions.py")), SOURCE / "review" / "remediation_actions.py",
                  SOURCE / "review" / "fieldwork_actions.py",
                  SOURCE / "exchange" / "importing.py"]
OTHER_NAMES_FOR_WHO_ACTS = {"uploaded_by", "accepted_by", "changed_by", "invited_by", "created_by", "recorded_by",
                            "actor"}


def _writes(name: str, functions: dict, seen: set) -> bool:
    """Whether the module's function ``name`` calls ``record``, itself or through the module's own
    functions."""
    seen.add(name)
    calls = {getattr(node.func, "id", getattr(node.func, "attr", ""))
             for node in ast.walk(functions[name]) if isinstance(node, ast.Call)}
    return "record" in calls or any(_writes(c, functions, seen) for c in calls if c in functions and c not in seen)


def _public_functions() -> dict[str, tuple[ast.FunctionDef, bool]]:
    """Each module's public functions, with whether each writes an audit event."""
    found = {}
    for path in ACTION_MODULES:
        functions = {node.name: node for node in ast.parse(path.read_text(), str(path)).body
                     if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
        for name, node in functions.items():
            if not name.startswith("_"):
                found[f"{path.relative_to(SOURCE.parent)}:{name}"] = (node, _writes(name, functions, set()))
    return found


def test_every_action_that_writes_an_audit_event_takes_by():
    functions = _public_functions()
    # The scan sees an event written directly, and one written through a helper.
    assert functions["secassure/profile/actions.py:add_provider"][1]
    assert functions["secassure/evidence/actions.py:add_version"][1]
    offenders = [name for name, (function, writes) in functions.items()
                 if writes and "by" not in [a.arg for a in function.args.kwonlyargs]]
    assert not offenders, f"these write an audit event without a keyword-only by: {', '.join(offenders)}"


def test_no_action_names_who_acts_any_other_way():
    offenders = []
    for name, (function, _) in _public_functions().items():
        args = function.args
        names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a]
        offenders += [f"{name}({arg})" for arg in names if arg in OTHER_NAMES_FOR_WHO_ACTS]
    assert not offenders, f"say by instead: {', '.join(offenders)}"


# --- the CIO's fieldwork and report, and the User's response to it ------------------------------------
#
# What the CIO conducting an assessment writes (its dates, results and report) only the CIO reviewer
# with whom it is shared may write: every role of the organisation is refused, a CIO reviewer with
# whom it is not shared included. The date the SSC set and the sending of the response are the
# Owner's (as the SSC's outcome is); signing off a response is the Approver's.


def _everything_with_the_review() -> dict:
    """What ``_everything`` covers, and the assessments and review tables the fieldwork writes."""
    from django.apps import apps

    rows = _everything()
    for label in ("assessments", "review"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def _refused_in_the_review(run: Callable, by, match: str) -> None:
    events, before = Event.objects.count(), _everything_with_the_review()
    with pytest.raises(ActionError, match=match):
        run(by)
    assert Event.objects.count() == events, "the refused action added an audit event"
    assert _everything_with_the_review() == before, "the refused action wrote something"


def _conducted(org, tmp_path, until: str):
    """A FUSA on the small test catalogue, which the User CIO conducts (the shipped rules say so),
    shared with its CIO and taken as far as ``until``: "fieldwork" (dates, a result on each row, T1
    actual, and the summary drafted), "issued" (the report issued: finding F-001 on T1), "responded"
    (its response written) or "signed-off" (and signed off by an Approver)."""
    import datetime as dt

    from django.utils import timezone

    from secassure.assessments import actions as assessments
    from secassure.review import actions as review
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review import remediation_actions as remediation
    from tests.shipped import load_shipped_rules

    def write(name, text):
        path = tmp_path / name
        path.write_text(text)
        return path

    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org, "import-supplier")
    cio = join(make_user("conducting@cio.test"), org, MemberRole.CIO_REVIEWER).user
    fusa = assessments.create_assessment(org, kind="fusa", by=None, title="FUSA 2026").assessment
    review.share(fusa, cio, by=None)
    fusa.refresh_from_db()
    today = timezone.localdate()
    fieldwork.record_fieldwork(fusa, by=cio, start=today - dt.timedelta(days=5), end=today - dt.timedelta(days=3))
    for row in helpers.rows_of(fusa):
        if row.obligation.ref == "T1":
            fieldwork.record_result(row, by=cio, result="actual", note="No quarterly review")
        else:
            fieldwork.record_result(row, by=cio, result="compliant")
    fieldwork.write_report(fusa, by=cio, summary="Two days on site.")
    if until == "fieldwork":
        return fusa
    fieldwork.issue_report(fusa, by=cio)
    fusa.refresh_from_db()
    if until == "issued":
        return fusa
    finding = fusa.findings.get()
    finding = remediation.respond(finding, by=None, response="Quarterly reviews from April.",
                                  revision=finding.revision)
    if until == "responded":
        return fusa
    director = join(make_user("director@a.test"), org, MemberRole.APPROVER).user
    fieldwork.approve_response(finding, by=director, revision=finding.revision)
    return fusa


def _record_fieldwork(org, tmp_path):
    import datetime as dt

    from secassure.review import fieldwork_actions as fieldwork

    fusa = _conducted(org, tmp_path, "fieldwork")
    day = fusa.fieldwork_start - dt.timedelta(days=7)
    return lambda by: fieldwork.record_fieldwork(fusa, by=by, start=day, end=day)


def _record_result(org, tmp_path):
    from secassure.review import fieldwork_actions as fieldwork

    fusa = _conducted(org, tmp_path, "fieldwork")
    t2 = helpers.row(fusa, "T2")
    return lambda by: fieldwork.record_result(t2, by=by, result="potential", note="One reviewer only")


def _write_report(org, tmp_path):
    from secassure.review import fieldwork_actions as fieldwork

    fusa = _conducted(org, tmp_path, "fieldwork")
    return lambda by: fieldwork.write_report(fusa, by=by, summary="Three days on site.")


def _issue_report(org, tmp_path):
    from secassure.review import fieldwork_actions as fieldwork

    fusa = _conducted(org, tmp_path, "fieldwork")
    return lambda by: fieldwork.issue_report(fusa, by=by)


def _reopen_report(org, tmp_path):
    from secassure.review import fieldwork_actions as fieldwork

    fusa = _conducted(org, tmp_path, "issued")
    return lambda by: fieldwork.reopen_report(fusa, by=by, reason="T2's sample was too small")


def _set_response_due(org, tmp_path):
    import datetime as dt

    from django.utils import timezone

    from secassure.review import fieldwork_actions as fieldwork

    fusa = _conducted(org, tmp_path, "issued")
    return lambda by: fieldwork.set_response_due(fusa, by=by, due=timezone.localdate() + dt.timedelta(days=30))


def _approve_response(org, tmp_path):
    from secassure.review import fieldwork_actions as fieldwork

    finding = _conducted(org, tmp_path, "responded").findings.get()
    return lambda by: fieldwork.approve_response(finding, by=by, revision=finding.revision)


def _send_response(org, tmp_path):
    from django.utils import timezone

    from secassure.review import fieldwork_actions as fieldwork

    fusa = _conducted(org, tmp_path, "signed-off")
    return lambda by: fieldwork.send_response(fusa, by=by, sent_on=timezone.localdate())


ONLY_THE_CIO = ()  # no role lets anyone in: only the CIO reviewer with whom the assessment is shared
FIELDWORK_RULES = [
    Rule(_record_fieldwork, ONLY_THE_CIO),
    Rule(_record_result, ONLY_THE_CIO),
    Rule(_write_report, ONLY_THE_CIO),
    Rule(_issue_report, ONLY_THE_CIO),
    Rule(_reopen_report, ONLY_THE_CIO),
    Rule(_set_response_due, (OWNER,)),  # as the SSC's outcome is (RECORD_OUTCOME)
    Rule(_send_response, (OWNER,)),
    Rule(_approve_response, (APPROVER,)),
]
NOT_SHARED = "only a CIO reviewer with whom the assessment is shared"


def _refusal(rule: Rule) -> str:
    return "does not allow this" if rule.allowed else NOT_SHARED


@pytest.mark.parametrize(("rule", "role"), [(rule, role) for rule in FIELDWORK_RULES for role in rule.refused],
                         ids=lambda value: value.action if isinstance(value, Rule) else str(value))
def test_in_the_cios_fieldwork_a_role_the_page_turns_away_is_refused(rule, role, org_a, tmp_path):
    run = rule.prepare(org_a, tmp_path)
    _refused_in_the_review(run, _member(org_a, role), _refusal(rule))


@pytest.mark.parametrize("rule", FIELDWORK_RULES, ids=lambda rule: rule.action)
def test_in_the_cios_fieldwork_a_member_of_another_organisation_is_refused(rule, org_a, org_b, tmp_path):
    run = rule.prepare(org_a, tmp_path)
    _refused_in_the_review(run, _member(org_b, OWNER), _refusal(rule))
    _refused_in_the_review(run, _member(org_b, MemberRole.CIO_REVIEWER), _refusal(rule))


@pytest.mark.parametrize("rule", [rule for rule in FIELDWORK_RULES if rule.allowed == ONLY_THE_CIO],
                         ids=lambda rule: rule.action)
def test_in_the_cios_fieldwork_a_cio_whose_share_was_withdrawn_is_refused(rule, org_a, tmp_path):
    from secassure.review import actions as review
    from secassure.review.models import Share

    run = rule.prepare(org_a, tmp_path)
    share = Share.objects.get()
    review.revoke(share, by=None)
    _refused_in_the_review(run, share.reviewer, NOT_SHARED)


@pytest.mark.parametrize(("rule", "role"),
                         [(rule, role) for rule in FIELDWORK_RULES for role in rule.allowed or ("conducting-cio",)],
                         ids=lambda value: value.action if isinstance(value, Rule) else str(value))
def test_in_the_cios_fieldwork_the_one_the_page_lets_in_may(rule, role, org_a, tmp_path):
    from secassure.review.models import Share

    run = rule.prepare(org_a, tmp_path)
    events = Event.objects.count()
    run(Share.objects.get().reviewer if role == "conducting-cio" else _member(org_a, role))
    assert Event.objects.count() > events
