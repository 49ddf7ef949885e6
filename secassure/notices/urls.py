from django.urls import path

from secassure.notices import views

urlpatterns = [
    path("orgs/<slug:slug>/notices/", views.register, name="notices"),
    path("orgs/<slug:slug>/notices/add/", views.add, name="notice-add"),
    path("orgs/<slug:slug>/notices/<int:pk>/", views.notice, name="notice"),
]
