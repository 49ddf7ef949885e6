from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue

from secassure.assessments.choices import (
    Answer,
    AssessmentType,
    ChangeArea,
    Compliance,
    Decision,
    RiskStatus,
    Treatment,
    answers_for,
)
from secassure.assessments.models import Assessment, Risk
from secassure.catalogue.choices import AnswerKind
from secassure.people import display_name, labels
from secassure.tenancy import access
from secassure.tenancy.access import people_with
from secassure.widgets import DateInput

CHANGED = [("", "Not said"), ("yes", "Yes"), ("no", "No")]
SCORE = [(n, str(n)) for n in range(1, 6)]
DATE = DateInput()


def members_of(org):
    return get_user_model().objects.filter(memberships__organisation=org).order_by("email")


class _PeopleChoices(ModelChoiceIterator):
    """The people offered, labelled together so that two who share a name are told apart."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        people = list(self.queryset)
        named = labels(people)
        for user in people:
            yield (ModelChoiceIteratorValue(self.field.prepare_value(user), user), named[user.pk])


class OwnerField(forms.ModelChoiceField):
    """Who owns a piece of work: offered only people whose role lets them do it."""

    iterator = _PeopleChoices

    def label_from_instance(self, obj):
        return display_name(obj)


def _changed(value: str):
    return {"yes": True, "no": False}.get(value)


class ItemForm(forms.Form):
    """What rows and answers share: the revision the person saw, owner and change since baseline."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    owner = OwnerField(queryset=None, required=False, empty_label="Nobody")
    changed = forms.ChoiceField(label="Changed since the baseline", choices=CHANGED, required=False)
    change_note = forms.CharField(label="What changed", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, organisation, current_owner=None, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item  # the row or answer being edited, when the form depends on it
        self.fields["owner"].queryset = people_with(organisation, access.EDIT_ASSESSMENTS,
                                                    keep=current_owner or self.initial.get("owner"))

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("revision")
        data["changed"] = _changed(data["changed"])
        return data


class RowForm(ItemForm):
    status = forms.ChoiceField(label="Compliance", choices=Compliance.choices)
    narrative = forms.CharField(label="How it is met", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    na_reason = forms.CharField(label="Why it does not apply", widget=forms.Textarea(attrs={"rows": 2}),
                                required=False)
    last_tested = forms.DateField(label="Last tested", widget=DATE, required=False)
    field_order = ["status", "narrative", "na_reason", "last_tested", "owner", "changed", "change_note", "revision"]


class AnswerForm(ItemForm):
    answer = forms.ChoiceField(choices=Answer.choices, required=False)
    narrative = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    material = forms.BooleanField(label="Material increase in security risk", required=False)
    material_rationale = forms.CharField(label="Rationale", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    field_order = ["answer", "narrative", "material", "material_rationale", "owner", "changed", "change_note",
                   "revision"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        question = self.item.question if self.item is not None else None
        offered = answers_for(question.answer_kind if question else AnswerKind.YES_NO)
        if offered:
            self.fields["answer"].choices = [("", Answer.UNANSWERED.label), *((a.value, a.label) for a in offered)]
        else:
            # Answered in words: there is nothing to choose, and the narrative is the answer.
            del self.fields["answer"]
            narrative = self.fields["narrative"]
            narrative.label = "Your answer"
            narrative.help_text = "This question is answered in words: it counts as answered once this is written."


def initial_for(item) -> dict:
    initial = {f: getattr(item, f) for f in ("revision", "change_note", "narrative")}
    initial["owner"] = item.owner_id
    initial["changed"] = {True: "yes", False: "no"}.get(item.changed, "")
    for f in ("status", "na_reason", "last_tested", "answer", "material", "material_rationale"):
        if hasattr(item, f):
            initial[f] = getattr(item, f)
    return initial


class CreateForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=AssessmentType.choices, initial=AssessmentType.SSA)
    title = forms.CharField(max_length=200, required=False, help_text="A name is made up when left empty.")
    cycle_year = forms.TypedChoiceField(label="Cycle year", choices=[("", "—"), (1, "1"), (2, "2"), (3, "3")],
                                        coerce=int, empty_value=None, required=False)
    baseline = forms.ModelChoiceField(queryset=None, required=False, empty_label="None",
                                      help_text="The submitted assessment to compare with; its answers and "
                                                "evidence are carried forward as a starting point.")
    period_start = forms.DateField(widget=DATE, required=False)
    period_end = forms.DateField(widget=DATE, required=False)
    planned_start = forms.DateField(widget=DATE, required=False)
    planned_end = forms.DateField(widget=DATE, required=False)
    booking_reference = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        # A baseline is a finished assessment: submitted by the User, or reported on by the User CIO.
        self.fields["baseline"].queryset = (Assessment.objects.filter(organisation=organisation).submitted()
                                            .order_by("-created_at", "-pk"))


class DetailsForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["title", "cycle_year", "period_start", "period_end", "planned_start", "planned_end",
                  "booking_reference", "fieldwork_start", "fieldwork_end"]
        widgets = {f: DATE for f in fields if f.endswith(("_start", "_end"))}


class FieldworkForm(forms.ModelForm):
    """The CIO's fieldwork dates, which are recorded whenever they become known, after submission too."""

    class Meta:
        model = Assessment
        fields = ["fieldwork_start", "fieldwork_end"]
        widgets = {f: DATE for f in fields}
        help_texts = {"fieldwork_end": "The next assessment falls due within 12 months of this date (G8.40)."}


class SignOffForm(forms.Form):
    declaration = forms.CharField(widget=forms.HiddenInput)
    accept = forms.BooleanField(label="I accept this declaration", error_messages={
        "required": "Tick the declaration to accept it: signing off is a director's statement."})


class MoveForm(forms.Form):
    to = forms.CharField()
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[c for c in Decision.choices if c[0]], widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="What the CIO and the SSC will read: why risk did or did not "
                                       "materially increase.")


class ChangeForm(forms.Form):
    area = forms.ChoiceField(choices=ChangeArea.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    changed_on = forms.DateField(label="When", widget=DATE, required=False)
    risk = forms.ModelChoiceField(queryset=None, required=False, empty_label="No risk linked")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].queryset = Risk.objects.filter(organisation=organisation)


class RiskForm(forms.Form):
    title = forms.CharField(max_length=300)
    asset = forms.CharField(label="Asset or scope", max_length=300, required=False)
    threat = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    vulnerability = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    inherent_likelihood = forms.TypedChoiceField(choices=SCORE, coerce=int)
    inherent_impact = forms.TypedChoiceField(choices=SCORE, coerce=int)
    residual_likelihood = forms.TypedChoiceField(choices=SCORE, coerce=int)
    residual_impact = forms.TypedChoiceField(choices=SCORE, coerce=int)
    treatment = forms.ChoiceField(choices=Treatment.choices)
    treatment_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = OwnerField(queryset=None, required=False, empty_label="Nobody")
    review_date = forms.DateField(widget=DATE, required=False)
    status = forms.ChoiceField(choices=RiskStatus.choices, initial=RiskStatus.OPEN)
    reason = forms.CharField(label="Why it changed", required=False, max_length=2000)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_with(organisation, access.EDIT_RISKS, keep=self.initial.get("owner"))
