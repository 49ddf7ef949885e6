from django.urls import path, re_path

from secassure.api import views
from secassure.api.routes import api

urlpatterns = [
    path("api/v1/", api.urls),
    # Any other path under /api/ answers as the API does, with a problem, not a web page.
    re_path(r"^api/", views.no_such_route),
    path("account/tokens/", views.tokens, name="api-tokens"),
    path("account/tokens/<int:pk>/revoke/", views.revoke, name="api-token-revoke"),
]
