"""The User CIO's review of a submitted assessment, and the SSC's outcome.

An Owner shares the assessment with CIO reviewers; they read it, raise queries on rows and answers,
and write comments; the User answers queries (with evidence if need be); the CIO closes queries and
makes the comments final. The Owner then records the SSC's decision, which closes the assessment,
opens a remediation plan or starts a formal CIO assessment. What the CIO writes only the CIO can
change (until final), and what the User writes only the User can; messages are never changed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from secassure import guards
from secassure.assessments import actions as assessment_actions
from secassure.assessments.choices import AssessmentStatus, AssessmentType, regime_of
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, StatusChange, ValidationRow
from secassure.assessments.services import conducted_by_cio, regime_rules
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.evidence.models import Document, DocumentVersion
from secassure.inbox.actions import members_who_may, notify
from secassure.inbox.choices import Kind
from secassure.people import display_name
from secassure.review.choices import Decision, QueryPurpose, QueryStatus, Side
from secassure.review.models import AssuranceRecord, Comment, Outcome, QueryMessage, ReviewQuery, Share
from secassure.tenancy import access
from secassure.tenancy.choices import MemberRole
from secassure.wording import in_sentence, plural

S = AssessmentStatus
TEXT_LIMIT = 20_000
# The CIO-conducted types the Panel gives an assurance status (G8.34), and the statuses after which a
# follow-up security assessment comes.
ASSURED_TYPES = frozenset({AssessmentType.FUSA, AssessmentType.FOLLOW_UP, AssessmentType.FPA})
FOLLOW_UP_AFTER = frozenset({"deferred", "rejected"})


def _text(value, what: str, limit: int = TEXT_LIMIT) -> str:
    """Text that must be given, within the limit."""
    return guards.text(value, what, limit, required=True)


def _status_move(assessment: Assessment, to: str, *, by, reason: str = "") -> None:
    """Move the assessment to a status the review sets (not one of the preparation moves).

    Audited on the assessment itself, as the preparation moves are, so that its status as the log
    last recorded it can be compared with the table's (``secassure audit verify --state``); the
    review's own event, on the share, outcome or report, says why."""
    before = assessment.status
    Assessment.objects.filter(pk=assessment.pk).update(status=to, revision=assessment.revision + 1)
    assessment.status, assessment.revision = to, assessment.revision + 1
    StatusChange.objects.create(assessment=assessment, from_status=before, to_status=to, by=by, reason=reason)
    record(AuditEvent.REVIEW_ASSESSMENT_MOVED, assessment, organisation=assessment.organisation,
           before={"status": before}, after={"status": to}, reason=reason)


def is_reviewer(user, assessment: Assessment) -> bool:
    """Whether the person is a CIO reviewer of the organisation with whom the assessment is shared."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Share.objects.active().filter(assessment=assessment, reviewer=user,
                                         reviewer__memberships__organisation_id=assessment.organisation_id,
                                         reviewer__memberships__role=MemberRole.CIO_REVIEWER).exists()


def _require_reviewer(user, assessment: Assessment) -> None:
    if not is_reviewer(user, assessment):
        raise ActionError("only a CIO reviewer with whom the assessment is shared may do this")


def active_reviewers(assessment: Assessment, among=None):
    """The ids of the organisation's CIO reviewers with whom the assessment is shared now (of
    ``among`` only, when given): the only CIO reviewers who may be told of it."""
    found = Share.objects.active().filter(assessment=assessment,
                                          reviewer__memberships__organisation_id=assessment.organisation_id,
                                          reviewer__memberships__role=MemberRole.CIO_REVIEWER)
    if among is not None:
        found = found.filter(reviewer_id__in=among)
    return found.values_list("reviewer_id", flat=True).distinct()


def overview_url(assessment: Assessment, anchor: str = "") -> str:
    """The review's page, where both the CIO and the User act on the assessment."""
    return reverse("review", args=[assessment.organisation.slug, assessment.pk]) + anchor


def _query_url(query: ReviewQuery) -> str:
    assessment = query.assessment
    kind, pk = ("rows", query.row_id) if query.row_id else ("answers", query.answer_id)
    return reverse("review-item", args=[assessment.organisation.slug, assessment.pk, kind, pk]) + "#queries"


# --- sharing ------------------------------------------------------------------------------------


def share(assessment: Assessment, reviewer, *, by) -> Share:
    """Share a submitted assessment with a CIO reviewer of the organisation; the first share
    starts the CIO review."""
    org = assessment.organisation
    access.require(by, org, access.SHARE_REVIEW)
    rule = conducted_by_cio(assessment)
    if rule is not None:
        return _share_for_fieldwork(assessment, reviewer, rule, by=by)
    if assessment.status not in (S.SUBMITTED, S.CIO_REVIEW):
        raise ActionError("only a submitted assessment is shared with the CIO; submit it first"
                          if assessment.editable or assessment.status == S.SIGN_OFF
                          else f"the assessment is {in_sentence(assessment.get_status_display())}: "
                               "the CIO's review is over")
    _reviewer_of(org, reviewer)
    with transaction.atomic():
        found = _grant(assessment, reviewer, by=by)
        if assessment.status == S.SUBMITTED:
            _status_move(assessment, S.CIO_REVIEW, by=by, reason=f"shared with {reviewer.email}")
        record(AuditEvent.REVIEW_SHARED, assessment, organisation=org, after={"reviewer": reviewer.email})
        notify(org, [reviewer], kind=Kind.SHARED, text=f"{assessment.title} shared with you for review",
               url=overview_url(assessment), obj=assessment, by=by)
    return found


def _grant(assessment: Assessment, reviewer, *, by) -> Share:
    """The reviewer's share of the assessment, new or given back after it was withdrawn."""
    found, created = Share.objects.get_or_create(assessment=assessment, reviewer=reviewer, defaults={"shared_by": by})
    if not created and found.active:
        raise ActionError(f"the assessment is already shared with {display_name(reviewer)}")
    if not created:
        found.revoked_at, found.shared_by = None, by
        found.save(update_fields=["revoked_at", "shared_by"])
    return found


def _reviewer_of(org, reviewer) -> None:
    if not reviewer.memberships.filter(organisation=org, role=MemberRole.CIO_REVIEWER).exists():
        raise ActionError(f"{display_name(reviewer)} is not a CIO reviewer of {org.name}; invite them in that role "
                          "first")


def _share_for_fieldwork(assessment: Assessment, reviewer, rule, *, by) -> Share:
    """Share an assessment the User CIO conducts: before the fieldwork or during it; the first share
    starts the fieldwork, in which the CIO asks for evidence and records a result on each obligation."""
    org = assessment.organisation
    if assessment.status not in (S.DRAFT, S.PREPARATION, S.INTERNAL_REVIEW, S.FIELDWORK, S.REPORT_ISSUED):
        raise ActionError(f"the assessment is {in_sentence(assessment.get_status_display())}: the CIO's report "
                          "is answered; there is nothing more to share")
    _reviewer_of(org, reviewer)
    with transaction.atomic():
        found = _grant(assessment, reviewer, by=by)
        starts = assessment.editable and assessment.status != S.FIELDWORK
        if starts:
            _status_move(assessment, S.FIELDWORK, by=by,
                         reason=f"shared with {reviewer.email}, who conducts it ({rule.clause})")
        record(AuditEvent.REVIEW_SHARED, assessment, organisation=org,
               after={"reviewer": reviewer.email, "conducted_by": "cio"})
        then = ("your fieldwork starts" if starts else "join the fieldwork under way"
                if assessment.status == S.FIELDWORK else "its report is issued and awaits the User's response")
        notify(org, [reviewer], kind=Kind.SHARED, text=f"{assessment.title} shared with you: {then} ({rule.clause})",
               url=overview_url(assessment), obj=assessment, by=by)
    return found


def revoke(share_: Share, *, by) -> None:
    assessment = share_.assessment
    access.require(by, assessment.organisation, access.SHARE_REVIEW)
    if not share_.active:
        raise ActionError("that share was already withdrawn")
    with transaction.atomic():
        Share.objects.filter(pk=share_.pk).update(revoked_at=timezone.now())
        record(AuditEvent.REVIEW_SHARE_REVOKED, assessment, organisation=assessment.organisation,
               before={"reviewer": share_.reviewer.email})


# --- queries ------------------------------------------------------------------------------------


def _item_of(assessment: Assessment, item) -> dict:
    if isinstance(item, ValidationRow) and item.assessment_id == assessment.pk:
        return {"row": item}
    if isinstance(item, QuestionAnswer) and item.assessment_id == assessment.pk:
        return {"answer": item}
    raise ActionError("that row or answer is not part of this assessment")


def _evidence(assessment: Assessment, document: Document | None) -> dict:
    if document is None:
        return {}
    if document.organisation_id != assessment.organisation_id:
        raise ActionError("that document is not in this organisation's register")
    version = DocumentVersion.objects.filter(document=document).order_by("-number").first()
    if version is None:
        raise ActionError(f"{document.title!r} has no version uploaded yet")
    return {"document": document, "version": version}


# While the CIO is at work on an assessment: reviewing a submitted self-assessment, or conducting one.
CIO_AT_WORK = (S.CIO_REVIEW, S.FIELDWORK)


def raise_query(assessment: Assessment, item, *, by, text: str, purpose: str = QueryPurpose.QUESTION) -> ReviewQuery:
    """A query on a row or answer; or, during the fieldwork of an assessment the CIO conducts, a
    request for evidence on an obligation, which the User answers from its register."""
    _require_reviewer(by, assessment)
    if purpose not in QueryPurpose.values:
        raise ActionError(f"{purpose!r} is neither a query nor an evidence request")
    if purpose == QueryPurpose.EVIDENCE:
        if assessment.status != S.FIELDWORK:
            raise ActionError("evidence is requested during the fieldwork of an assessment the CIO conducts")
        if not isinstance(item, ValidationRow):
            raise ActionError("evidence is requested on an obligation")
    elif assessment.status not in CIO_AT_WORK:
        raise ActionError("queries are raised while the CIO reviews or conducts the assessment")
    target = _item_of(assessment, item)
    text = _text(text, "the request" if purpose == QueryPurpose.EVIDENCE else "the question")
    with transaction.atomic():
        query = ReviewQuery.objects.create(assessment=assessment, raised_by=by, purpose=purpose, **target)
        QueryMessage.objects.create(query=query, side=Side.CIO, author=by, text=text)
        record(AuditEvent.REVIEW_QUERY_RAISED, query, organisation=assessment.organisation,
               after={"item": str(item), "text": text, "purpose": purpose})
        _tell_answerers(query, item, by=by)
    return query


def _tell_answerers(query: ReviewQuery, item, *, by, again: bool = False) -> None:
    """The User's people who answer queries, and the item's owner while their role lets them work
    on it, are told that the CIO asks something of them (``again``: replied, re-opening the thread)."""
    assessment = query.assessment
    org = assessment.organisation
    people = members_who_may(org, access.ANSWER_QUERIES)
    if item.owner_id:
        people = people | members_who_may(org, access.EDIT_ASSESSMENTS).filter(pk=item.owner_id)
    if again:
        kind = Kind.EVIDENCE_REQUESTED if query.purpose == QueryPurpose.EVIDENCE else Kind.QUERY_RAISED
        text = f"The User CIO replied on {item} of {assessment.title}: it is open again, answer it"
    elif query.purpose == QueryPurpose.EVIDENCE:
        kind, text = Kind.EVIDENCE_REQUESTED, (f"The User CIO asks for evidence on {item} of {assessment.title}: "
                                               "send it from your register")
    else:
        kind, text = Kind.QUERY_RAISED, f"The User CIO raised a query on {item} of {assessment.title}: answer it"
    notify(org, people, kind=kind, text=text, url=_query_url(query), obj=query, by=by)


def reply(query: ReviewQuery, *, by, text: str, document: Document | None = None) -> QueryMessage:
    """A message in the thread: from the CIO, or from the User (who may attach evidence)."""
    assessment = query.assessment
    if query.status == QueryStatus.CLOSED:
        raise ActionError("the query is closed")
    if assessment.status not in CIO_AT_WORK:
        raise ActionError("the CIO's review is over; the thread is kept as it is")
    side = Side.CIO if is_reviewer(by, assessment) else Side.USER
    if side == Side.USER:
        if by is None:
            raise ActionError("a reply is written by a person")
        access.require(by, assessment.organisation, access.ANSWER_QUERIES)
    elif document is not None:
        raise ActionError("evidence is attached by the User")
    text = _text(text, "the reply")
    evidence = _evidence(assessment, document)
    with transaction.atomic():
        message = QueryMessage.objects.create(query=query, side=side, author=by, text=text, **evidence)
        status = QueryStatus.ANSWERED if side == Side.USER else QueryStatus.OPEN
        ReviewQuery.objects.filter(pk=query.pk).update(status=status)
        query.status = status
        if evidence and query.purpose == QueryPurpose.EVIDENCE and query.row_id:
            _offer(query, document, by=by)
        record(AuditEvent.REVIEW_QUERY_REPLIED, query, organisation=assessment.organisation,
               after={"side": side, "text": text,
                      "evidence": f"{document.title} v{evidence['version'].number}" if evidence else None})
        if side == Side.USER:
            _tell_raiser(query, bool(evidence), by=by)
        else:
            _tell_answerers(query, query.row or query.answer, by=by, again=True)
    return message


def _tell_raiser(query: ReviewQuery, with_evidence: bool, *, by) -> None:
    """The CIO who raised the query is told the User answered it, while it is still shared with them."""
    assessment = query.assessment
    target = query.row.obligation.ref if query.row_id else query.answer.question.ref
    if query.purpose == QueryPurpose.EVIDENCE:
        text = (f"Evidence sent for your request on {target} of {assessment.title}: examine it and close the request"
                if with_evidence else f"Your evidence request on {target} of {assessment.title} is answered: read "
                                      "the answer and close the request or reply")
    else:
        text = (f"Your query on {target} of {assessment.title} is answered: read the answer and close the query "
                "or reply")
    notify(assessment.organisation, active_reviewers(assessment, among=[query.raised_by_id]),
           kind=Kind.QUERY_ANSWERED, text=text, url=_query_url(query), obj=query, by=by)


def _offer(query: ReviewQuery, document: Document, *, by) -> None:
    """Evidence sent in answer to a request is offered on the obligation too, as the User would link it."""
    link, created = EvidenceLink.objects.get_or_create(assessment=query.assessment, row_id=query.row_id,
                                                       document=document, defaults={"added_by": by})
    if created:
        # Evidence is part of what a checker saw: as when the User links it, the row wants a fresh check.
        ValidationRow.objects.filter(pk=query.row_id).update(checked_by=None, checked_at=None)
        record(AuditEvent.ASSESSMENTS_EVIDENCE_LINKED, link, organisation=query.assessment.organisation,
               after={"item": str(query.row), "document": document.title, "request": query.pk})


def close_query(query: ReviewQuery, *, by, note: str = "") -> ReviewQuery:
    assessment = query.assessment
    _require_reviewer(by, assessment)
    if query.status == QueryStatus.CLOSED:
        raise ActionError("the query is already closed")
    note = guards.text(note, "the note")
    with transaction.atomic():
        if note:
            QueryMessage.objects.create(query=query, side=Side.CIO, author=by, text=note)
        now = timezone.now()
        ReviewQuery.objects.filter(pk=query.pk).update(status=QueryStatus.CLOSED, closed_by=by, closed_at=now)
        query.status, query.closed_by, query.closed_at = QueryStatus.CLOSED, by, now
        record(AuditEvent.REVIEW_QUERY_CLOSED, query, organisation=assessment.organisation, reason=note)
    return query


# --- comments -----------------------------------------------------------------------------------


def comment(assessment: Assessment, *, by, text: str, item=None) -> Comment:
    """The CIO's comment on a row or answer, or overall when item is None."""
    _require_reviewer(by, assessment)
    if assessment.status != S.CIO_REVIEW:
        raise ActionError("comments are written while the assessment is under CIO review")
    target = _item_of(assessment, item) if item is not None else {}
    text = _text(text, "the comment")
    with transaction.atomic():
        found = Comment.objects.create(assessment=assessment, author=by, text=text, **target)
        record(AuditEvent.REVIEW_COMMENT_WRITTEN, found, organisation=assessment.organisation,
               after={"item": str(item) if item is not None else "overall", "text": text})
    return found


def edit_comment(found: Comment, *, by, text: str) -> Comment:
    assessment = found.assessment
    if by is None or found.author_id != by.pk:
        raise ActionError("only the CIO who wrote a comment may change it")
    _require_reviewer(by, assessment)
    if assessment.status != S.CIO_REVIEW:
        raise ActionError("the CIO's comments are final")
    text = _text(text, "the comment")
    if text == found.text:  # saved unchanged
        return found
    with transaction.atomic():
        before = found.text
        found.text = text
        found.save(update_fields=["text", "updated_at"])
        record(AuditEvent.REVIEW_COMMENT_CHANGED, found, organisation=assessment.organisation, before={"text": before},
               after={"text": text})
    return found


def finalise(assessment: Assessment, *, by) -> Assessment:
    """The CIO makes the comments final: the Validation Workbook can go to the SSC with them."""
    _require_reviewer(by, assessment)
    if assessment.status != S.CIO_REVIEW:
        raise ActionError("only an assessment under CIO review has comments to make final")
    open_queries = assessment.queries.still_open().count()
    if open_queries:
        raise ActionError(f"{plural(open_queries, 'query is', 'queries are')} still open: close "
                          f"{'it' if open_queries == 1 else 'them'} first")
    with transaction.atomic():
        _status_move(assessment, S.CIO_FINAL, by=by)
        record(AuditEvent.REVIEW_COMMENTS_FINAL, assessment, organisation=assessment.organisation,
               after={"comments": assessment.cio_comments.count()})
        notify(assessment.organisation, members_who_may(assessment.organisation, access.RECORD_OUTCOME),
               kind=Kind.REPORT_ISSUED, text=f"The User CIO's comments on {assessment.title} are final: send it to "
                                             "the SSC and record the SSC's outcome",
               url=overview_url(assessment), obj=assessment, by=by)
    return assessment


# --- the SSC's outcome --------------------------------------------------------------------------------


def record_outcome(assessment: Assessment, *, by, decision: str, received_on: dt.date, reference: str = "",
                   text: str = "", letter: Document | None = None, sent_on: dt.date | None = None) -> Outcome:
    """Record the SSC's decision. Satisfactory closes the assessment; actions requested opens a
    remediation plan; a formal CIO assessment creates one, linked, with this one as its baseline."""
    from secassure.review.remediation_actions import open_plan

    org = assessment.organisation
    access.require(by, org, access.RECORD_OUTCOME)
    rule = conducted_by_cio(assessment)
    if rule is not None:
        raise ActionError(f"the SSC's self-assessment outcomes are not for a {AssessmentType(assessment.kind).label}, "
                          f"which the User CIO conducts ({rule.clause}): it ends with the CIO's User Security "
                          "Assessment Report (G8.22) and the User's response to it (G8.24)"
                          + (", then the assurance status the Panel assigns"
                             if assessment.kind != AssessmentType.VUSA else ""))
    if decision not in Decision.values:
        raise ActionError(f"{decision!r} is not an SSC decision; use one of {', '.join(Decision.values)}")
    # The SSC decides on what the User CIO has reviewed: the outcome follows the CIO's final comments.
    if assessment.status != S.CIO_FINAL:
        raise ActionError("the SSC decides once the User CIO's comments are final; share the assessment with "
                          "the CIO first" if assessment.status == S.SUBMITTED else
                          "the SSC decides on a submitted assessment once the CIO's comments are final"
                          if assessment.status == S.CIO_REVIEW else
                          f"an assessment that is {in_sentence(assessment.get_status_display())} "
                          "has no outcome to record")
    if Outcome.objects.filter(assessment=assessment).exists():
        raise ActionError("the SSC's outcome is already recorded")
    if received_on > timezone.localdate():
        raise ActionError("the date the SSC's decision was received is in the future")
    if sent_on is not None and sent_on > received_on:
        raise ActionError("the assessment was sent to the SSC after its decision was received; check the dates")
    if letter is not None and letter.organisation_id != org.pk:
        raise ActionError("that letter is not in this organisation's register")
    reference, text = guards.line(reference, "the SSC reference", 100), guards.text(text, "the decision's text")
    rules = regime_rules(assessment.kind, received_on) or regime_rules(assessment.kind, timezone.localdate())
    rule = rules.outcome(decision) if rules else None
    if rule is None:
        raise ActionError("the rules in force do not describe this decision; load the shipped rules "
                          "(secassure rules load) or a newer rules file")
    with transaction.atomic():
        outcome = Outcome.objects.create(
            assessment=assessment, decision=decision, clause=rule.clause, rule_id=rule.id, received_on=received_on,
            sent_on=sent_on, reference=reference, text=text, letter=letter, recorded_by=by)
        plan = None
        if decision == Decision.ACTIONS:
            _status_move(assessment, S.ACTIONS_REQUESTED, by=by, reason=f"SSC: actions requested ({rule.clause})")
            plan = open_plan(assessment, by=by)
        else:
            _status_move(assessment, S.CLOSED, by=by, reason=f"SSC: {in_sentence(outcome.get_decision_display())}")
        if decision == Decision.CIO_ASSESSMENT:
            follow_up = assessment_actions.create_assessment(
                org, kind=AssessmentType.CIO_COMPLIANCE, by=None, baseline=assessment,
                catalogue=assessment.catalogue,
                title=f"CIO compliance assessment ({rule.clause}) after {assessment.title}"[:200]).assessment
            outcome.follow_up = follow_up
            outcome.save(update_fields=["follow_up"])
        record(AuditEvent.REVIEW_OUTCOME_RECORDED, outcome, organisation=org, after={
            "decision": decision, "clause": rule.clause, "rule": rule.id, "received_on": received_on.isoformat(),
            "sent_on": sent_on.isoformat() if sent_on else None,
            "reference": outcome.reference, "follow_up": outcome.follow_up_id})
        _tell_outcome(assessment, outcome, plan, by=by)
    return outcome


def _tell_outcome(assessment: Assessment, outcome: Outcome, plan, *, by) -> None:
    """The organisation's Owners and Approvers are told the SSC's decision and what it asks of
    them; the CIO reviewers the assessment is shared with, the decision on what they reviewed."""
    org = assessment.organisation
    decided = in_sentence(outcome.get_decision_display())
    if plan is not None:
        then = "draft the remediation plan and have the director sign its letter"
        url = reverse("remediation-plan", args=[org.slug, plan.pk])
    elif outcome.follow_up is not None:
        then = f"share {outcome.follow_up.title} with the User CIO, who conducts it"
        url = reverse("assessment", args=[org.slug, outcome.follow_up.pk])
    else:
        then, url = "the assessment is closed", overview_url(assessment)
    people = members_who_may(org, access.RECORD_OUTCOME) | members_who_may(org, access.APPROVE_ASSESSMENTS)
    notify(org, people, kind=Kind.OUTCOME, text=f"The SSC's outcome on {assessment.title}: {decided}; {then}",
           url=url, obj=outcome, by=by)
    notify(org, active_reviewers(assessment), kind=Kind.OUTCOME,
           text=f"The SSC's outcome on {assessment.title}, which you reviewed: {decided}",
           url=overview_url(assessment), obj=outcome, by=by)


def record_assurance(org, *, by, name: str, effective_date: dt.date, conditions: str = "",
                     assessment: Assessment | None = None) -> AssuranceRecord:
    """An assurance status as named in the SSC's letter, read by the letter's date (names changed in
    February 2020: an older "Deferred" is today's Rejected)."""
    access.require(by, org, access.RECORD_OUTCOME)
    if assessment is not None and assessment.organisation_id != org.pk:
        raise ActionError("that assessment belongs to another organisation")
    if effective_date > timezone.localdate():
        raise ActionError("the status's date is in the future")
    # A privacy assessment's status is one of the Panel's privacy assurance statuses (I2.30), read
    # from the privacy-cycle rules; any other, the security statuses (G8.34).
    rules = regime_rules(assessment.kind if assessment is not None else "", timezone.localdate())
    found = rules.assurance_status(name, effective_date) if rules else None
    if found is None:
        known = sorted({given for rule in (rules.assurance if rules else []) for _, given in (*rule.before,
                                                                                               *rule.after)})
        raise ActionError(f"{name!r} is not an assurance status name of that date; known names: {', '.join(known)}")
    status, _ = found
    conditions, given = guards.text(conditions, "the conditions"), guards.line(name, "the status's name", 60)
    if status == "approved-subject-to" and not conditions:
        raise ActionError("Approved subject to: give the conditions")
    conducted = assessment is not None and conducted_by_cio(assessment) is not None
    if conducted:
        if assessment.kind not in ASSURED_TYPES:
            after = ("a Full Privacy Assessment" if regime_of(assessment.kind) == "privacy"
                     else "a FUSA or a follow-up assessment")
            raise ActionError(f"the Panel assigns an assurance status after {after}, not "
                              f"after a {AssessmentType(assessment.kind).label}")
        if assessment.status != S.RESPONSE_SENT:
            raise ActionError("the assurance status follows the CIO's report and the User's response to it; "
                              "record that the response was sent to the SSC first")
    with transaction.atomic():
        created = AssuranceRecord.objects.create(
            organisation=org, assessment=assessment, status=status, name_as_given=given,
            effective_date=effective_date, conditions=conditions, recorded_by=by)
        follow_up = None
        if conducted:
            _status_move(assessment, S.CLOSED, by=by, reason=f"assurance status: {given}")
            if assessment.kind == AssessmentType.FPA:
                # After Rejected a second Full Privacy Assessment is undertaken (MP112, in the
                # privacy-cycle rules' assurance rule).
                if status == "rejected":
                    follow_up = assessment_actions.create_assessment(
                        org, kind=AssessmentType.FPA, by=None, baseline=assessment, catalogue=assessment.catalogue,
                        title=f"Second Full Privacy Assessment after {assessment.title}"[:200]).assessment
            elif status in FOLLOW_UP_AFTER:
                follow_up = assessment_actions.create_assessment(
                    org, kind=AssessmentType.FOLLOW_UP, by=None, baseline=assessment, catalogue=assessment.catalogue,
                    title=f"Follow-up security assessment after {assessment.title}"[:200]).assessment
        record(AuditEvent.REVIEW_ASSURANCE_RECORDED, created, organisation=org, after={
            "status": status, "name_as_given": created.name_as_given, "effective_date": effective_date.isoformat(),
            "conditions": created.conditions or None, "follow_up": follow_up.pk if follow_up else None})
        people = members_who_may(org, access.RECORD_OUTCOME) | members_who_may(org, access.APPROVE_ASSESSMENTS)
        then = (f": a new assessment is created, {follow_up.title}" if follow_up
                else f" ({created.conditions})" if created.conditions else "")
        notify(org, people, kind=Kind.OUTCOME, text=f"{org.name}'s assurance status is {given} from "
                                                     f"{effective_date:%-d %B %Y}{then}",
               url=(reverse("assessment", args=[org.slug, follow_up.pk]) if follow_up
                    else reverse("organisation", args=[org.slug])), obj=created, by=by)
    created.follow_up = follow_up
    return created
