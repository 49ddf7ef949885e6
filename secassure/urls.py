"""URL routes: the web pages, accounts (sign-in, MFA), the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("secassure.web.urls")),
    path("", include("secassure.tenancy.urls")),
    path("", include("secassure.profile.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "secassure administration"
admin.site.site_title = "secassure"
