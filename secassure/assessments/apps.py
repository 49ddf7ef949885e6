from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "secassure.assessments"
    label = "assessments"
    verbose_name = "Assessments"
