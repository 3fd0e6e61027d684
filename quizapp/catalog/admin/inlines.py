"""A question's answer rows (one inline per sort of row, built from the question types' registry, each
checked against the question's type) and its versions.

The formsets check and read the rows; they never write them: the question form and the formset of its
type's rows become one QuestionSpec that the bank's pipeline writes (QuestionAdmin.save_related)."""

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


# --- Answer rows: one inline per sort of row, each checked against the question's type ------------------


class RowIdField(forms.ModelChoiceField):
    """A row's hidden id. A change to what is asked replaces the rows (as an import does), so a form sent
    again (a double click, a second tab) may name rows that are gone: such a row is read as a new row with
    the content typed, since the form holds all of the question's rows, rather than refused."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            return None

    def validate(self, value):
        """Django requires the id of a row the form was shown with; a row that is gone has none."""


class AnswerRowsFormSet(BaseInlineFormSet):
    """Checks its rows with the question type's rules when they are the sort the type uses; rows of another
    sort are dropped when the question is saved (see QuestionAdmin.save_related). `rows` is the sort
    (question_types.Rows): how its cleaned rows become the value the type checks."""

    rows = None

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name in self.rows.admin_optional:
            form.fields[name].required = False
        pk = self._pk_field.name
        form.fields[pk] = RowIdField(self.get_queryset(), initial=form.fields[pk].initial, required=False,
                                     widget=form.fields[pk].widget)

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

    def value(self):
        """The rows' content value (a QuestionSpec's), in the order the rows are kept: by the row model's
        ordering (`order`, `position`), rows already kept before new ones where it ties, as saving the
        forms one by one kept them."""
        ordering = [name for name in self.model._meta.ordering if name != "pk"]
        forms = list(self.live_forms())
        kept = sorted(range(len(forms)), key=lambda i: (
            *(forms[i].cleaned_data.get(name) or 0 for name in ordering),
            forms[i].instance.pk is None, forms[i].instance.pk or 0, i))
        return self.rows.from_form([_unix_newlines(dict(forms[i].cleaned_data)) for i in kept])

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


ANSWER_ROW_INLINES = [answer_rows_inline(rows) for rows in question_types.answer_row_sets()]


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
