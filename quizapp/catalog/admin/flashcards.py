"""The flashcard admin, with its own preview."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .. import authoring
from ..loading import FlashcardSpec
from ..models import Flashcard
from ..rendering import plain_text
from .actions import AuthoredAdmin
from .exports import _download


# --- Flashcards ----------------------------------------------------------------------------------


@admin.register(Flashcard)
class FlashcardAdmin(AuthoredAdmin):
    list_display = ["key", "shown_front", "in_section", "status", "preview_link"]
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
        text = plain_text(card.front, 300)
        return format_html('<span class="one-line" title="{}">{}</span>', text, text)

    def duplicate_rows(self, queryset):
        return authoring.flashcards_duplicate(flashcards=queryset)

    def save_model(self, request, obj, form, change):
        """Written through the bank's pipeline, as a question is (authoring.flashcard_write)."""
        data = form.cleaned_data
        spec = FlashcardSpec(key=data["key"], section=data["section"].key, front=data["front"], back=data["back"],
                             hint=data["hint"], status=data["status"])
        plan = authoring.flashcard_write(spec=spec, pk=obj.pk if change else None, user=request.user)
        if not change:  # Django logs and redirects with the form's instance: make it the row written
            obj.pk = plan.created_cards[0].pk
            obj._state.adding = False
        obj.refresh_from_db()
        for cut in plan.cuts:
            self.warn_cut(request, cut.field, cut.removed)

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
