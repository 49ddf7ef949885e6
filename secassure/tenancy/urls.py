from django.urls import path

from secassure.tenancy import views

urlpatterns = [
    path("orgs/new/", views.organisation_new, name="organisation-new"),
    path("orgs/<slug:slug>/members/", views.members, name="members"),
    path("orgs/<slug:slug>/members/invite/", views.invite, name="invite"),
    path("orgs/<slug:slug>/members/<int:pk>/role/", views.change_role, name="member-role"),
    path("orgs/<slug:slug>/members/<int:pk>/remove/", views.remove_member, name="member-remove"),
    path("orgs/<slug:slug>/invitations/<int:pk>/revoke/", views.revoke_invitation, name="invitation-revoke"),
    path("invitations/<str:token>/", views.accept_invitation, name="invitation-accept"),
]
