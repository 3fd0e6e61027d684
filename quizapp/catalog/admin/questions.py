"""The question admin: one admin that adapts to the type (static/js/catalog_admin.js), with
versioning, the bank overview, import and export.

Adding or changing a question writes through the bank's one write path, as an import with update does
(`authoring.question_write`): the validated form and the formset of the type's rows become one QuestionSpec,
planned (what changes, whether it is a new version, what sanitizing cuts) and applied in one transaction.
Django's save_model and formsets write nothing; Django still logs the change and answers as usual."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .. import authoring, question_types
from ..loading import QuestionSpec
from ..models import Question
from ..question_types import cues
from ..rendering import plain_text
from ..reports import content_report
from .actions import AuthoredAdmin
from .exports import QuestionExportViews
from .forms import QuestionForm
from .imports import QuestionImportViews
from .inlines import ANSWER_ROW_INLINES, QuestionVersionInline


# --- Questions -----------------------------------------------------------------------------------


@admin.register(Question)
class QuestionAdmin(QuestionImportViews, QuestionExportViews, AuthoredAdmin):
    form = QuestionForm
    list_display = [
        "key",
        "asked",
        "in_section",
        "type",
        "difficulty",
        "status",
        "version",
    ]
    list_display_links = ["key", "asked"]
    list_filter = [
        ("section", admin.RelatedOnlyFieldListFilter),
        "type",
        "status",
        "difficulty",
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
        """Catalog holds no learner's work; quizzes/admin.py adds the questions learners were served."""
        return set()

    # One line, cut with an ellipsis by static/css/admin.css, the whole text on hover (see in_section).
    @admin.display(description=_("prompt"))
    def asked(self, question):
        text = plain_text(question.prompt, 300)
        return format_html('<span class="one-line" title="{}">{}</span>', text, text)

    def duplicate_rows(self, queryset):
        return authoring.questions_duplicate(questions=queryset)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Which answer rows each type keeps, for the script that shows only those (static/js/catalog_admin.js).
        context["type_rows"] = json.dumps(question_types.rows_map())
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Saving: Django's changeform_view calls save_model, then save_related (with the formsets), then logs
    # the change from the form's changed_data and the formsets' new/changed/deleted objects, inside one
    # transaction. The question and its rows are written once, in save_related, where the formsets are known.
    def save_model(self, request, obj, form, change):
        """Nothing is written yet: see save_related."""

    def save_formset(self, request, form, formset, change):
        """Writes nothing (the pipeline writes the rows, in save_related): fills in what Django's change
        message lists (new_objects, changed_objects, deleted_objects) for the rows the type keeps; rows of
        another sort are not written, and the versions are read-only, so neither is listed."""
        if getattr(formset, "rows", None) is question_types.get(form.cleaned_data["type"]).rows:
            formset.save(commit=False)
        else:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        qtype = question_types.get(data["type"])
        spec = QuestionSpec(
            key=data["key"], section=data["section"].key, type=qtype.name, prompt=data["prompt"],
            explanation=data["explanation"], difficulty=data["difficulty"], tags=data["tags"],
            status=data["status"],
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change)
            if getattr(formset, "rows", None) is qtype.rows:
                setattr(spec, qtype.rows.field, formset.value())
        question = form.instance
        plan = authoring.question_write(
            spec=spec, title=data["title"], pk=question.pk if change else None, user=request.user
        )
        [row] = plan.rows
        # Django logs and redirects with the form's instance: make it the row written.
        if not change:
            question.pk = plan.created_questions[0].pk
            question._state.adding = False
        question.refresh_from_db()
        for cut in plan.cuts:
            self.warn_cut(request, cut.field, cut.removed)
        if row.new_version:
            self.message_user(
                request,
                gettext(
                    "What is asked changed: this is now version %(v)d. Answers given to version %(old)d keep "
                    "pointing at what was asked then."
                )
                % {"v": question.version, "old": question.version - 1},
                messages.INFO,
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
        types = question_types.choices()
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
