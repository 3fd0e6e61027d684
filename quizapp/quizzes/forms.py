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
    """A section quiz takes exactly one leaf section (`section`, radio buttons); a mixed quiz any sections
    (`sections`, checkboxes: a part's key stands for all its leaves, which is how a part's box works
    without JavaScript); weak spots picks its own."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of quiz"), choices=Attempt.Kind.choices,
                             widget=forms.RadioSelect, initial=Attempt.Kind.MIXED)
    section = forms.ModelChoiceField(label=gettext_lazy("Section"), queryset=Section.objects.leaves(),
                                     required=False, widget=forms.RadioSelect, to_field_name="key")
    sections = forms.ModelMultipleChoiceField(label=gettext_lazy("Sections"), queryset=Section.objects.all(),
                                              required=False, widget=forms.CheckboxSelectMultiple,
                                              to_field_name="key")
    length = forms.IntegerField(label=gettext_lazy("Number of questions"), min_value=Attempt.MIN_LENGTH,
                                max_value=Attempt.MAX_LENGTH, initial=Attempt.DEFAULT_LENGTH)
    # One-time key of this rendering of the form (see services.attempt_start): a double submit starts one quiz.
    start_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Attempt.Kind.SECTION:
            chosen = data.get("section")
            ticked = list(data.get("sections") or [])
            # A form from before the radio buttons (or a link) sends its one section as `sections`.
            if chosen is None and len(ticked) == 1 and Section.objects.leaves().filter(pk=ticked[0].pk).exists():
                chosen = ticked[0]
            if chosen is None:
                self.add_error("section", _("Choose exactly one section for a section quiz."))
            else:
                data["sections"] = [chosen]
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
