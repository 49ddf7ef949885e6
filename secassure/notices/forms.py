"""The form a notice is recorded and changed with."""

from __future__ import annotations

from django import forms

from secassure.evidence.models import Document
from secassure.notices.actions import MAX_COUNT
from secassure.notices.choices import NoticeState, Recipient
from secassure.profile.choices import SystemKind
from secassure.profile.models import UserSystem
from secassure.widgets import DateInput


class NoticeForm(forms.Form):
    """Every field of a notice; the action checks them against the type's rules. Only this
    organisation's User Systems and documents can be chosen: the one door, in a drop-down."""

    kind = forms.ChoiceField(label="Type")
    known_on = forms.DateField(label="Known on", widget=DateInput(),
                               help_text="The day the matter was known (for G5.27, the date of the count).")
    what = forms.CharField(label="What happened", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    system = forms.ModelChoiceField(label="User System (G3.9)", queryset=UserSystem.objects.none(), required=False)
    count = forms.IntegerField(label="Smart Metering Systems counted (G5.27)", min_value=0, max_value=MAX_COUNT,
                               required=False)
    sent_on = forms.DateField(label="Sent on", required=False, widget=DateInput())
    sent_to = forms.MultipleChoiceField(label="Sent to", choices=Recipient.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    sent_how = forms.CharField(label="How it was sent", max_length=300, required=False,
                               help_text="For example: the SECAS secure notification form, reference 1234.")
    documents = forms.ModelMultipleChoiceField(label="Documents from the register", required=False,
                                               queryset=Document.objects.none(), widget=forms.CheckboxSelectMultiple)
    reply = forms.CharField(label="The reply received", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reply_on = forms.DateField(label="Reply received on", required=False, widget=DateInput())
    decision = forms.CharField(label="The decision received", max_length=300, required=False,
                               help_text="For G3.9: next-assessment or ad-hoc (an Owner records it, as it "
                                         "changes the User System's record too).")
    decided_on = forms.DateField(label="Decided on", required=False, widget=DateInput())
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisation, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(n.id, f"{n.clause}: {n.name}") for n in rules.notices]
        self.fields["system"].queryset = UserSystem.objects.filter(organisation=organisation,
                                                                   kind=SystemKind.FURTHER)
        self.fields["documents"].queryset = Document.objects.filter(organisation=organisation).order_by("title")

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("revision", None)
        data["documents"] = [d.pk for d in data["documents"]]
        return data


class FilterForm(forms.Form):
    """The register's filters: by type and by state."""

    type = forms.ChoiceField(required=False)
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *NoticeState.choices])

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Any type")] + [(n.id, n.clause) for n in (rules.notices if rules else [])]
