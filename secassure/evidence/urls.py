from django.urls import path

from secassure.evidence import views

urlpatterns = [
    path("orgs/<slug:slug>/documents/", views.register, name="documents"),
    path("orgs/<slug:slug>/documents/<int:pk>/", views.document, name="document"),
    path("orgs/<slug:slug>/documents/<int:pk>/accept/", views.accept, name="document-accept"),
    path("orgs/<slug:slug>/documents/<int:pk>/obligations/", views.link, name="document-link"),
    path("orgs/<slug:slug>/documents/<int:pk>/status/", views.move, name="document-move"),
    path("orgs/<slug:slug>/documents/<int:pk>/campaigns/", views.start_campaign, name="campaign-start"),
    path("attest/<str:token>/", views.attest, name="attest"),
    path("attest/<str:token>/file/", views.attest_file, name="attest-file"),
    path("orgs/<slug:slug>/providers/", views.providers, name="providers"),
    path("orgs/<slug:slug>/providers/<int:pk>/members/", views.assign_member, name="provider-assign"),
    path("orgs/<slug:slug>/documents/<int:pk>/versions/<int:number>/download/", views.download,
         name="document-download"),
]
