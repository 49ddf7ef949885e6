"""Forms of the review pages: the SSC's outcome and assurance status, and the findings and
remediation pages. Pickers are filled from lists the view has already read (the organisation's
people, documents, findings), so that a page with twenty action forms costs no more queries than a
page with one."""

from __future__ import annotations

from django import forms

from secassure.evidence.models import Document
from secassure.people import labels
from secassure.review.choices import (
    ActionStatus,
    Decision,
    FindingKind,
    FindingSource,
    FindingStatus,
    Result,
    Severity,
)
from secassure.widgets import DateInput

DATE = DateInput()


def _area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class Picker(forms.ChoiceField):
    """Choose one of the given objects by its id; cleans to the object itself (or None)."""

    def __init__(self, *, empty_label: str = "None", label_of=str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=[], **kwargs)
        self.empty_label, self.label_of, self.objects = empty_label, label_of, {}

    def offer(self, objects) -> None:
        self.objects = {str(o.pk): o for o in objects}
        self.choices = [("", self.empty_label), *((key, self.label_of(o)) for key, o in self.objects.items())]

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(str(value)) if value not in (None, "") else None


class PersonPicker(Picker):
    """Choose a person: by name, with the address added where two offered share a name."""

    def offer(self, objects) -> None:
        objects = list(objects)
        named = labels(objects)
        self.objects = {str(o.pk): o for o in objects}
        self.choices = [("", self.empty_label), *((str(o.pk), named[o.pk]) for o in objects)]


def _finding_label(finding) -> str:
    return f"{finding.ref} {finding.description[:60]}"


class PickerForm(forms.Form):
    """A form whose pickers are offered the objects passed as keyword arguments of the same name."""

    pickers: dict[str, str] = {}
    ids = "id_%s"  # forms that share a page each have their own, so that no element id repeats

    def __init__(self, *args, **kwargs):
        offered = {name: kwargs.pop(source, ()) for name, source in self.pickers.items()}
        kwargs.setdefault("auto_id", self.ids)
        super().__init__(*args, **kwargs)
        for name, objects in offered.items():
            self.fields[name].offer(objects)


class FindingForm(PickerForm):
    kind = forms.ChoiceField(choices=FindingKind.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    source = forms.ChoiceField(choices=FindingSource.choices, initial=FindingSource.CIO_REPORT)
    clause = forms.CharField(max_length=40, required=False, help_text="The SEC clause, such as G5.14.")
    description = forms.CharField(widget=_area(4))
    assessment = Picker(empty_label="None", label_of=lambda a: a.title,
                        help_text="The assessment whose review raised it.")
    response_due = forms.DateField(label="Response due", widget=DATE, required=False,
                                   help_text="The date the SSC set for the management response.")
    pickers = {"assessment": "assessments"}


class OpenPlanForm(PickerForm):
    assessment = Picker(required=True, empty_label="Choose a submitted assessment", label_of=lambda a: a.title)
    pickers = {"assessment": "assessments"}
    ids = "open-%s"


class ResponseForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    response = forms.CharField(label="Management response", widget=_area(6),
                               help_text="What the organisation will do about the finding, and by when.")


class FindingStatusForm(forms.Form):
    status = forms.ChoiceField(label="Move to", choices=[])
    reason = forms.CharField(widget=_area(2), required=False,
                             help_text="Needed to accept a risk: the SSC's reasons and reference.")

    def __init__(self, *args, moves=(), **kwargs):
        super().__init__(*args, **kwargs)
        # No move is chosen for the person: pressing the button without choosing moves nothing.
        self.fields["status"].choices = [("", "Choose…")] + [(s, FindingStatus(s).label) for s in moves]


class EvidenceForm(PickerForm):
    document = Picker(required=True, empty_label="Choose a document", label_of=lambda d: d.title)
    pickers = {"document": "documents"}


class AddActionForm(PickerForm):
    description = forms.CharField(widget=_area(3))
    finding = Picker(empty_label="None", label_of=_finding_label, help_text="The finding it answers.")
    clause = forms.CharField(max_length=40, required=False)
    owner = PersonPicker(empty_label="Nobody yet")
    target_date = forms.DateField(label="Target date", widget=DATE)
    pickers = {"finding": "findings", "owner": "members"}
    ids = "add-%s"


class ChangeActionForm(PickerForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    description = forms.CharField(widget=_area(2))
    clause = forms.CharField(max_length=40, required=False)
    owner = PersonPicker(empty_label="Nobody yet")
    target_date = forms.DateField(label="Target date", widget=DATE)
    status = forms.ChoiceField(choices=ActionStatus.choices)
    closure_evidence = Picker(label="Closure evidence", empty_label="None", label_of=lambda d: d.title,
                              help_text="Needed to mark the action done.")
    pickers = {"owner": "members", "closure_evidence": "documents"}


def action_initial(action) -> dict:
    return {"revision": action.revision, "description": action.description, "clause": action.clause,
            "owner": action.owner_id or "", "target_date": action.target_date, "status": action.status,
            "closure_evidence": action.closure_evidence_id or ""}


class ReportForm(PickerForm):
    sent_on = forms.DateField(label="Sent to the SSC on", widget=DATE)
    summary = forms.CharField(widget=_area(3), help_text="What the report said about progress.")
    document = Picker(label="Copy sent", empty_label="None", label_of=lambda d: d.title)
    pickers = {"document": "documents"}
    ids = "report-%s"


class LetterForm(PickerForm):
    signed_on = forms.DateField(label="Signed on", widget=DATE)
    commitments = forms.CharField(widget=_area(4), help_text="What the letter commits the organisation to.")
    document = Picker(label="Signed letter", empty_label="None", label_of=lambda d: d.title)
    pickers = {"document": "documents"}
    ids = "letter-%s"


class SendForm(PickerForm):
    sent_on = forms.DateField(label="Sent to the SSC on", widget=DATE)
    ids = "send-%s"


class ApprovalForm(PickerForm):
    approved_on = forms.DateField(label="Approved on", widget=DATE)
    reference = forms.CharField(label="SSC reference", max_length=100)
    ids = "approval-%s"


# --- the SSC's decision ------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    sent_on = forms.DateField(label="Sent to the SSC on", widget=DateInput(),
                              help_text="When the Validation Workbook went to the SSC with the CIO's final comments.")
    received_on = forms.DateField(label="Decision received on", widget=DateInput())
    reference = forms.CharField(max_length=100, required=False, label="SSC reference")
    text = forms.CharField(label="The decision in the SSC's words", widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)
    letter = forms.ModelChoiceField(queryset=None, required=False, label="The SSC's letter (from the register)")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"].queryset = Document.objects.filter(organisation=organisation)


class AssuranceForm(forms.Form):
    name = forms.CharField(label="Status as the SSC's letter names it", max_length=60,
                           help_text="For example Approved, Approved subject to, Deferred, Rejected; a letter "
                                     "from before 27 February 2020 may say Provisionally Approved.")
    effective_date = forms.DateField(label="Date of the letter", widget=DateInput())
    conditions = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


# --- an assessment the User CIO conducts ---------------------------------------------------------------


class FieldworkForm(forms.Form):
    start = forms.DateField(label="Fieldwork started", widget=DateInput(), required=False)
    end = forms.DateField(label="Fieldwork ended", widget=DateInput(), required=False,
                          help_text="The next assessment falls due within 12 months of this date.")
    ids = "fieldwork-%s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", self.ids)
        super().__init__(*args, **kwargs)


class ResultForm(forms.Form):
    result = forms.ChoiceField(choices=[("", "Choose…"), *Result.choices])
    note = forms.CharField(label="What was found", widget=_area(3), required=False,
                           help_text="Needed for a non-compliance: it becomes the finding's description.")
    examined = forms.MultipleChoiceField(label="Evidence examined", required=False,
                                         widget=forms.CheckboxSelectMultiple, choices=[])

    def __init__(self, *args, documents=(), material: bool = False, **kwargs):
        kwargs.setdefault("auto_id", "result-%s")
        super().__init__(*args, **kwargs)
        self.documents = {str(d.pk): d for d in documents}
        self.fields["examined"].choices = [(key, d.title) for key, d in self.documents.items()]
        if not self.documents:
            self.fields["examined"].help_text = ("No document is offered on this obligation yet: ask for one with an "
                                                 "evidence request below.")
        if not material:
            self.fields["result"].choices = [c for c in self.fields["result"].choices if c[0] != Result.MATERIAL]

    def clean_examined(self):
        return [self.documents[key] for key in self.cleaned_data["examined"]]


class CioReportForm(forms.Form):
    summary = forms.CharField(label="Summary", widget=_area(6),
                              help_text="What was assessed, how, and what was found. The results on each "
                                        "obligation are added to the report as they stand when it is issued.")
    ids = "report-%s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", self.ids)
        super().__init__(*args, **kwargs)


class ResponseDueForm(forms.Form):
    due = forms.DateField(label="The SSC's date for the response", widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "due-%s")
        super().__init__(*args, **kwargs)


class SendResponseForm(forms.Form):
    sent_on = forms.DateField(label="Sent to the SSC and the CIO on", widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "sent-%s")
        super().__init__(*args, **kwargs)
