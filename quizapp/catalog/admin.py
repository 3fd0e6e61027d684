from django.contrib import admin

from .models import AcceptedAnswer, Choice, Flashcard, MatchPair, OrderItem, Question, Section


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


class AcceptedAnswerInline(admin.TabularInline):
    model = AcceptedAnswer
    extra = 0


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


class MatchPairInline(admin.TabularInline):
    model = MatchPair
    extra = 0


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "parent", "order"]
    list_filter = ["parent"]
    search_fields = ["title", "key", "notes"]
    ordering = ["order"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "section", "type", "difficulty", "status", "version"]
    list_filter = ["section", "type", "status", "difficulty"]
    search_fields = ["key", "prompt", "explanation"]
    list_select_related = ["section"]
    readonly_fields = ["version", "origin"]
    inlines = [ChoiceInline, AcceptedAnswerInline, OrderItemInline, MatchPairInline]


@admin.register(Flashcard)
class FlashcardAdmin(admin.ModelAdmin):
    list_display = ["key", "section", "status"]
    list_filter = ["section", "status"]
    search_fields = ["key", "front", "back"]
    list_select_related = ["section"]
