"""A question's answer rows (one inline per kind of row, built from the question types' registry, each
checked against the question's type) and its versions."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import question_types
from ..models import Question, QuestionVersion
from ..rendering import plain_text
from .forms import _unix_newlines


# --- Answer rows: one inline per kind, each checked against the question's type ------------------------


class AnswerRowsFormSet(BaseInlineFormSet):
    """Checks its rows with the question type's rules when they are the kind the type uses; rows of another
    kind are dropped when the question is saved (see QuestionAdmin.save_related). `rows` is the kind
    (question_types.Rows): how its cleaned rows become the value the type checks."""

    rows = None

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name in self.rows.admin_optional:
            form.fields[name].required = False

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

    def question_type(self):
        """The question's type when it keeps this formset's rows, else None."""
        name = self.instance.type
        qtype = question_types.get(name) if question_types.exists(name) else None
        return qtype if qtype is not None and qtype.rows is self.rows else None

    def clean(self):
        qtype = self.question_type()
        if qtype is not None:
            for form in self.forms:
                if getattr(form, "cleaned_data", None):
                    qtype.admin_clean_row(form.cleaned_data, form.instance)
        self.rows.admin_clean(list(self.live_forms()), in_use=qtype is not None)
        super().clean()
        if qtype is None or any(form.errors for form in self.forms):
            return
        problems = qtype.answer_problems(self.rows.from_form(self.live_rows()))
        if problems:
            raise ValidationError([capfirst(p) for p in problems])  # lazy: in the request's language


class AnswerRowsInline(admin.TabularInline):
    classes = ["answer-rows"]

    def get_extra(self, request, obj=None, **kwargs):
        rows = self.formset.rows
        if obj is None:
            return rows.admin_new_rows
        return 1 if question_types.exists(obj.type) and question_types.get(obj.type).rows is rows else 0


def answer_rows_inline(rows) -> type:
    """The inline of one kind of answer row, built from the kind (question_types.Rows)."""
    attrs = {
        "__module__": __name__,
        "model": rows.model(Question),
        "formset": type(f"{type(rows).__name__}FormSet", (AnswerRowsFormSet,), {"rows": rows}),
        "fields": rows.admin_fields,
        "verbose_name_plural": rows.admin_label,
    }
    if rows.admin_text_input:
        attrs["formfield_overrides"] = {models.TextField: {"widget": forms.TextInput(attrs={"size": 60})}}
    return type(f"{type(rows).__name__}Inline", (AnswerRowsInline,), attrs)


ANSWER_ROW_INLINES = [answer_rows_inline(rows) for rows in question_types.row_kinds()]


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
        right = question_types.get(content["type"]).right_texts(content)
        return format_html(
            "{}<br><small>{} {}</small>",
            plain_text(content.get("prompt", ""), 120),
            gettext("Right:"),
            " · ".join(right),
        )
