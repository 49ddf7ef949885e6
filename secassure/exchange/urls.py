from django.urls import path

from secassure.exchange import views
from secassure.exchange.intake import views as intake

F = "orgs/<slug:slug>/assessments/<int:pk>/files/"

urlpatterns = [
    path(F, views.files, name="exchange"),
    path(F + "workbook.xlsx", views.download_workbook, name="exchange-workbook"),
    path(F + "report.pdf", views.download_report, name="exchange-report"),
    path(F + "cio-report-v<int:version>.pdf", views.download_cio_report, name="exchange-cio-report"),
    path(F + "pack.zip", views.download_pack, name="exchange-pack"),
    path(F + "<str:what>.csv", views.download_csv, name="exchange-csv"),
    path(F + "oscal/<str:model>.json", views.download_oscal, name="exchange-oscal"),
    path(F + "import/", views.upload, name="exchange-upload"),
    path(F + "import/apply/", views.apply, name="exchange-apply"),
    path("orgs/<slug:slug>/intake/", intake.start, name="intake"),
    path("orgs/<slug:slug>/intake/upload/", intake.upload, name="intake-upload"),
    path("orgs/<slug:slug>/intake/mapping/", intake.remap, name="intake-remap"),
    path("orgs/<slug:slug>/intake/preview/", intake.preview, name="intake-preview"),
    path("orgs/<slug:slug>/intake/apply/", intake.apply, name="intake-apply"),
]
