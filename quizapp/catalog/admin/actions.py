"""What the authored admins share: sanitizing Markdown on save, and the actions teachers know from
Moodle's question bank (publish, unpublish, move, duplicate, delete unless learners' history points at it),
each logged."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as delete_selected_action
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import authoring
from ..models import Status
from ..rendering import removed_by_sanitizing
from .forms import LeafSectionForm, MoveForm


def _log(request, objects, flag, message):
    if objects:
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=list(objects), action_flag=flag, change_message=message
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
                self.warn_cut(request, name, removed)

    def warn_cut(self, request, name: str, removed: list) -> None:
        """Say what sanitizing leaves out of the field `name`, wherever it is shown."""
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


PUBLISH = "_publish"  # the change form's "Save and publish" button


class AuthoredAdmin(MarkdownAdmin):
    """What questions and flashcards share: draft first, publishing (the change form's "Save and publish",
    the list's actions), duplicating and moving, each logged; and deleting, which learners' history forbids
    (see in_history)."""

    form = LeafSectionForm
    list_select_related = ["section"]
    list_per_page = 50

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/catalog_admin.js"]

    # Draft first: what a teacher adds here reaches learners' quizzes and decks only once published, so a
    # half-written question never goes live by accident. The models' default stays "published": the content
    # files, and the code that creates rows, keep publishing.
    def get_changeform_initial_data(self, request):
        return {"status": Status.DRAFT, **super().get_changeform_initial_data(request)}

    def response_change(self, request, obj):
        if PUBLISH in request.POST:
            self.message_user(request, gettext("Published: learners meet it from now on."), messages.SUCCESS)
        return super().response_change(request, obj)

    def preview_change_url(self, obj):
        """The preview's URL on the change form, or None when no app serves one (see preview_view)."""
        return self.preview_url(obj) if self.preview_view is not None else None

    # Adding and changing write through the bank's pipeline (authoring.question_write, flashcard_write). A
    # conflict found while writing (authoring.EditConflict: the key taken or the item deleted by another tab
    # since the form was checked) comes after Django's validation, where the admin has no way back to the
    # form. The write is rolled back with the view's transaction, and the view runs again with the conflict
    # as the form's error (KeyedForm.conflict): the teacher sees their form as sent, with what happened.
    #
    # "Save and publish" is "Save" with the status set to published: the form validates, writes (through the
    # one write path), and logs the status change as any edit. Sending it twice publishes once: the second
    # finds nothing changed.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and PUBLISH in request.POST:
            request.POST = request.POST.copy()
            request.POST["status"] = Status.PUBLISHED
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except authoring.EditConflict as conflict:
            if request.method != "POST" or getattr(request, "edit_conflict", None):
                raise
            request.edit_conflict = conflict.message
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        conflict = getattr(request, "edit_conflict", None)
        return type(form.__name__, (form,), {"conflict": conflict}) if conflict else form

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
        if obj is not None and obj.pk and obj.status == Status.DRAFT:
            # A saved draft: the form says learners do not see it yet, links the preview, and offers
            # "Save and publish" next to Save (admin/catalog/submit_line.html).
            context["draft"] = True
            context["offer_publish"] = self.has_change_permission(request, obj)
            context.setdefault("preview_url", self.preview_change_url(obj))
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

    # The lists read at 1280 px (issue 20): long texts (the section here, the prompt or front beside it) keep
    # to one line, cut with an ellipsis by static/css/admin.css, their whole text on hover (title).
    @admin.display(description=_("section"), ordering="section__order")
    def in_section(self, obj):
        title = obj.section.title
        return format_html('<span class="one-line" title="{}">{}</span>', title, title)

    def preview_url(self, obj):
        return reverse(f"admin:catalog_{self.opts.model_name}_preview", args=[obj.pk])

    @admin.display(description=_("Preview"))
    def preview_link(self, obj):
        return format_html('<a href="{}">{}</a>', self.preview_url(obj), gettext("Preview"))

    # The item as a learner sees it: a view(request, pk) set by the app that shows it to learners (a
    # flashcard's here; a question's is the quiz's own page, so quizzes/admin.py adds it).
    preview_view = None

    def get_urls(self):
        if self.preview_view is None:
            return super().get_urls()
        name = f"catalog_{self.opts.model_name}"
        return [
            path("<id:pk>/preview/", self.admin_site.admin_view(self.preview_view), name=f"{name}_preview"),
        ] + super().get_urls()
