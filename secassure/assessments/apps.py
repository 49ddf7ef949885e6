from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "secassure.assessments"
    label = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        # The document page lists the assessments a document is linked in; the register asks
        # this reader rather than importing the assessments, which sit above it.
        from secassure.assessments.evidence_map import document_places
        from secassure.evidence import usage

        usage.add_reader(document_places)
