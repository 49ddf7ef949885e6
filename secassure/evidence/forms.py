"""Forms for the document register."""

from django import forms

from secassure.evidence.choices import Classification, DocumentType
from secassure.tenancy.forms import DateInput


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=300)
    doc_type = forms.ChoiceField(label="Type", choices=DocumentType.choices)
    classification = forms.ChoiceField(choices=Classification.choices, initial=Classification.INTERNAL)
    review_months = forms.IntegerField(label="Review every (months)", min_value=1, max_value=60, initial=12)


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
