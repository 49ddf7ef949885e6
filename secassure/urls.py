"""URL routes: the web pages, accounts (sign-in, MFA), the admin."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import Http404
from django.urls import include, path

from secassure.web.organisation import organisation


def _closed(request, *args, **kwargs):
    # People's addresses come from invitations: changing one here would let an unproven address
    # sign in. An operator changes an address in the admin.
    raise Http404("Not available")


# The admin signs in through the same door as everyone else: throttled, with MFA.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("secassure.web.urls")),
    path("", include("secassure.tenancy.urls")),
    # After the tenancy routes, so that orgs/new/ is not taken for an organisation's page.
    path("orgs/<slug:slug>/", organisation, name="organisation"),
    path("", include("secassure.profile.urls")),
    path("", include("secassure.evidence.urls")),
    path("", include("secassure.notices.urls")),
    path("", include("secassure.assessments.urls")),
    path("", include("secassure.review.urls")),
    path("", include("secassure.exchange.urls")),
    path("", include("secassure.reminders.urls")),
    path("", include("secassure.inbox.urls")),
    path("", include("secassure.jobs.urls")),
    path("", include("secassure.api.urls")),
    path("accounts/email/", _closed),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "secassure administration"
admin.site.site_title = "secassure"
