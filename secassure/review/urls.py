from django.urls import include, path

import secassure.assessments.urls  # noqa: F401 - registers the <kind:...> converter
from secassure.review import views

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
    path("orgs/<slug:slug>/queries/", views.inbox, name="query-inbox"),
    path("", include("secassure.review.remediation_urls")),
]
