"""Forms for the document register."""

from django import forms

from secassure.evidence.choices import Classification, DocumentType
from secassure.profile.models import ThirdPartyProvider
from secassure.widgets import DateInput


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=300)
    doc_type = forms.ChoiceField(label="Type", choices=DocumentType.choices)
    classification = forms.ChoiceField(choices=Classification.choices, initial=Classification.INTERNAL)
    review_months = forms.IntegerField(label="Review every (months)", min_value=1, max_value=60, initial=12)
    provider = forms.ModelChoiceField(queryset=None, required=False, label="Maintained by a provider",
                                      help_text="Leave empty for a document the organisation maintains itself.")

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this organisation's providers: the one door, in a drop-down.
        self.fields["provider"].queryset = ThirdPartyProvider.objects.filter(organisation=organisation)


class VersionForm(forms.Form):
    file = forms.FileField(help_text="PDF, Office, image, text, CSV or email; 100 MB at most.")
    effective_date = forms.DateField(required=False, widget=DateInput(), help_text="Default: today.")
    expiry_date = forms.DateField(required=False, widget=DateInput())
    note = forms.CharField(max_length=500, required=False)


class AcceptForm(forms.Form):
    basis = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="What you checked and why it meets the SEC obligations.")
    valid_until = forms.DateField(required=False, widget=DateInput(),
                                  help_text="Default: the end of the relationship or the next review.")


class AssignDocumentForm(forms.Form):
    provider = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ObligationLinkForm(forms.Form):
    obligations = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    questions = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                               label="Self-assessment questions")

    def __init__(self, *args, version=None, **kwargs):
        from secassure.catalogue.models import Obligation, Question

        super().__init__(*args, **kwargs)
        self.fields["obligations"].queryset = (Obligation.objects.filter(version=version, assessable=True)
                                               .order_by("order") if version else Obligation.objects.none())
        self.fields["obligations"].label_from_instance = lambda o: f"{o.ref} {o.title}"
        self.fields["questions"].queryset = (Question.objects.filter(version=version).order_by("order")
                                             if version else Question.objects.none())
        self.fields["questions"].label_from_instance = lambda q: f"{q.ref} {q.text}"


class CampaignForm(forms.Form):
    members = forms.BooleanField(required=False, label="Everyone in the organisation")
    people_csv = forms.FileField(required=False, label="Or a list of staff (CSV with columns name and email)")
    due_date = forms.DateField(required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("members") and not cleaned.get("people_csv"):
            raise forms.ValidationError("Choose everyone in the organisation, or give a CSV of staff.")
        return cleaned
