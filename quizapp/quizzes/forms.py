"""Parsing what a learner submits: the start form, and an answer into the shape `catalog.answers` documents.
Anything malformed raises QuizError (a 400 that records nothing)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizapp.catalog import question_types
from quizapp.catalog.models import Section

from .models import Attempt
from .services import QuizError


class StartForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of quiz"), choices=Attempt.Kind.choices,
                             widget=forms.RadioSelect, initial=Attempt.Kind.MIXED)
    sections = forms.ModelMultipleChoiceField(label=gettext_lazy("Sections"), queryset=Section.objects.leaves(),
                                              required=False, widget=forms.CheckboxSelectMultiple,
                                              to_field_name="key")
    length = forms.IntegerField(label=gettext_lazy("Number of questions"), min_value=Attempt.MIN_LENGTH,
                                max_value=Attempt.MAX_LENGTH, initial=Attempt.DEFAULT_LENGTH)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Attempt.Kind.SECTION and len(data.get("sections") or []) != 1:
            self.add_error("sections", _("Choose exactly one section for a section quiz."))
        return data


def parse_answer(shown: dict, post) -> object:
    """The given answer from the POST data, for the question type of the frozen copy `shown` (the type
    parses it; what it refuses comes back as a QuizError with the type's message)."""
    if not question_types.exists(shown.get("type")):
        raise QuizError(_("Unknown question type."))
    try:
        return question_types.get(shown["type"]).parse_answer(shown, post)
    except question_types.AnswerRefused as refused:
        raise QuizError(refused.message) from None
