"""Quizzes' admin: the learners' attempts and statistics, and what the question admin (catalog) shows
from quizzes: the preview, which is the quiz's own page, and which questions are learners' history."""

import random
from types import SimpleNamespace

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext

from quizapp.catalog import authoring
from quizapp.catalog.admin import QuestionAdmin as CatalogQuestionAdmin
from quizapp.catalog.answers import InvalidAnswer
from quizapp.catalog.models import Question

from .forms import parse_answer
from .models import Attempt, AttemptItem, LearnerSkill, QuestionStats, Response
from .presenting import feedback_context, question_context
from .services import QuizError, as_recorded, frozen_copy, right_answer


@admin.register(LearnerSkill)
class LearnerSkillAdmin(admin.ModelAdmin):
    list_display = ["learner", "section", "mastery", "state", "answers", "skill", "uncertainty"]
    list_filter = ["state"]
    raw_id_fields = ["learner", "section"]


@admin.register(QuestionStats)
class QuestionStatsAdmin(admin.ModelAdmin):
    list_display = ["question", "difficulty", "first_answers", "first_right"]
    raw_id_fields = ["question"]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["pk", "learner", "kind", "status", "answered", "length", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["learner"]
    filter_horizontal = ["sections"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["pk", "learner", "question", "correct", "score", "seconds", "answered_at"]
    list_filter = ["correct"]
    raw_id_fields = ["learner", "attempt", "item", "question", "section"]


# --- Questions: catalog's admin, with what only quizzes knows -----------------------------------------
# Re-registered (catalog registered it first; importing its admin above guarantees the order), and
# extended again by classes/admin.py with the item statistics.
admin.site.unregister(Question)


@admin.register(Question)
class QuestionAdmin(CatalogQuestionAdmin):
    list_display = [*CatalogQuestionAdmin.list_display, "preview_link"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The change form's "Preview" button (admin/catalog/question/change_form.html) links here only when
        # quizzes is there to serve the preview: catalog's own form names no URL of quizzes'.
        if obj is not None and obj.pk:
            context["preview_url"] = self.preview_url(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def in_history(self, queryset):
        """Questions served to learners: answered, or waiting in an open quiz (an answer will point here)."""
        served = AttemptItem.objects.filter(question__in=queryset.values("pk")).order_by()
        return set(served.values_list("question_id", flat=True).distinct())

    # Preview: the question as a learner sees it, answerable; nothing is recorded. The quiz's own code makes
    # the page: its context for the inputs and for the feedback, its answer parsing, its partial.
    def preview_view(self, request, pk):
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
        template = "admin/quizzes/question/preview.html"
        if request.htmx:
            template += "#result"
        return TemplateResponse(request, template, context)


def _learner_copy(question) -> dict:
    """The frozen copy a quiz serves, in the same order on every visit of one version, so a teacher can
    compare answers."""
    return frozen_copy(question, random.Random(question.pk * 7919 + question.version))
