from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "secassure.evidence"
    label = "evidence"
    verbose_name = "ISMS documents and evidence"
