"""Authoring in the Django admin: sections, questions (one admin that adapts to the type) and flashcards,
with preview, import, export and the actions teachers know from Moodle's question bank.

Teachers (the `Teachers` group, accounts.roles) see exactly these; every change, action and import is in
the admin log.
"""

import io
import json
import random
import re
import zipfile
from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as delete_selected_action
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import ExpressionWrapper, F, FloatField, OrderBy, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import authoring, question_types, rules
from .question_types import cues
from .answers import InvalidAnswer
from .exchange import UnreadableFile, decode, guess_format
from .loading import question_content
from .models import (
    Flashcard,
    Question,
    QuestionVersion,
    Section,
    Status,
)
from .rendering import plain_text, removed_by_sanitizing
from .reports import content_report

TEXT_FIELDS = ("prompt", "explanation", "notes", "front", "back", "hint", "text", "left", "right")


def _unix_newlines(cleaned: dict) -> dict:
    for name in TEXT_FIELDS:
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].replace("\r\n", "\n")
    return cleaned


def _log(request, objects, flag, message):
    if objects:
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=list(objects), action_flag=flag, change_message=message
        )


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
        right = question_types.get(content["type"]).right_texts(content)
        return format_html(
            "{}<br><small>{} {}</small>",
            plain_text(content.get("prompt", ""), 120),
            gettext("Right:"),
            " · ".join(right),
        )


# --- Forms ---------------------------------------------------------------------------------------

DIFFICULTIES = [(n, str(n)) for n in range(1, 6)]


class TagsField(forms.CharField):
    """Tags typed as words separated by commas (either width), stored as a list."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [t.strip() for t in re.split(r"[,，、]", text) if t.strip()]


class KeyedForm(forms.ModelForm):
    """Keys become names in content/ files and exports, which the loader checks: the admin checks the same."""

    def clean_key(self):
        key = self.cleaned_data["key"]
        wrong = rules.key_problem(key, max_length=self._meta.model._meta.get_field("key").max_length)
        if wrong:
            raise ValidationError(capfirst(wrong))
        return key


class QuestionForm(KeyedForm):
    difficulty = forms.TypedChoiceField(
        label=_("difficulty"),
        choices=DIFFICULTIES,
        coerce=int,
        initial=3,
        help_text=_("1 (easy) to 5 (hard)."),
    )
    tags = TagsField(label=_("tags"), required=False, help_text=_("Words separated by commas."))

    class Meta:
        model = Question
        fields = ["key", "section", "title", "type", "status", "difficulty", "prompt", "explanation", "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.leaves().order_by("order")

    def clean(self):
        cleaned = _unix_newlines(super().clean())
        if cleaned.get("type") and cleaned.get("prompt"):
            for problem in rules.prompt_problems(cleaned["type"], cleaned["prompt"]):
                self.add_error("prompt", capfirst(problem))
        return cleaned


class LeafSectionForm(KeyedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "section" in self.fields:
            self.fields["section"].queryset = Section.objects.leaves().order_by("order")

    def clean(self):
        return _unix_newlines(super().clean())


class SectionForm(KeyedForm):
    """The section map is two levels deep (content/sections.yaml, and every export writes it so), and only
    leaves hold questions and flashcards: the admin keeps both true, as the loader requires."""

    class Meta:
        model = Section
        fields = ["key", "title", "parent", "order", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tops = Section.objects.top_level().order_by("order")
        self.fields["parent"].queryset = tops.exclude(pk=self.instance.pk) if self.instance.pk else tops

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None:
            return parent
        if self.instance.pk and self.instance.children.exists():
            raise ValidationError(
                _("This section has subsections of its own, so it cannot go under another one: sections are "
                  "at most two levels deep."))
        if parent.questions.exists() or parent.flashcards.exists():
            raise ValidationError(
                _("“%(title)s” holds questions or flashcards itself, so it cannot have subsections: they "
                  "belong to sections without subsections. Move them first.") % {"title": parent.title})
        return parent


class MoveForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("Move to section"), queryset=Section.objects.leaves().order_by("order")
    )


MAX_IMPORT_MB = 20


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("YAML bank file (.yaml), Moodle GIFT (.gift, .txt) or flashcards as CSV (.csv), UTF-8."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_MB * 1024 * 1024:
            raise ValidationError(_("The file is larger than %(mb)d MB: split it into several files."),
                                  params={"mb": MAX_IMPORT_MB})
        return upload
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[
            ("", _("From the file name")),
            ("yaml", "YAML"),
            ("gift", "GIFT"),
            ("csv", _("CSV (flashcards)")),
        ],
    )
    section = forms.ModelChoiceField(
        label=_("Section"),
        required=False,
        queryset=Section.objects.leaves().order_by("order"),
        to_field_name="key",
        help_text=_("For GIFT questions without a $CATEGORY line and CSV rows without a section."),
    )
    draft = forms.BooleanField(
        label=_("Import as drafts"),
        required=False,
        help_text=_("Otherwise imported items are published at once."),
    )
    update = forms.BooleanField(
        label=_("Update items that already exist"),
        required=False,
        help_text=_("Otherwise an existing key that differs is reported and left alone."),
    )


class ConfirmImportForm(forms.Form):
    """Names the upload held on the server (`authoring.hold_import`): the file and its options stay there."""

    token = forms.UUIDField(widget=forms.HiddenInput)


class ExportForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("Section"),
        required=False,
        queryset=Section.objects.order_by("order"),
        empty_label=_("Everything"),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("yaml", _("YAML (content/ format; a .zip of every file for everything)")),
            ("gift", _("Moodle GIFT (questions)")),
            ("csv", _("CSV (flashcards)")),
        ],
    )


# --- Shared actions ------------------------------------------------------------------------------


class MarkdownAdmin(admin.ModelAdmin):
    """An admin for a model with Markdown fields, which are sanitized when shown: saving says what in them
    learners will not see (a <script>, an image, a javascript: link), instead of leaving it out silently."""

    markdown_fields = ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for name in self.markdown_fields:
            removed = removed_by_sanitizing(getattr(obj, name) or "")
            if removed:
                field = capfirst(self.opts.get_field(name).verbose_name)
                self.message_user(
                    request,
                    gettext(
                        "“%(field)s” has content that is not allowed and is left out wherever it is shown: "
                        "%(removed)s. Learners see the rest."
                    )
                    % {"field": field, "removed": ", ".join(removed)},
                    messages.WARNING,
                )


class AuthoredAdmin(MarkdownAdmin):
    """What questions and flashcards share: publishing, duplicating and moving, each logged; and deleting,
    which learners' history forbids (see in_history)."""

    form = LeafSectionForm
    list_select_related = ["section"]
    list_per_page = 50

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/catalog_admin.js"]

    @admin.action(description=_("Publish selected"), permissions=["change"])
    def publish(self, request, queryset):
        changed = authoring.items_set_status(items=queryset, status=Status.PUBLISHED)
        _log(request, changed, CHANGE, gettext("Published."))
        self.message_user(
            request,
            ngettext("%d item published.", "%d items published.", len(changed)) % len(changed),
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        changed = authoring.items_set_status(items=queryset, status=Status.DRAFT)
        _log(request, changed, CHANGE, gettext("Unpublished."))
        self.message_user(
            request,
            ngettext("%d item unpublished.", "%d items unpublished.", len(changed)) % len(changed),
            messages.SUCCESS,
        )

    @admin.action(description=_("Move selected to another section…"), permissions=["change"])
    def move(self, request, queryset):
        form = MoveForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            section = form.cleaned_data["section"]
            moved = authoring.items_move(items=queryset, section=section)
            _log(request, moved, CHANGE, gettext("Moved to section %(key)s.") % {"key": section.key})
            self.message_user(
                request,
                ngettext(
                    "%(n)d item moved to “%(section)s”.", "%(n)d items moved to “%(section)s”.", len(moved)
                )
                % {"n": len(moved), "section": section.title},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Move to another section"),
            "opts": self.opts,
            "form": form,
            "items": queryset,
            "action": "move",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/move.html", context)

    def duplicate_rows(self, queryset):
        raise NotImplementedError

    @admin.action(description=_("Duplicate selected (as drafts)"), permissions=["add"])
    def duplicate(self, request, queryset):
        copies = self.duplicate_rows(queryset)
        _log(request, copies, ADDITION, gettext("Duplicated."))
        self.message_user(
            request,
            ngettext("%d copy made, as a draft.", "%d copies made, as drafts.", len(copies)) % len(copies),
            messages.SUCCESS,
        )

    # Deleting: learners' answers and reviews point at questions and flashcards, and are their history. One
    # that has any is unpublished instead, never deleted (Django would otherwise offer the delete and then
    # refuse it for lack of permission on the learners' rows, as if their answers were to go too).
    undeletable_message = ""  # one item: why not, and what to do instead
    undeletable_bulk_message = ""  # a selection: ngettext_lazy(..., "n") with %(n)d and %(keys)s

    def in_history(self, queryset) -> set:
        """The pks of `queryset`'s items that learners' history points at."""
        raise NotImplementedError

    def _undeletable(self, request, obj) -> bool:
        """Whether a user who may delete would be refused this one; asked once per object (a page asks for
        the delete permission more than once)."""
        if not super().has_delete_permission(request, obj):
            return False
        if not hasattr(obj, "_in_history"):
            obj._in_history = bool(self.in_history(self.model.objects.filter(pk=obj.pk)))
        return obj._in_history

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._undeletable(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self._undeletable(request, obj):
            self.message_user(request, self.undeletable_message, messages.ERROR)
            return HttpResponseRedirect(
                reverse(f"admin:catalog_{self.opts.model_name}_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self._undeletable(request, obj):
            context["undeletable"] = self.undeletable_message
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=delete_selected_action.short_description, permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Django's delete action (confirm, then delete), refused as a whole when learners' history points at
        any selected item: nothing is deleted, and the message names those items."""
        kept = sorted(queryset.filter(pk__in=self.in_history(queryset)).values_list("key", flat=True))
        if kept:
            shown = ", ".join(kept[:10]) + (" …" if len(kept) > 10 else "")
            self.message_user(
                request, self.undeletable_bulk_message % {"n": len(kept), "keys": shown}, messages.ERROR
            )
            return None
        return delete_selected_action(self, request, queryset)

    def preview_url(self, obj):
        return reverse(f"admin:catalog_{self.opts.model_name}_preview", args=[obj.pk])

    @admin.display(description=_("Preview"))
    def preview_link(self, obj):
        return format_html('<a href="{}">{}</a>', self.preview_url(obj), gettext("Preview"))

    def get_urls(self):
        name = f"catalog_{self.opts.model_name}"
        return [
            path("<id:pk>/preview/", self.admin_site.admin_view(self.preview_view), name=f"{name}_preview"),
        ] + super().get_urls()

    def preview_view(self, request, pk):
        raise NotImplementedError


# --- Sections ------------------------------------------------------------------------------------


@admin.register(Section)
class SectionAdmin(MarkdownAdmin):
    form = SectionForm
    markdown_fields = ["notes"]
    list_display = ["title", "key", "parent", "order"]
    list_editable = ["order"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["title", "key", "notes"]
    ordering = ["order"]
    fields = ["key", "title", "parent", "order", "notes"]

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["notes"].help_text = gettext(
            "Markdown: 3-6 short points read before practising. Shown on the section page, sanitized."
        )
        return form


# --- Questions -----------------------------------------------------------------------------------


# Item statistics live in apps to the right of catalog: progress keeps the rollup (ItemStats), classes the
# item analysis; and a question's preview is the quiz's own page (quizzes). Apps import only leftwards, and
# catalog's models, loaders and import/export never need them. This admin is a presentation layer over all
# of it, so it imports them inside the methods that use them (at request time, once every app is loaded)
# instead of at module level: catalog stays importable on its own and the data still flows one way,
# history -> rollups -> pages.


class FlaggedFilter(admin.SimpleListFilter):
    """Questions whose current version the item analysis over all learners flags for review: facility (mean
    first-answer score) above 0.95 or below 0.2, or discrimination below 0.1, once at least 5 learners
    answered it for the first time (classes.items has the rules; the class "Question statistics" page shows
    the figures)."""

    title = _("flagged by item analysis")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged for review")), ("no", _("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return None
        from quizapp.classes.items import flagged_questions  # why here: see the note above FlaggedFilter

        flagged = flagged_questions()
        return queryset.filter(pk__in=flagged) if self.value() == "yes" else queryset.exclude(pk__in=flagged)


class EmptyLast(OrderBy):
    """Sorts rows without a value last whichever way the column is sorted (the admin reverses an ordering
    with `reverse_ordering`, which would also move them first): questions nobody answered yet are neither
    the easiest nor the hardest."""

    def __init__(self, expression, descending=False, **kwargs):
        super().__init__(expression, descending=descending, nulls_last=True)

    def reverse_ordering(self):
        self.descending = not self.descending
        return self


@admin.register(Question)
class QuestionAdmin(AuthoredAdmin):
    form = QuestionForm
    list_display = [
        "key",
        "asked",
        "section",
        "type",
        "difficulty",
        "status",
        "version",
        "attempts",
        "facility",
        "preview_link",
    ]
    list_display_links = ["key", "asked"]
    list_filter = [
        ("section", admin.RelatedOnlyFieldListFilter),
        "type",
        "status",
        "difficulty",
        FlaggedFilter,
    ]
    search_fields = ["key", "title", "prompt", "explanation"]
    readonly_fields = ["version", "origin"]
    fieldsets = [
        (
            None,
            {"fields": ["key", "section", "title", ("type", "status", "difficulty"), "version", "origin"]},
        ),
        (
            _("What is asked"),
            {
                "fields": ["prompt", "explanation", "tags"],
                "description": _(
                    "Markdown. Editing what is asked or what counts as right makes "
                    "a new version; learners' earlier answers keep theirs."
                ),
            },
        ),
    ]
    inlines = [*ANSWER_ROW_INLINES, QuestionVersionInline]
    actions = ["publish", "unpublish", "duplicate", "move", "export_gift", "export_yaml", "delete_selected"]
    markdown_fields = ["prompt", "explanation"]
    undeletable_message = _(
        "This question has answers (or is in a quiz a learner has open), so it cannot be deleted: learners' "
        "answers are history. Unpublish it instead."
    )
    undeletable_bulk_message = ngettext_lazy(
        "Nothing was deleted: %(n)d selected question has answers (or is in a quiz a learner has open), and "
        "learners' answers are history: %(keys)s. Unpublish it instead (action “Unpublish selected”).",
        "Nothing was deleted: %(n)d selected questions have answers (or are in a quiz a learner has open), "
        "and learners' answers are history: %(keys)s. Unpublish them instead (action “Unpublish selected”).",
        "n",
    )

    def in_history(self, queryset):
        """Questions served to learners: answered, or waiting in an open quiz (an answer will point here)."""
        from quizapp.quizzes.models import AttemptItem  # why here: see the note above FlaggedFilter

        served = AttemptItem.objects.filter(question__in=queryset.values("pk")).order_by()
        return set(served.values_list("question_id", flat=True).distinct())

    @admin.display(description=_("prompt"))
    def asked(self, question):
        return plain_text(question.prompt, 70)

    def get_queryset(self, request):
        """Questions with their current version's statistics from the progress rollup (one row per question
        and version), as correlated subqueries, so the list's queries do not grow with the history."""
        from quizapp.progress.models import ItemStats  # why here: see the note above FlaggedFilter

        stats = ItemStats.objects.filter(question=OuterRef("pk"), version=OuterRef("version"))
        facility = stats.filter(first_attempts__gt=0).annotate(
            share=ExpressionWrapper(F("first_score") / F("first_attempts"), output_field=FloatField())
        ).values("share")
        return (
            super()
            .get_queryset(request)
            .annotate(
                stats_attempts=Coalesce(Subquery(stats.values("attempts")[:1]), 0),
                stats_facility=Subquery(facility[:1], output_field=FloatField()),
            )
        )

    @admin.display(description=_("attempts"), ordering="stats_attempts")
    def attempts(self, question):
        """Answers to the current version (statistics restart when what is asked changes)."""
        return question.stats_attempts

    @admin.display(description=_("facility"), ordering=EmptyLast(F("stats_facility")))
    def facility(self, question):
        """Moodle's facility index of the current version: the mean score of learners' first answers, partial
        credit included, as a share of full marks (classes.items); empty before any."""
        share = question.stats_facility
        return None if share is None else f"{share:.2f}"

    def duplicate_rows(self, queryset):
        return authoring.questions_duplicate(questions=queryset)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Which answer rows each type keeps, for the script that shows only those (static/js/catalog_admin.js).
        context["type_rows"] = json.dumps(question_types.rows_map())
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Versioning: remember what was asked before the edit, compare once the inlines are saved.
    def save_model(self, request, obj, form, change):
        if change:
            obj._asked_before = question_content(
                authoring.with_answer_rows(Question.objects.filter(pk=obj.pk)).get()
            )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        question = form.instance
        keep = question.question_type.rows
        for kind in question_types.row_kinds():
            if kind is not keep:
                getattr(question, kind.relation).all().delete()
        before = getattr(question, "_asked_before", None)
        if before is None:
            return
        after = question_content(authoring.with_answer_rows(Question.objects.filter(pk=question.pk)).get())
        if authoring.what_is_asked(before) != authoring.what_is_asked(after):
            authoring.question_revise(question=question, before=before, user=request.user)
            self.message_user(
                request,
                gettext(
                    "What is asked changed: this is now version %(v)d. Answers given to version %(old)d keep "
                    "pointing at what was asked then."
                )
                % {"v": question.version, "old": question.version - 1},
                messages.INFO,
            )

    # Export
    @admin.action(description=_("Export selected as GIFT"), permissions=["view"])
    def export_gift(self, request, queryset):
        text, skipped = authoring.export_gift(queryset)
        if skipped:
            note = gettext("Ordering questions have no GIFT form and were left out:")
            text = f"// {note} {', '.join(skipped)}\n\n" + text
        return _download(text, "questions.gift", "text/plain")

    @admin.action(description=_("Export selected as YAML (content/ format)"), permissions=["view"])
    def export_yaml(self, request, queryset):
        tops = {
            _top_key(s)
            for s in Section.objects.filter(pk__in=queryset.values("section")).select_related("parent")
        }
        if len(tops) != 1:
            self.message_user(
                request,
                gettext(
                    "A YAML bank file holds one top-level section: select questions of "
                    "one top-level section, or export as GIFT."
                ),
                messages.ERROR,
            )
            return None
        top = Section.objects.get(key=tops.pop())
        return _download(
            authoring.export_yaml_section(top, questions=queryset), f"{top.key}.yaml", "application/yaml"
        )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_question_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="catalog_question_export"),
            path("overview/", self.admin_site.admin_view(self.overview_view), name="catalog_question_overview"),
        ] + super().get_urls()

    # Bank overview: what each leaf offers, and what the choice questions' shape gives away, beside the bounds
    # the shipped bank keeps (the same figures as `content_report --json`), for a teacher writing a bank.
    def overview_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = content_report()
        types = Question.Type.choices
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Bank overview"),
            "types": [label for _value, label in types],
            "sections": [{**s, "cells": [s["types"].get(t, 0) for t, _label in types]} for s in report["sections"]],
            "totals": {**report["totals"], "cells": [report["totals"]["types"].get(t, 0) for t, _label in types]},
            "cues": report["cues"],
            "bounds": cues.bounds(report["cues"]),
        }
        return TemplateResponse(request, "admin/catalog/overview.html", context)

    # Preview: the question as a learner sees it, answerable; nothing is recorded. The quiz's own code makes
    # the page: its context for the inputs and for the feedback, its answer parsing, its partial.
    def preview_view(self, request, pk):
        from quizapp.quizzes.forms import parse_answer  # why here: see the note above FlaggedFilter
        from quizapp.quizzes.presenting import feedback_context, question_context
        from quizapp.quizzes.services import QuizError, as_recorded, right_answer

        question = get_object_or_404(authoring.with_answer_rows(Question.objects.all()), pk=pk)
        if not self.has_view_permission(request, question):
            raise PermissionDenied
        shown = _learner_copy(question)
        served = SimpleNamespace(shown=shown, position=1, question_id=question.pk)
        quiz = SimpleNamespace(length=1, is_open=False)
        answered = request.method == "POST"
        context = question_context(served, quiz, values=request.POST if answered else None)
        if answered:
            try:
                given = parse_answer(shown, request.POST)
                outcome = question.check_answer(given)
            except QuizError as exc:
                context["problem"] = exc.message
            except InvalidAnswer:
                context["problem"] = gettext(
                    "That answer is not one this question offers; nothing was recorded.")
            else:
                response = SimpleNamespace(
                    asked={**shown, "explanation": question.explanation, "right": right_answer(question)},
                    given=as_recorded(given),
                    correct=outcome.correct,
                    score=outcome.score,
                    item=served,
                )
                context.update(feedback_context(response, quiz))
        context.update(
            question=question,
            opts=self.opts,
            change_url=reverse("admin:catalog_question_change", args=[question.pk]),
        )
        template = "admin/catalog/question/preview.html"
        if request.htmx:
            template += "#result"
        return TemplateResponse(request, template, context)

    # Import: upload, see what would happen, confirm.
    def import_view(self, request):
        if not (self.has_add_permission(request) and request.user.has_perm("catalog.add_flashcard")):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": gettext("Import")}
        if request.method == "POST" and "confirm" in request.POST:
            confirm = ConfirmImportForm(request.POST)
            if not confirm.is_valid():
                raise PermissionDenied
            held = authoring.held_import(user=request.user, token=confirm.cleaned_data["token"])
            if held is None:
                self.message_user(request, gettext("That upload is no longer held (an hour has passed, or it "
                                                   "was not yours): choose the file again."), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:catalog_question_import"))
            return self._import_confirm(request, held, context)
        form = ImportForm(
            request.POST or None, request.FILES or None, initial={"format": request.GET.get("format", "")}
        )
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            fmt = form.cleaned_data["format"] or guess_format(upload.name)
            section = form.cleaned_data["section"].key if form.cleaned_data["section"] else ""
            if fmt is None:
                form.add_error("format", gettext("Choose the format: the file name does not say."))
            else:
                try:
                    text = decode(upload.read())
                except UnreadableFile as exc:
                    form.add_error("file", str(exc.problem))
                else:
                    parsed = authoring.read_import(
                        text, format=fmt, section=section or None, name=upload.name
                    )
                    draft, update = form.cleaned_data["draft"], form.cleaned_data["update"]
                    plan = authoring.plan_import(parsed, update=update, draft=draft)
                    # Held only when there is something to confirm: a file with problems is just reported.
                    held = (authoring.hold_import(user=request.user, text=text, name=upload.name, format=fmt,
                                                  section=section, draft=draft, update=update)
                            if plan.ok and plan.writes else None)
                    return self._import_preview(request, plan, held, context, name=upload.name, draft=draft)
        context["form"] = form
        return TemplateResponse(request, "admin/catalog/import.html", context)

    def _import_preview(self, request, plan, held, context, *, name, draft):
        context.update(
            plan=plan,
            confirm=ConfirmImportForm(initial={"token": held.token}) if held else None,
            options={"name": name, "draft": draft},
            title=gettext("Import: check before confirming"),
        )
        return TemplateResponse(request, "admin/catalog/import.html", context)

    def _import_confirm(self, request, held, context):
        parsed = authoring.read_import(
            held.text,
            format=held.format,
            section=held.section or None,
            name=held.name,
        )
        try:
            plan = authoring.import_apply(
                parsed=parsed, update=held.update, draft=held.draft, user=request.user
            )
        except authoring.ImportConflict as exc:
            self.message_user(request, str(exc), messages.ERROR)
            plan = authoring.plan_import(parsed, update=held.update, draft=held.draft)
        else:
            if plan.ok:
                message = gettext("Imported from %(name)s.") % {"name": held.name}
                _log(request, plan.created_questions + plan.created_cards, ADDITION, message)
                _log(request, plan.updated_questions + plan.updated_cards, CHANGE, message)
                counts = plan.counts
                if plan.writes:
                    self.message_user(
                        request,
                        gettext(
                            "Import done: %(create)d created, %(update)d updated, %(unchanged)d unchanged, "
                            "%(reject)d not imported."
                        )
                        % counts,
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request,
                        gettext(
                            "Nothing to import: everything in this file is already "
                            "there (or was not imported)."
                        ),
                        messages.WARNING,
                    )
                target = "flashcard" if held.format == "csv" else "question"
                return HttpResponseRedirect(reverse(f"admin:catalog_{target}_changelist"))
        return self._import_preview(request, plan, held if plan.ok and plan.writes else None, context,
                                    name=held.name, draft=held.draft)

    def export_view(self, request):
        if not (self.has_view_permission(request) and request.user.has_perm("catalog.view_flashcard")):
            raise PermissionDenied
        form = ExportForm(
            request.GET if "format" in request.GET else None,
            initial={"format": request.GET.get("initial", "yaml")},
        )
        if form.is_bound and form.is_valid():
            section, fmt = form.cleaned_data["section"], form.cleaned_data["format"]
            name = section.key if section else "bank"
            if fmt == "gift":
                text, _skipped = authoring.export_gift(authoring.questions_in(section))
                return _download(text, f"{name}.gift", "text/plain")
            if fmt == "csv":
                return _download(
                    authoring.export_flashcards_csv(authoring.flashcards_in(section)),
                    f"{name}-flashcards.csv",
                    "text/csv",
                )
            if section:
                return _download(
                    authoring.export_yaml_section(section), f"{section.key}.yaml", "application/yaml"
                )
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for filename, text in authoring.export_yaml_all().items():
                    archive.writestr(f"content/{filename}", text)
            response = HttpResponse(buffer.getvalue(), content_type="application/zip")
            response["Content-Disposition"] = 'attachment; filename="content.zip"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": gettext("Export"),
        }
        return TemplateResponse(request, "admin/catalog/export.html", context)


def _top_key(section: Section) -> str:
    return section.parent.key if section.parent_id else section.key


def _download(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Preview helpers: the question as a quiz serves it, and an answer as a quiz records it ---------------


def _learner_copy(question) -> dict:
    """The frozen copy a quiz serves, in the same order on every visit of one version, so a teacher can
    compare answers."""
    from quizapp.quizzes.services import frozen_copy  # why here: see the note above FlaggedFilter

    return frozen_copy(question, random.Random(question.pk * 7919 + question.version))


# --- Flashcards ----------------------------------------------------------------------------------


@admin.register(Flashcard)
class FlashcardAdmin(AuthoredAdmin):
    list_display = ["key", "shown_front", "section", "status", "preview_link"]
    list_display_links = ["key", "shown_front"]
    list_filter = [("section", admin.RelatedOnlyFieldListFilter), "status"]
    search_fields = ["key", "front", "back", "hint"]
    readonly_fields = ["origin"]
    fields = ["key", "section", "status", "front", "back", "hint", "origin"]
    actions = ["publish", "unpublish", "duplicate", "move", "export_csv", "delete_selected"]
    markdown_fields = ["front", "back"]
    undeletable_message = _(
        "Learners have studied this flashcard, so it cannot be deleted: their reviews are history. "
        "Unpublish it instead."
    )
    undeletable_bulk_message = ngettext_lazy(
        "Nothing was deleted: learners have studied %(n)d selected flashcard, and their reviews are history: "
        "%(keys)s. Unpublish it instead (action “Unpublish selected”).",
        "Nothing was deleted: learners have studied %(n)d selected flashcards, and their reviews are "
        "history: %(keys)s. Unpublish them instead (action “Unpublish selected”).",
        "n",
    )

    def in_history(self, queryset):
        """Flashcards some learner has a card state for: shown, reviewed, or put first in line by a quiz."""
        return set(queryset.filter(learner_cards__isnull=False).values_list("pk", flat=True))

    @admin.display(description=_("front"))
    def shown_front(self, card):
        return plain_text(card.front, 70)

    def duplicate_rows(self, queryset):
        return authoring.flashcards_duplicate(flashcards=queryset)

    @admin.action(description=_("Export selected as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return _download(authoring.export_flashcards_csv(queryset), "flashcards.csv", "text/csv")

    def preview_view(self, request, pk):
        card = get_object_or_404(Flashcard.objects.select_related("section"), pk=pk)
        if not self.has_view_permission(request, card):
            raise PermissionDenied
        context = {
            "card": card,
            "opts": self.opts,
            "change_url": reverse("admin:catalog_flashcard_change", args=[card.pk]),
        }
        return TemplateResponse(request, "admin/catalog/flashcard/preview.html", context)
