"""A question's answer rows (one inline per kind, each checked against the question's type) and its
versions."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..models import AcceptedAnswer, Choice, MatchPair, OrderItem, QuestionVersion
from ..rendering import plain_text
from .forms import _unix_newlines


# --- Answer rows: one inline per kind, each checked against the question's type ------------------------


class AnswerRowsFormSet(BaseInlineFormSet):
    """Checks its rows with `rules` when they are the kind the question's type uses; rows of another kind
    are dropped when the question is saved (see QuestionAdmin.save_related)."""

    kind = ""

    def live_forms(self):
        """The forms whose rows the question keeps: valid, not deleted, and not blank extra rows."""
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and self._should_delete_form(form)):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue
            yield form

    def live_rows(self):
        return [_unix_newlines(dict(form.cleaned_data)) for form in self.live_forms()]

    def values(self, rows):
        raise NotImplementedError

    def clean(self):
        super().clean()
        qtype = self.instance.type
        if rules.TYPE_ROWS.get(qtype) != self.kind or any(form.errors for form in self.forms):
            return
        problems = rules.answer_problems(qtype, **{self.kind: self.values(self.live_rows())})
        if problems:
            raise ValidationError([capfirst(p) for p in problems])  # lazy: in the request's language


TRUE_FALSE_WORDS = {  # what a teacher may type for a true/false question's two choices
    "true": rules.TRUE, "t": rules.TRUE, "对": rules.TRUE, "正确": rules.TRUE, "是": rules.TRUE, "√": rules.TRUE,
    "false": rules.FALSE, "f": rules.FALSE, "错": rules.FALSE, "错误": rules.FALSE, "否": rules.FALSE,
    "×": rules.FALSE,
}


class ChoiceFormSet(AnswerRowsFormSet):
    kind = "choices"

    def clean(self):
        if self.instance.type == "truefalse":  # stored as 'true' and 'false', whatever word was typed
            for form in self.forms:
                data = getattr(form, "cleaned_data", None)
                word = TRUE_FALSE_WORDS.get((data or {}).get("text", "").strip().casefold())
                if word:
                    data["text"] = form.instance.text = word
        super().clean()

    def values(self, rows):
        return [(r.get("text") or "", bool(r.get("is_correct"))) for r in rows]


class AcceptedAnswerFormSet(AnswerRowsFormSet):
    kind = "answers"

    def values(self, rows):
        return [r.get("text") or "" for r in rows]


class OrderItemFormSet(AnswerRowsFormSet):
    """The rows are entered in the right order: a blank position takes the row's place; positions given
    must all differ (two items in one place would leave the right order to chance)."""

    kind = "items"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["position"].required = False

    def clean(self):
        places = set()
        for row, form in enumerate(self.live_forms(), start=1):
            data = form.cleaned_data
            if data.get("position") is None:
                data["position"] = form.instance.position = row
            if data["position"] in places and rules.TYPE_ROWS.get(self.instance.type) == self.kind:
                raise ValidationError(
                    _("Two items share position %(n)d: give each item its own place, or leave the positions "
                      "empty to use the rows' order.") % {"n": data["position"]})
            places.add(data["position"])
        super().clean()

    def values(self, rows):
        return [r.get("text") or "" for r in sorted(rows, key=lambda r: r.get("position") or 0)]


class MatchPairFormSet(AnswerRowsFormSet):
    kind = "pairs"

    def values(self, rows):
        return [(r.get("left") or "", r.get("right") or "") for r in rows]


class AnswerRowsInline(admin.TabularInline):
    classes = ["answer-rows"]

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None:
            return 4 if self.model is Choice else 3
        return 1 if rules.TYPE_ROWS.get(obj.type) == self.formset.kind else 0


class ChoiceInline(AnswerRowsInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ["text", "is_correct", "order"]
    verbose_name_plural = _("Choices (single choice, multiple choice, true/false: 'true' and 'false', or 对 and 错)")
    formfield_overrides = {models.TextField: {"widget": forms.TextInput(attrs={"size": 60})}}


class AcceptedAnswerInline(AnswerRowsInline):
    model = AcceptedAnswer
    formset = AcceptedAnswerFormSet
    verbose_name_plural = _("Accepted answers (fill in the blank)")


class OrderItemInline(AnswerRowsInline):
    model = OrderItem
    formset = OrderItemFormSet
    fields = ["text", "position"]
    verbose_name_plural = _("Items in the right order (ordering)")


class MatchPairInline(AnswerRowsInline):
    model = MatchPair
    formset = MatchPairFormSet
    fields = ["left", "right", "order"]
    verbose_name_plural = _("Pairs (matching)")


class QuestionVersionInline(admin.TabularInline):
    """The earlier versions of a question: what learners who answered them saw. Read-only."""

    model = QuestionVersion
    fields = ["number", "asked", "replaced_at", "replaced_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Earlier versions (what learners who answered them saw)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("catalog.view_question")

    @admin.display(description=_("What was asked"))
    def asked(self, version):
        content = version.content
        if content.get("reconstructed"):  # catalog migration 0005: a version whose content was never kept
            return gettext("Not recorded: this version was replaced before earlier versions were kept.")
        right = (
            [t for t, ok in content.get("choices", []) if ok]
            or content.get("answers")
            or content.get("items")
            or [f"{left} → {r}" for left, r in content.get("pairs", [])]
        )
        return format_html(
            "{}<br><small>{} {}</small>",
            plain_text(content.get("prompt", ""), 120),
            gettext("Right:"),
            " · ".join(right),
        )
