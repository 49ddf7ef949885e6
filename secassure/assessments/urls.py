from django.urls import path

from secassure.assessments import views

A = "orgs/<slug:slug>/assessments/<int:pk>/"

urlpatterns = [
    path("orgs/<slug:slug>/assessments/", views.assessment_list, name="assessments"),
    path(A, views.workspace, name="assessment"),
    path(A + "questions/", views.questions, name="assessment-answers"),
    path(A + "<str:kind>/<int:item_pk>/", views.item, name="assessment-item"),
    path(A + "<str:kind>/<int:item_pk>/check/", views.check, name="assessment-check"),
    path(A + "<str:kind>/<int:item_pk>/evidence/", views.link, name="assessment-link"),
    path(A + "links/<int:link_pk>/delete/", views.unlink, name="assessment-unlink"),
    path(A + "owners/", views.assign_owners, name="assessment-owners"),
    path(A + "move/", views.move, name="assessment-move"),
    path(A + "details/", views.details, name="assessment-details"),
    path(A + "changes/", views.changes, name="assessment-changes"),
    path(A + "decision/", views.decide, name="assessment-decision"),
    path(A + "compare/", views.compare, name="assessment-compare"),
    path("orgs/<slug:slug>/risks/", views.risks, name="risks"),
    path("orgs/<slug:slug>/risks/<int:pk>/", views.risk, name="risk"),
]
