"""Classes' admin: classrooms and their members; and what the question admin shows from the item analysis:
each question's statistics (progress's rollup) and the "flagged by item analysis" filter (classes.items)."""

from django.contrib import admin
from django.db.models import ExpressionWrapper, F, FloatField, OrderBy, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from quizapp.catalog.models import Question
from quizapp.progress.models import ItemStats
from quizapp.quizzes.admin import QuestionAdmin as QuizzesQuestionAdmin

from .items import flagged_questions
from .models import Classroom, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["learner"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "teacher", "join_code", "created_at", "archived_at"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "teacher__username", "join_code"]
    inlines = [MembershipInline]


# --- Questions: quizzes' question admin, with the item statistics -------------------------------------


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


# Re-registered over quizzes' (importing it above guarantees it is registered first).
admin.site.unregister(Question)


@admin.register(Question)
class QuestionAdmin(QuizzesQuestionAdmin):
    # The statistics sit between the question's own columns and the preview link.
    list_display = [
        *[c for c in QuizzesQuestionAdmin.list_display if c != "preview_link"],
        "answers",
        "facility",
        "preview_link",
    ]
    list_filter = [*QuizzesQuestionAdmin.list_filter, FlaggedFilter]

    def get_queryset(self, request):
        """Questions with their current version's statistics from the progress rollup (one row per question
        and version), as correlated subqueries, so the list's queries do not grow with the history."""
        stats = ItemStats.objects.filter(question=OuterRef("pk"), version=OuterRef("version"))
        facility = stats.filter(first_answers__gt=0).annotate(
            share=ExpressionWrapper(F("first_score") / F("first_answers"), output_field=FloatField())
        ).values("share")
        return (
            super()
            .get_queryset(request)
            .annotate(
                stats_answers=Coalesce(Subquery(stats.values("answers")[:1]), 0),
                stats_facility=Subquery(facility[:1], output_field=FloatField()),
            )
        )

    @admin.display(description=_("answers"), ordering="stats_answers")
    def answers(self, question):
        """Answers to the current version (statistics restart when what is asked changes), ItemStats.answers:
        named as what it counts, since an Attempt is a whole quiz."""
        return question.stats_answers

    @admin.display(description=_("facility"), ordering=EmptyLast(F("stats_facility")))
    def facility(self, question):
        """Moodle's facility index of the current version: the mean score of learners' first answers, partial
        credit included, as a share of full marks (classes.items); empty before any."""
        share = question.stats_facility
        return None if share is None else f"{share:.2f}"
