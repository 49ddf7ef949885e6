from django.urls import path

from secassure.jobs import views

urlpatterns = [
    path("orgs/<slug:slug>/assessments/<int:pk>/files/pack/", views.request_pack, name="exchange-pack-job"),
    path("orgs/<slug:slug>/assessments/<int:pk>/files/import/later/", views.request_import, name="exchange-import-job"),
    path("orgs/<slug:slug>/jobs/<int:pk>/", views.job_page, name="job"),
    path("orgs/<slug:slug>/jobs/<int:pk>/download/", views.job_download, name="job-download"),
]
