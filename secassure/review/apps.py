from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "secassure.review"
    label = "review"
    verbose_name = "CIO review, SSC outcome and remediation"
