from django.urls import path

from secassure.profile import views

urlpatterns = [
    path("orgs/<slug:slug>/edit/", views.edit_organisation, name="organisation-edit"),
    path("orgs/<slug:slug>/portfolio/add/", views.add_snapshot, name="portfolio-add"),
    path("orgs/<slug:slug>/advice/", views.record_advice, name="advice-record"),
    path("orgs/<slug:slug>/roles/add/", views.add_role, name="role-add"),
    path("orgs/<slug:slug>/roles/<int:pk>/remove/", views.remove_role, name="role-remove"),
    path("orgs/<slug:slug>/systems/add/", views.add_user_system, name="system-add"),
    path("orgs/<slug:slug>/systems/<int:pk>/decision/", views.record_system_decision, name="system-decision"),
    path("orgs/<slug:slug>/srp/add/", views.add_srp_provider, name="srp-add"),
    path("orgs/<slug:slug>/providers/<int:pk>/edit/", views.edit_provider, name="provider-edit"),
]
