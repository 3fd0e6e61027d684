from django import forms
from django.utils.translation import gettext_lazy as _

from quizapp.catalog.models import Section

from .models import Classroom


class SectionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, section):
        return section.title if section.parent_id is None else f"— {section.title}"


class ClassroomForm(forms.ModelForm):
    sections = SectionChoiceField(
        queryset=Section.objects.order_by("order"), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Sections studied"), help_text=_("Leave all unticked to study every section."),
    )

    class Meta:
        model = Classroom
        fields = ["name", "sections"]


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Join code"), max_length=20)
