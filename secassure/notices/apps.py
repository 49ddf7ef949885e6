from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "secassure.notices"
    verbose_name = "Notices register"
