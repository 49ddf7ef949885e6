from django.urls import include, path

import secassure.assessments.urls  # noqa: F401 - registers the <kind:...> converter
from secassure.review import fieldwork_views, views

R = "orgs/<slug:slug>/assessments/<int:pk>/review/"

urlpatterns = [
    path("review/", views.queue, name="review-queue"),
    path(R, views.overview, name="review"),
    path(R + "<kind:kind>/<int:item_pk>/", views.item, name="review-item"),
    path(R + "<kind:kind>/<int:item_pk>/query/", views.raise_query, name="review-raise"),
    path(R + "evidence/<int:link_pk>/", views.evidence_file, name="review-evidence"),
    path(R + "messages/<int:message_pk>/file/", views.message_file, name="review-message-file"),
    path(R + "share/", views.share, name="review-share"),
    path(R + "shares/<int:share_pk>/revoke/", views.revoke, name="review-revoke"),
    path(R + "queries/<int:query_pk>/reply/", views.reply, name="review-reply"),
    path(R + "queries/<int:query_pk>/close/", views.close_query, name="review-close"),
    path(R + "comment/", views.comment, name="review-comment"),
    path(R + "comments/<int:comment_pk>/", views.edit_comment, name="review-comment-edit"),
    path(R + "final/", views.finalise, name="review-final"),
    path(R + "outcome/", views.outcome, name="review-outcome"),
    path(R + "assurance/", views.assurance, name="review-assurance"),
    path(R + "fieldwork/", fieldwork_views.record_fieldwork, name="review-fieldwork"),
    path(R + "rows/<int:item_pk>/result/", fieldwork_views.record_result, name="review-result"),
    path(R + "report/", fieldwork_views.write_report, name="review-report"),
    path(R + "report/issue/", fieldwork_views.issue_report, name="review-report-issue"),
    path(R + "report/reopen/", fieldwork_views.reopen_report, name="review-report-reopen"),
    path(R + "response/due/", fieldwork_views.response_due, name="review-response-due"),
    path(R + "response/send/", fieldwork_views.send_response, name="review-response-send"),
    path("orgs/<slug:slug>/findings/<int:pk>/approve/", fieldwork_views.approve_response,
         name="finding-approve"),
    path("orgs/<slug:slug>/queries/", views.inbox, name="query-inbox"),
    path("", include("secassure.review.remediation_urls")),
]
