from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "secassure.api"
    label = "api"
    verbose_name = "JSON API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from secassure.api.core import parse_rate

        parse_rate(settings.SECASSURE_API_RATE)  # a malformed rate stops the start, saying what is wrong
