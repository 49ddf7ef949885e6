"""Routes of the findings and remediation pages, included by the review app's URLs."""

from django.urls import path

from secassure.review import remediation_views as views

F = "orgs/<slug:slug>/findings/<int:pk>/"
P = "orgs/<slug:slug>/remediation/<int:pk>/"

urlpatterns = [
    path("orgs/<slug:slug>/findings/", views.findings, name="findings"),
    path(F, views.finding, name="finding"),
    path(F + "response/", views.finding_response, name="finding-response"),
    path(F + "status/", views.finding_status, name="finding-status"),
    path(F + "evidence/", views.finding_evidence, name="finding-evidence"),
    path("orgs/<slug:slug>/remediation/", views.open_plan, name="remediation-open"),
    path(P, views.plan, name="remediation-plan"),
    path(P + "actions/", views.plan_add_action, name="remediation-action-add"),
    path(P + "actions/<int:action_pk>/", views.plan_action, name="remediation-action"),
    path(P + "reports/", views.plan_report, name="remediation-report"),
    path(P + "letters/", views.plan_letter, name="remediation-letter"),
    path(P + "send/", views.plan_send, name="remediation-send"),
    path(P + "approval/", views.plan_approval, name="remediation-approval"),
]
