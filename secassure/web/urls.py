from django.urls import path

from secassure.web import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("catalogue/", views.catalogue_index, name="catalogue-index"),
    path("catalogue/<slug:framework>/<str:version>/", views.catalogue_version, name="catalogue-version"),
    path("catalogue/<slug:framework>/<str:version>/<str:ref>/", views.catalogue_obligation,
         name="catalogue-obligation"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("search/", views.search, name="search"),
]
