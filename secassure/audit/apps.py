from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "secassure.audit"
    label = "audit"
    verbose_name = "Audit log"
