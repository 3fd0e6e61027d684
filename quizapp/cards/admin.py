from django.contrib import admin

from .models import CardState, Review, StudySettings


@admin.register(StudySettings)
class StudySettingsAdmin(admin.ModelAdmin):
    list_display = ["learner", "desired_retention", "new_per_day", "max_reviews_per_day"]
    search_fields = ["learner__username"]
    raw_id_fields = ["learner"]


@admin.register(CardState)
class CardStateAdmin(admin.ModelAdmin):
    list_display = ["learner", "flashcard", "state", "due", "reps", "lapses", "suspended", "leech"]
    list_filter = ["state", "suspended", "leech"]
    search_fields = ["learner__username", "flashcard__key"]
    raw_id_fields = ["learner", "flashcard"]
    list_select_related = ["learner", "flashcard"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["learner", "card", "rating", "reviewed_at", "duration_ms"]
    list_filter = ["rating"]
    search_fields = ["learner__username"]
    raw_id_fields = ["learner", "card"]
    list_select_related = ["learner", "card__flashcard"]
    readonly_fields = ["before", "after"]
