from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "secassure.tenancy"
    label = "tenancy"
    verbose_name = "Organisations"

    def ready(self):
        from secassure.tenancy import signals  # noqa: F401 - connects the audit receivers
