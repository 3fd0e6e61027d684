from django.contrib import admin

from .models import Attempt, LearnerSkill, QuestionStats, Response


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
