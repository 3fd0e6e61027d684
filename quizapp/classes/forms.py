from django import forms
from django.utils.translation import gettext_lazy as _

from quizapp.catalog.models import Section

from .models import Classroom


class ClassroomForm(forms.ModelForm):
    """The template draws `sections` as the section tree (a part's box, then its leaves; see form.html and
    static/js/start_form.js). A ticked part stands for all its leaves, with JavaScript or without, so a part
    and its leaves are stored as the part alone: nothing is counted twice, and a leaf added to the part later
    is studied too."""

    sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.order_by("order"), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Sections studied"), help_text=_("Leave all unticked to study every section."),
    )

    class Meta:
        model = Classroom
        fields = ["name", "sections"]

    def clean_sections(self):
        ticked = list(self.cleaned_data["sections"])
        parts = {s.pk for s in ticked if s.parent_id is None}
        return [s for s in ticked if s.parent_id is None or s.parent_id not in parts]

    def ticked_ids(self) -> set[int]:
        """The sections the form shows ticked: what was sent, or the class's own choice."""
        value = self["sections"].value() or []
        return {int(v) for v in value if str(v).isdigit()}


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Join code"), max_length=20)
