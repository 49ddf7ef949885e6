from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "secassure.tenancy"
    label = "tenancy"
    verbose_name = "Organisations"
