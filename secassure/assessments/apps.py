from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "secassure.assessments"
    label = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        # The workspace asks for a page's evidence with __any (secassure.lookups).
        from secassure import lookups

        lookups.register()

        # The document page lists the assessments a document is linked in; the register asks
        # this reader rather than importing the assessments, which sit above it.
        from secassure.assessments.evidence_map import document_places
        from secassure.evidence import usage

        usage.add_reader(document_places)

        # The planner dates each cycle year from the fieldwork recorded on the assessments before
        # it; the profile, below, asks this reader: one query for any number of organisations.
        from secassure.assessments.models import Assessment
        from secassure.profile import recorded

        def assessments_of(organisation_ids):
            return (Assessment.objects.filter(organisation_id__in=list(organisation_ids)).order_by()
                    .values_list("organisation_id", "kind", "cycle_year", "fieldwork_start", "fieldwork_end", "pk",
                                 "status"))

        recorded.add_reader("assessments", assessments_of)
