from django.urls import path, register_converter

from secassure.assessments import views


class ItemKind:
    """The two kinds of item an assessment holds, as they appear in addresses."""

    regex = "rows|answers"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ItemKind, "kind")

A = "orgs/<slug:slug>/assessments/<int:pk>/"

urlpatterns = [
    path("orgs/<slug:slug>/assessments/", views.assessment_list, name="assessments"),
    path(A, views.workspace, name="assessment"),
    path(A + "questions/", views.questions, name="assessment-answers"),
    path(A + "<kind:kind>/check/", views.check_many, name="assessment-check-many"),
    path(A + "<kind:kind>/confirm/", views.confirm_many, name="assessment-confirm-many"),
    path(A + "documents/", views.documents, name="assessment-documents"),
    path(A + "<kind:kind>/<int:item_pk>/", views.item, name="assessment-item"),
    path(A + "<kind:kind>/<int:item_pk>/check/", views.check, name="assessment-check"),
    path(A + "<kind:kind>/<int:item_pk>/evidence/", views.link, name="assessment-link"),
    path(A + "links/<int:link_pk>/delete/", views.unlink, name="assessment-unlink"),
    path(A + "owners/", views.assign_owners, name="assessment-owners"),
    path(A + "move/", views.move, name="assessment-move"),
    path(A + "sign-off/", views.sign_off, name="assessment-sign-off"),
    path(A + "details/", views.details, name="assessment-details"),
    path(A + "changes/", views.changes, name="assessment-changes"),
    path(A + "decision/", views.decide, name="assessment-decision"),
    path(A + "compare/", views.compare, name="assessment-compare"),
    path("orgs/<slug:slug>/obligations/", views.obligations, name="obligations"),
    path("orgs/<slug:slug>/risks/", views.risks, name="risks"),
    path("orgs/<slug:slug>/risks/<int:pk>/", views.risk, name="risk"),
]
