"""Forms for the party profile."""

from django import forms

from secassure.catalogue.choices import UserRole
from secassure.profile.actions import MAX_PREMISES
from secassure.profile.choices import AdvisedType, ProviderKind, SscReview
from secassure.profile.models import ThirdPartyProvider, UserSystem
from secassure.widgets import DateInput


class SnapshotForm(forms.Form):
    as_of = forms.DateField(label="Date of the counts", widget=DateInput())
    domestic = forms.IntegerField(label="Domestic premises", min_value=0, max_value=MAX_PREMISES)
    non_domestic = forms.IntegerField(label="Non-domestic premises", min_value=0, max_value=MAX_PREMISES)
    smets1 = forms.IntegerField(label="Enrolled SMETS1 systems", min_value=0, max_value=MAX_PREMISES, required=False)
    smets2 = forms.IntegerField(label="SMETS2 systems", min_value=0, max_value=MAX_PREMISES, required=False)
    source = forms.CharField(max_length=300, required=False, help_text="For example: SECAS count of 30 June.")


class AdviceForm(forms.Form):
    """SECAS's advice on the assessment type for a year of the current cycle."""

    year = forms.TypedChoiceField(label="Cycle year", choices=[(1, "1"), (2, "2"), (3, "3")], coerce=int)
    kind = forms.ChoiceField(label="Type SECAS advised", choices=AdvisedType.choices)
    advised_on = forms.DateField(label="Date of the advice", widget=DateInput())
    reference = forms.CharField(max_length=200, required=False,
                                help_text="SECAS's reference, or where the advice is kept.")


class RoleHoldingForm(forms.Form):
    role = forms.ChoiceField(label="User Role", choices=UserRole.choices)
    user_ids = forms.CharField(label="User IDs", required=False, help_text="Comma-separated EUI-64 User IDs.")
    start_date = forms.DateField(required=False, widget=DateInput())
    end_date = forms.DateField(required=False, widget=DateInput())

    def clean_user_ids(self):
        return [part.strip() for part in self.cleaned_data["user_ids"].split(",") if part.strip()]


class UserSystemForm(forms.ModelForm):
    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this organisation's Shared Resource Providers can be chosen: the one door, in a drop-down.
        self.fields["srp_provider"].queryset = ThirdPartyProvider.objects.filter(organisation=organisation).srp()

    class Meta:
        model = UserSystem
        fields = ["name", "kind", "hosting", "hosting_detail", "srp_provider", "ssc_notified_on", "in_use_from"]
        widgets = {"ssc_notified_on": DateInput(), "in_use_from": DateInput()}


class SystemDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="The SSC's decision", choices=[
        c for c in SscReview.choices if c[0]], widget=forms.RadioSelect)
    decided_on = forms.DateField(label="Decided on", widget=DateInput())


class ProviderForm(forms.Form):
    """A third-party provider; a Shared Resource Provider is one kind, whose relationship dates are the
    arrangement's."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ProviderKind.choices, initial=ProviderKind.OTHER)
    party_id = forms.CharField(label="SEC Party id", max_length=40, required=False,
                               help_text="For a Shared Resource Provider.")
    services = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contacts = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    relationship_start = forms.DateField(required=False, widget=DateInput())
    relationship_end = forms.DateField(required=False, widget=DateInput())
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SrpProviderForm(ProviderForm):
    """A Shared Resource Provider the organisation has an arrangement with (the kind is fixed)."""

    kind = None
    relationship_start = forms.DateField(label="Arrangement start", required=False, widget=DateInput())
    relationship_end = forms.DateField(label="Arrangement end", required=False, widget=DateInput(),
                                       help_text="Leave empty while the arrangement is in force.")
