from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "secassure.web"
    label = "web"
    verbose_name = "Web"
