from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "secassure.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue"
