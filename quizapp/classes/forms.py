from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quizapp.accounts.models import time_zone_choices, valid_time_zone
from quizapp.catalog.models import Section

from .models import Assignment, Classroom


def _leaves_only(ticked) -> list:
    """A ticked part stands for all its leaves: a part and its leaves are stored as the part alone."""
    ticked = list(ticked)
    parts = {s.pk for s in ticked if s.parent_id is None}
    return [s for s in ticked if s.parent_id is None or s.parent_id not in parts]


class SectionTreeMixin:
    def ticked_ids(self) -> set[int]:
        """The sections the form shows ticked: what was sent, or the object's own choice."""
        value = self["sections"].value() or []
        return {int(v) for v in value if str(v).isdigit()}


class ClassroomForm(SectionTreeMixin, forms.ModelForm):
    """The template draws `sections` as the section tree (a part's box, then its leaves; see form.html and
    static/js/start_form.js). A ticked part stands for all its leaves, with JavaScript or without, so a part
    and its leaves are stored as the part alone: nothing is counted twice, and a leaf added to the part later
    is studied too."""

    sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.order_by("order"), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Sections studied"), help_text=_("Leave all unticked to study every section."),
    )

    # Not required: a form from before time zones (or a script) keeps the class's zone, or the site's.
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False,
                                  help_text=_("Assignments open and fall due at the times you type, in this zone."))

    class Meta:
        model = Classroom
        fields = ["name", "time_zone", "sections"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.time_zone if self.instance.pk else settings.TIME_ZONE
        self.fields["time_zone"].choices = time_zone_choices(current)
        self.fields["time_zone"].initial = current

    def clean_time_zone(self):
        chosen = valid_time_zone(self.cleaned_data.get("time_zone") or "")
        return chosen or (self.instance.time_zone if self.instance.pk else settings.TIME_ZONE)

    def clean_sections(self):
        return _leaves_only(self.cleaned_data["sections"])


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker; the value is read and shown in the current time zone, which the
    assignment views set to the class's."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class AssignmentForm(SectionTreeMixin, forms.Form):
    """An assignment's kind, sections (the section tree, as the class form), number of questions (a quiz
    only), and open and due times in the class's time zone. `form_key`: this rendering's one-time key, so
    the same form sent twice creates one assignment."""

    kind = forms.ChoiceField(label=_("What to do"), choices=Assignment.Kind.choices, widget=forms.RadioSelect,
                             initial=Assignment.Kind.QUIZ)
    sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.order_by("order"), widget=forms.CheckboxSelectMultiple, label=_("Sections"),
        help_text=_("Tick at least one section; a part stands for all its sections."),
        error_messages={"required": _("Tick at least one section.")},
    )
    questions = forms.IntegerField(
        label=_("Number of questions"), required=False, min_value=Assignment.MIN_QUESTIONS,
        max_value=Assignment.MAX_QUESTIONS, initial=10,
        help_text=_("For a quiz: 1 to 50 answers in these sections, in finished quizzes started after it opens."))
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DateTimeLocalInput())
    due_at = forms.DateTimeField(label=_("Due"), widget=DateTimeLocalInput())
    form_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_from(cls, assignment) -> dict:
        return {"kind": assignment.kind, "sections": [s.pk for s in assignment.sections.all()],
                "questions": assignment.questions, "opens_at": assignment.opens_at, "due_at": assignment.due_at}

    def clean_sections(self):
        return _leaves_only(self.cleaned_data["sections"])

    def clean(self):
        data = super().clean()
        opens, due = data.get("opens_at"), data.get("due_at")
        if opens and due and due <= opens:
            self.add_error("due_at", _("The due time must be after the open time."))
        if data.get("kind") == Assignment.Kind.QUIZ:
            if data.get("questions") is None and "questions" not in self.errors:
                self.add_error("questions", _("Give the number of questions, 1 to 50."))
        else:
            data["questions"] = None
        return data


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Join code"), max_length=20)
