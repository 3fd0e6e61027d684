"""Parsing what a learner submits: the start form, and an answer into the shape `catalog.answers` documents.
Anything malformed raises QuizError (a 400 that records nothing)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizapp.catalog.models import Section
from quizapp.whole_numbers import whole_number

from .models import Attempt
from .services import QuizError

MAX_TEXT = 200
MAX_CHOICES = 20


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


def _int(value) -> int:
    number = whole_number(value.strip() if isinstance(value, str) else None)
    if number is None:
        raise QuizError(_("That answer is not one this question offers; nothing was recorded."))
    return number


def parse_answer(shown: dict, post) -> object:
    """The given answer from the POST data, for the question type of the frozen copy `shown`."""
    kind = shown["type"]
    if kind in ("single", "truefalse"):
        value = post.get("choice")
        if not value:
            raise QuizError(_("Choose an answer first."))
        return _int(value)
    if kind == "multiple":
        values = post.getlist("choice")
        if not values:
            raise QuizError(_("Choose at least one answer."))
        if len(values) > MAX_CHOICES:
            raise QuizError(_("Too many choices; nothing was recorded."))
        return {_int(v) for v in values}
    if kind == "fill":
        text = post.get("text", "")
        if len(text) > MAX_TEXT:
            raise QuizError(_("That answer is too long (at most %(n)d characters).") % {"n": MAX_TEXT})
        if not text.strip():
            raise QuizError(_("Type an answer first."))
        return text
    if kind == "ordering":
        items = shown.get("items", [])
        positions = {}
        for item in items:
            raw = post.get(f"pos_{item['id']}")
            if raw is None:
                raise QuizError(_("Give every item a position."))
            position = _int(raw)
            if not 1 <= position <= len(items):
                raise QuizError(_("That answer is not one this question offers; nothing was recorded."))
            positions[item["id"]] = position
        if len(set(positions.values())) != len(items):
            raise QuizError(_("Use each position once."))
        return [item_id for item_id, _p in sorted(positions.items(), key=lambda kv: kv[1])]
    if kind == "matching":
        given = {}
        for left in shown.get("lefts", []):
            raw = post.get(f"match_{left['id']}")
            if not raw:
                raise QuizError(_("Match every item."))
            given[left["id"]] = _int(raw)
        return given
    raise QuizError(_("Unknown question type."))
