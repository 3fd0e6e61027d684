"""The section admin."""

from django.contrib import admin
from django.utils.translation import gettext

from ..models import Section
from .actions import MarkdownAdmin
from .forms import SectionForm


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
