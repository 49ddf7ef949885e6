"""Forms for organisations, members and invitations. Validation that is a business rule lives in
the actions; these check shapes and show the actions' refusals next to the fields."""

from django import forms

from secassure.catalogue.choices import PartyCategory
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Organisation
from secassure.widgets import DateInput


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "sec_party_id", "category", "cycle_start", "dcc_live_since", "require_mfa",
                  "material_risk_threshold", "classification_label"]
        widgets = {"cycle_start": DateInput(), "dcc_live_since": DateInput()}
        help_texts = {"require_mfa": "Owners and CIO reviewers always need MFA; tick to require it of everyone."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material_risk_threshold"].required = False  # left empty: unchanged
        self.fields["classification_label"].required = False  # left empty: unchanged

    def clean_material_risk_threshold(self):
        value = self.cleaned_data.get("material_risk_threshold")
        return self.instance.material_risk_threshold if value is None else value

    def clean_classification_label(self):
        value = " ".join((self.cleaned_data.get("classification_label") or "").split())
        return value or self.instance.classification_label


class NewOrganisationForm(forms.Form):
    name = forms.CharField(label="Legal name", max_length=200)
    category = forms.ChoiceField(label="Party category", choices=PartyCategory.choices)
    sec_party_id = forms.CharField(label="SEC Party id", max_length=40, required=False)
    cycle_start = forms.DateField(label="End of the year-1 FUSA fieldwork", required=False, widget=DateInput(),
                                  help_text="Starts the three-year cycle; leave empty if not yet known.")


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=MemberRole.choices, initial=MemberRole.CONTRIBUTOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=MemberRole.choices)


_NEW_PASSWORD = {"autocomplete": "new-password"}


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(label="Choose a password", widget=forms.PasswordInput(attrs=_NEW_PASSWORD),
                                help_text="At least 12 characters, not a common password.")
    password2 = forms.CharField(label="The same password again", widget=forms.PasswordInput(attrs=_NEW_PASSWORD))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            raise forms.ValidationError("The two passwords differ.")
        return cleaned
