"""The question admin: one admin that adapts to the type (static/js/catalog_admin.js), with
versioning, the bank overview, import and export."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .. import authoring, question_types
from ..loading import question_content
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
        "section",
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

    @admin.display(description=_("prompt"))
    def asked(self, question):
        return plain_text(question.prompt, 70)

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
        if authoring.question_revised(question=question, before=before, user=request.user):
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
