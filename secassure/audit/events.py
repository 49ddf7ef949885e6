"""Every kind of event the audit log records, by name. ``record`` accepts no other.

A value is stored in each event and covered by its hash, so a value never changes once events
have been written with it: editing one would leave past events naming something no longer known,
and a chain sealed over the old text. To call something by a new name, add a member with the new
value and keep the old one, so that events already written still read.

Member names are the value in capitals with dots and hyphens as underscores.
"""

from __future__ import annotations

from enum import StrEnum


class AuditEvent(StrEnum):
    # Signing in and out, sessions, second factors and passwords (system chain).
    AUTH_SIGNED_IN = "auth.signed_in"
    AUTH_SIGNED_OUT = "auth.signed_out"
    AUTH_SIGN_IN_FAILED = "auth.sign_in_failed"
    AUTH_SESSION_EXPIRED = "auth.session.expired"
    AUTH_MFA_ADDED = "auth.mfa.added"
    AUTH_MFA_CHANGED = "auth.mfa.changed"
    AUTH_MFA_REMOVED = "auth.mfa.removed"
    AUTH_MFA_FAILED = "auth.mfa.failed"
    AUTH_PASSWORD_CHANGED = "auth.password.changed"  # noqa: S105 - an event name, not a password
    AUTH_PASSWORD_SET = "auth.password.set"  # noqa: S105 - an event name, not a password
    AUTH_PASSWORD_RESET = "auth.password.reset"  # noqa: S105 - an event name, not a password
    AUTH_USER_CREATED = "auth.user.created"

    # Organisations, their members and invitations.
    TENANCY_ORGANISATION_CREATED = "tenancy.organisation.created"
    TENANCY_ORGANISATION_CHANGED = "tenancy.organisation.changed"
    TENANCY_MEMBER_ADDED = "tenancy.member.added"
    TENANCY_MEMBER_ROLE_CHANGED = "tenancy.member.role_changed"
    TENANCY_MEMBER_REMOVED = "tenancy.member.removed"
    TENANCY_INVITATION_CREATED = "tenancy.invitation.created"
    TENANCY_INVITATION_ACCEPTED = "tenancy.invitation.accepted"
    TENANCY_INVITATION_REVOKED = "tenancy.invitation.revoked"

    # The party profile, the assurance plan and the rules that set it.
    PROFILE_PORTFOLIO_ADDED = "profile.portfolio.added"
    PROFILE_PLAN_CHANGED = "profile.plan.changed"
    PROFILE_ROLE_ADDED = "profile.role.added"
    PROFILE_ROLE_REMOVED = "profile.role.removed"
    PROFILE_USER_SYSTEM_ADDED = "profile.user_system.added"
    PROFILE_USER_SYSTEM_DECIDED = "profile.user_system.decided"
    # Written until arrangements with a Shared Resource Provider became providers of that kind
    # (now evidence.provider.added); kept so that earlier events still read.
    PROFILE_SRP_ARRANGEMENT_ADDED = "profile.srp_arrangement.added"
    PROFILE_RULES_LOADED = "profile.rules.loaded"
    PROFILE_RULES_REPLACED = "profile.rules.replaced"
    PROFILE_ADVICE_RECORDED = "profile.advice.recorded"
    PROFILE_ADVICE_REPLACED = "profile.advice.replaced"

    # Catalogue versions loaded from files.
    CATALOGUE_VERSION_LOADED = "catalogue.version.loaded"
    CATALOGUE_VERSION_REPLACED = "catalogue.version.replaced"

    # Assessments: creation, rows and answers, evidence links, decisions and risks.
    ASSESSMENTS_ASSESSMENT_CREATED = "assessments.assessment.created"
    ASSESSMENTS_ASSESSMENT_CHANGED = "assessments.assessment.changed"
    ASSESSMENTS_ROW_SAVED = "assessments.row.saved"
    ASSESSMENTS_ROW_CHECKED = "assessments.row.checked"
    ASSESSMENTS_ANSWER_SAVED = "assessments.answer.saved"
    ASSESSMENTS_ANSWER_CHECKED = "assessments.answer.checked"
    ASSESSMENTS_ROWS_OWNER_ASSIGNED = "assessments.rows.owner_assigned"
    ASSESSMENTS_EVIDENCE_LINKED = "assessments.evidence.linked"
    ASSESSMENTS_EVIDENCE_UNLINKED = "assessments.evidence.unlinked"
    ASSESSMENTS_MATERIALITY_DECIDED = "assessments.materiality.decided"
    ASSESSMENTS_CHANGE_RECORDED = "assessments.change.recorded"
    ASSESSMENTS_RISK_ADDED = "assessments.risk.added"
    ASSESSMENTS_RISK_CHANGED = "assessments.risk.changed"
    # A row or an answer filled from a client's own spreadsheet: left unconfirmed for its author.
    ASSESSMENTS_ROW_TAKEN_IN = "assessments.row.taken_in"
    ASSESSMENTS_ANSWER_TAKEN_IN = "assessments.answer.taken_in"

    # Assessment lifecycle moves, one per move name in assessments.choices.TRANSITIONS.
    ASSESSMENTS_ASSESSMENT_START = "assessments.assessment.start"
    ASSESSMENTS_ASSESSMENT_SEND_FOR_REVIEW = "assessments.assessment.send-for-review"
    ASSESSMENTS_ASSESSMENT_RETURN = "assessments.assessment.return"
    ASSESSMENTS_ASSESSMENT_SEND_FOR_SIGN_OFF = "assessments.assessment.send-for-sign-off"
    ASSESSMENTS_ASSESSMENT_REJECT = "assessments.assessment.reject"
    ASSESSMENTS_ASSESSMENT_SUBMIT = "assessments.assessment.submit"
    ASSESSMENTS_ASSESSMENT_REOPEN = "assessments.assessment.reopen"

    # Evidence documents, versions, providers, acceptances and attestations.
    EVIDENCE_DOCUMENT_ADDED = "evidence.document.added"
    EVIDENCE_DOCUMENT_OBLIGATIONS_LINKED = "evidence.document.obligations_linked"
    EVIDENCE_DOCUMENT_STATUS_CHANGED = "evidence.document.status_changed"
    EVIDENCE_VERSION_ADDED = "evidence.version.added"
    EVIDENCE_BLOB_TAMPERED = "evidence.blob.tampered"
    INBOX_DELIVERY_CHANGED = "inbox.delivery.changed"
    EVIDENCE_PROVIDER_ADDED = "evidence.provider.added"
    EVIDENCE_PROVIDER_CHANGED = "evidence.provider.changed"
    EVIDENCE_PROVIDER_MEMBER_ASSIGNED = "evidence.provider.member_assigned"
    EVIDENCE_ACCEPTANCE_RECORDED = "evidence.acceptance.recorded"
    EVIDENCE_ATTESTATION_CAMPAIGN_STARTED = "evidence.attestation.campaign_started"
    EVIDENCE_ATTESTATION_CONFIRMED = "evidence.attestation.confirmed"

    # The notices register: notices owed to the SSC, the SMKI PMA, SECAS or a manufacturer.
    NOTICES_NOTICE_ADDED = "notices.notice.added"
    NOTICES_NOTICE_CHANGED = "notices.notice.changed"
    NOTICES_NOTICE_SENT = "notices.notice.sent"
    NOTICES_NOTICE_ANSWERED = "notices.notice.answered"

    # Workbooks imported; clients' own spreadsheets taken in, and the column mappings people keep.
    EXCHANGE_WORKBOOK_IMPORTED = "exchange.workbook.imported"
    EXCHANGE_INTAKE_APPLIED = "exchange.intake.applied"
    EXCHANGE_INTAKE_MAPPING_SAVED = "exchange.intake.mapping_saved"
    EXCHANGE_INTAKE_MAPPING_DELETED = "exchange.intake.mapping_deleted"

    # Review: sharing with a reviewer, queries, comments, outcomes and assurance.
    REVIEW_SHARED = "review.shared"
    # A status the review itself gives the assessment (CIO review, fieldwork, closed...), as the
    # lifecycle moves record theirs: its before and after are the assessment's status.
    REVIEW_ASSESSMENT_MOVED = "review.assessment.moved"
    REVIEW_SHARE_REVOKED = "review.share_revoked"
    REVIEW_QUERY_RAISED = "review.query.raised"
    REVIEW_QUERY_REPLIED = "review.query.replied"
    REVIEW_QUERY_CLOSED = "review.query.closed"
    REVIEW_COMMENT_WRITTEN = "review.comment.written"
    REVIEW_COMMENT_CHANGED = "review.comment.changed"
    REVIEW_COMMENTS_FINAL = "review.comments.final"
    REVIEW_OUTCOME_RECORDED = "review.outcome.recorded"
    REVIEW_ASSURANCE_RECORDED = "review.assurance.recorded"
    REVIEW_FIELDWORK_RECORDED = "review.fieldwork.recorded"
    REVIEW_RESULT_RECORDED = "review.result.recorded"
    REVIEW_CIO_REPORT_DRAFTED = "review.cio_report.drafted"
    REVIEW_CIO_REPORT_ISSUED = "review.cio_report.issued"
    REVIEW_CIO_REPORT_REOPENED = "review.cio_report.reopened"
    REVIEW_RESPONSE_DUE_SET = "review.response.due_set"
    REVIEW_RESPONSE_APPROVED = "review.response.approved"
    REVIEW_RESPONSE_SENT = "review.response.sent"

    # Remediation: findings, plans, actions, reports and director letters.
    REVIEW_FINDING_ADDED = "review.finding.added"
    REVIEW_FINDING_RESPONDED = "review.finding.responded"
    REVIEW_FINDING_MOVED = "review.finding.moved"
    REVIEW_FINDING_REVISED = "review.finding.revised"
    REVIEW_FINDING_EVIDENCE_LINKED = "review.finding.evidence_linked"
    REVIEW_PLAN_OPENED = "review.plan.opened"
    REVIEW_PLAN_REVISED = "review.plan.revised"
    REVIEW_PLAN_SENT = "review.plan.sent"
    REVIEW_PLAN_APPROVED = "review.plan.approved"
    REVIEW_ACTION_ADDED = "review.action.added"
    REVIEW_ACTION_CHANGED = "review.action.changed"
    REVIEW_REPORT_RECORDED = "review.report.recorded"
    REVIEW_LETTER_SIGNED = "review.letter.signed"

    # Personal access tokens of the JSON API.
    API_TOKEN_CREATED = "api.token.created"  # noqa: S105 - an event name, not a token
    API_TOKEN_REVOKED = "api.token.revoked"  # noqa: S105 - an event name, not a token
    API_TOKEN_NEW_ADDRESS = "api.token.new_address"  # noqa: S105 - an event name, not a token

    # Calendar feeds.
    REMINDERS_FEED_CREATED = "reminders.feed.created"
    REMINDERS_FEED_REVOKED = "reminders.feed.revoked"

    # Changes made through Django admin: admin.<model name>.<created|changed|deleted>, for each
    # model with an audited admin. Organisations and frameworks are never deleted there.
    ADMIN_ORGANISATION_CREATED = "admin.organisation.created"
    ADMIN_ORGANISATION_CHANGED = "admin.organisation.changed"
    ADMIN_ROLEHOLDING_CREATED = "admin.roleholding.created"
    ADMIN_ROLEHOLDING_CHANGED = "admin.roleholding.changed"
    ADMIN_ROLEHOLDING_DELETED = "admin.roleholding.deleted"
    ADMIN_SRPARRANGEMENT_CREATED = "admin.srparrangement.created"  # the three: before providers held SRPs
    ADMIN_SRPARRANGEMENT_CHANGED = "admin.srparrangement.changed"
    ADMIN_SRPARRANGEMENT_DELETED = "admin.srparrangement.deleted"
    ADMIN_THIRDPARTYPROVIDER_CREATED = "admin.thirdpartyprovider.created"
    ADMIN_THIRDPARTYPROVIDER_CHANGED = "admin.thirdpartyprovider.changed"
    ADMIN_USERSYSTEM_CREATED = "admin.usersystem.created"
    ADMIN_USERSYSTEM_CHANGED = "admin.usersystem.changed"
    ADMIN_USERSYSTEM_DELETED = "admin.usersystem.deleted"
    ADMIN_FRAMEWORK_CREATED = "admin.framework.created"
    ADMIN_FRAMEWORK_CHANGED = "admin.framework.changed"
    ADMIN_FRAMEWORKVERSION_CREATED = "admin.frameworkversion.created"
    ADMIN_FRAMEWORKVERSION_CHANGED = "admin.frameworkversion.changed"
    ADMIN_FRAMEWORKVERSION_DELETED = "admin.frameworkversion.deleted"
    ADMIN_GROUP_CREATED = "admin.group.created"
    ADMIN_GROUP_CHANGED = "admin.group.changed"
    ADMIN_GROUP_DELETED = "admin.group.deleted"
    ADMIN_OBLIGATION_CREATED = "admin.obligation.created"
    ADMIN_OBLIGATION_CHANGED = "admin.obligation.changed"
    ADMIN_OBLIGATION_DELETED = "admin.obligation.deleted"
    ADMIN_QUESTION_CREATED = "admin.question.created"
    ADMIN_QUESTION_CHANGED = "admin.question.changed"
    ADMIN_QUESTION_DELETED = "admin.question.deleted"
    ADMIN_MAPPING_CREATED = "admin.mapping.created"
    ADMIN_MAPPING_CHANGED = "admin.mapping.changed"
    ADMIN_MAPPING_DELETED = "admin.mapping.deleted"
