from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "secassure.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
