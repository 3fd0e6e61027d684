"""Authoring in the Django admin: sections, questions (one admin that adapts to the type) and flashcards,
with preview, import, export and the actions teachers know from Moodle's question bank.

Teachers (the `Teachers` group, accounts.roles) see exactly these; every change, action and import is in
the admin log.
"""

import io
import random
import re
import zipfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F, FloatField, OrderBy, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import authoring, rules
from .answers import InvalidAnswer
from .exchange import FORMATS, UnreadableFile, decode, guess_format
from .loading import question_content
from .models import (
    AcceptedAnswer,
    Choice,
    Flashcard,
    MatchPair,
    OrderItem,
    Question,
    QuestionVersion,
    Section,
    Status,
)

TEXT_FIELDS = ("prompt", "explanation", "notes", "front", "back", "hint", "text", "left", "right")


def _unix_newlines(cleaned: dict) -> dict:
    for name in TEXT_FIELDS:
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].replace("\r\n", "\n")
    return cleaned


def _log(request, objects, flag, message):
    if objects:
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=list(objects), action_flag=flag, change_message=message
        )


# --- Answer rows: one inline per kind, each checked against the question's type ------------------------


class AnswerRowsFormSet(BaseInlineFormSet):
    """Checks its rows with `rules` when they are the kind the question's type uses; rows of another kind
    are dropped when the question is saved (see QuestionAdmin.save_related)."""

    kind = ""

    def live_forms(self):
        """The forms whose rows the question keeps: valid, not deleted, and not blank extra rows."""
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and self._should_delete_form(form)):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue
            yield form

    def live_rows(self):
        return [_unix_newlines(dict(form.cleaned_data)) for form in self.live_forms()]

    def values(self, rows):
        raise NotImplementedError

    def clean(self):
        super().clean()
        qtype = self.instance.type
        if rules.TYPE_ROWS.get(qtype) != self.kind or any(form.errors for form in self.forms):
            return
        problems = rules.answer_problems(qtype, **{self.kind: self.values(self.live_rows())})
        if problems:
            raise ValidationError([capfirst(p) for p in problems])  # lazy: in the request's language


TRUE_FALSE_WORDS = {  # what a teacher may type for a true/false question's two choices
    "true": rules.TRUE, "t": rules.TRUE, "对": rules.TRUE, "正确": rules.TRUE, "是": rules.TRUE, "√": rules.TRUE,
    "false": rules.FALSE, "f": rules.FALSE, "错": rules.FALSE, "错误": rules.FALSE, "否": rules.FALSE,
    "×": rules.FALSE,
}


class ChoiceFormSet(AnswerRowsFormSet):
    kind = "choices"

    def clean(self):
        if self.instance.type == "truefalse":  # stored as 'true' and 'false', whatever word was typed
            for form in self.forms:
                data = getattr(form, "cleaned_data", None)
                word = TRUE_FALSE_WORDS.get((data or {}).get("text", "").strip().casefold())
                if word:
                    data["text"] = form.instance.text = word
        super().clean()

    def values(self, rows):
        return [(r.get("text") or "", bool(r.get("is_correct"))) for r in rows]


class AcceptedAnswerFormSet(AnswerRowsFormSet):
    kind = "answers"

    def values(self, rows):
        return [r.get("text") or "" for r in rows]


class OrderItemFormSet(AnswerRowsFormSet):
    """The rows are entered in the right order: a blank position takes the row's place; positions given
    must all differ (two items in one place would leave the right order to chance)."""

    kind = "items"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["position"].required = False

    def clean(self):
        places = set()
        for row, form in enumerate(self.live_forms(), start=1):
            data = form.cleaned_data
            if data.get("position") is None:
                data["position"] = form.instance.position = row
            if data["position"] in places and rules.TYPE_ROWS.get(self.instance.type) == self.kind:
                raise ValidationError(
                    _("Two items share position %(n)d: give each item its own place, or leave the positions "
                      "empty to use the rows' order.") % {"n": data["position"]})
            places.add(data["position"])
        super().clean()

    def values(self, rows):
        return [r.get("text") or "" for r in sorted(rows, key=lambda r: r.get("position") or 0)]


class MatchPairFormSet(AnswerRowsFormSet):
    kind = "pairs"

    def values(self, rows):
        return [(r.get("left") or "", r.get("right") or "") for r in rows]


class AnswerRowsInline(admin.TabularInline):
    classes = ["answer-rows"]

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None:
            return 4 if self.model is Choice else 3
        return 1 if rules.TYPE_ROWS.get(obj.type) == self.formset.kind else 0


class ChoiceInline(AnswerRowsInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ["text", "is_correct", "order"]
    verbose_name_plural = _("Choices (single choice, multiple choice, true/false: 'true' and 'false', or 对 and 错)")
    formfield_overrides = {models.TextField: {"widget": forms.TextInput(attrs={"size": 60})}}


class AcceptedAnswerInline(AnswerRowsInline):
    model = AcceptedAnswer
    formset = AcceptedAnswerFormSet
    verbose_name_plural = _("Accepted answers (fill in the blank)")


class OrderItemInline(AnswerRowsInline):
    model = OrderItem
    formset = OrderItemFormSet
    fields = ["text", "position"]
    verbose_name_plural = _("Items in the right order (ordering)")


class MatchPairInline(AnswerRowsInline):
    model = MatchPair
    formset = MatchPairFormSet
    fields = ["left", "right", "order"]
    verbose_name_plural = _("Pairs (matching)")


class QuestionVersionInline(admin.TabularInline):
    """The earlier versions of a question: what learners who answered them saw. Read-only."""

    model = QuestionVersion
    fields = ["number", "asked", "replaced_at", "replaced_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Earlier versions (what learners who answered them saw)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("catalog.view_question")

    @admin.display(description=_("What was asked"))
    def asked(self, version):
        content = version.content
        right = (
            [t for t, ok in content.get("choices", []) if ok]
            or content.get("answers")
            or content.get("items")
            or [f"{left} → {r}" for left, r in content.get("pairs", [])]
        )
        return format_html(
            "{}<br><small>{} {}</small>",
            Truncator(content.get("prompt", "")).chars(120),
            gettext("Right:"),
            " · ".join(right),
        )


# --- Forms ---------------------------------------------------------------------------------------

DIFFICULTIES = [(n, str(n)) for n in range(1, 6)]


class TagsField(forms.CharField):
    """Tags typed as words separated by commas (either width), stored as a list."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [t.strip() for t in re.split(r"[,，、]", text) if t.strip()]


class QuestionForm(forms.ModelForm):
    difficulty = forms.TypedChoiceField(
        label=_("difficulty"),
        choices=DIFFICULTIES,
        coerce=int,
        initial=3,
        help_text=_("1 (easy) to 5 (hard)."),
    )
    tags = TagsField(label=_("tags"), required=False, help_text=_("Words separated by commas."))

    class Meta:
        model = Question
        fields = ["key", "section", "title", "type", "status", "difficulty", "prompt", "explanation", "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.leaves().order_by("order")

    def clean(self):
        return _unix_newlines(super().clean())


class LeafSectionForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "section" in self.fields:
            self.fields["section"].queryset = Section.objects.leaves().order_by("order")

    def clean(self):
        return _unix_newlines(super().clean())


class MoveForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("Move to section"), queryset=Section.objects.leaves().order_by("order")
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("YAML bank file (.yaml), Moodle GIFT (.gift, .txt) or flashcards as CSV (.csv), UTF-8."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[
            ("", _("From the file name")),
            ("yaml", "YAML"),
            ("gift", "GIFT"),
            ("csv", _("CSV (flashcards)")),
        ],
    )
    section = forms.ModelChoiceField(
        label=_("Section"),
        required=False,
        queryset=Section.objects.leaves().order_by("order"),
        to_field_name="key",
        help_text=_("For GIFT questions without a $CATEGORY line and CSV rows without a section."),
    )
    draft = forms.BooleanField(
        label=_("Import as drafts"),
        required=False,
        help_text=_("Otherwise imported items are published at once."),
    )
    update = forms.BooleanField(
        label=_("Update items that already exist"),
        required=False,
        help_text=_("Otherwise an existing key that differs is reported and left alone."),
    )


class ConfirmImportForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput, strip=False)
    name = forms.CharField(widget=forms.HiddenInput, required=False)
    format = forms.ChoiceField(widget=forms.HiddenInput, choices=[(f, f) for f in FORMATS])
    section = forms.CharField(widget=forms.HiddenInput, required=False)
    draft = forms.BooleanField(widget=forms.HiddenInput, required=False)
    update = forms.BooleanField(widget=forms.HiddenInput, required=False)


class ExportForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("Section"),
        required=False,
        queryset=Section.objects.order_by("order"),
        empty_label=_("Everything"),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("yaml", _("YAML (content/ format; a .zip of every file for everything)")),
            ("gift", _("Moodle GIFT (questions)")),
            ("csv", _("CSV (flashcards)")),
        ],
    )


# --- Shared actions ------------------------------------------------------------------------------


class AuthoredAdmin(admin.ModelAdmin):
    """What questions and flashcards share: publishing, duplicating and moving, each logged."""

    form = LeafSectionForm
    list_select_related = ["section"]
    list_per_page = 50

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/catalog_admin.js"]

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

    def preview_url(self, obj):
        return reverse(f"admin:catalog_{self.opts.model_name}_preview", args=[obj.pk])

    @admin.display(description=_("Preview"))
    def preview_link(self, obj):
        return format_html('<a href="{}">{}</a>', self.preview_url(obj), gettext("Preview"))

    def get_urls(self):
        name = f"catalog_{self.opts.model_name}"
        return [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name=f"{name}_preview"),
        ] + super().get_urls()

    def preview_view(self, request, pk):
        raise NotImplementedError


# --- Sections ------------------------------------------------------------------------------------


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
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


# --- Questions -----------------------------------------------------------------------------------


# Item statistics live in apps to the right of catalog: progress keeps the rollup (ItemStats), classes the
# item analysis. Apps import only leftwards, and catalog's models, loaders and import/export never need
# them. This admin is a presentation layer over all of it, so it imports them inside the methods that use
# them (at request time, once every app is loaded) instead of at module level: catalog stays importable on
# its own and the data still flows one way, history -> rollups -> pages.


class FlaggedFilter(admin.SimpleListFilter):
    """Questions whose current version the item analysis over all learners flags for review: facility above
    0.95 or below 0.2, or discrimination below 0.1, once at least 5 learners answered it for the first time
    (classes.items has the rules; the class "Question statistics" page shows the figures)."""

    title = _("flagged by item analysis")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged for review")), ("no", _("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return None
        from quizapp.classes.items import flagged_questions  # why here: see the note above FlaggedFilter

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


@admin.register(Question)
class QuestionAdmin(AuthoredAdmin):
    form = QuestionForm
    list_display = [
        "key",
        "asked",
        "section",
        "type",
        "difficulty",
        "status",
        "version",
        "attempts",
        "facility",
        "preview_link",
    ]
    list_display_links = ["key", "asked"]
    list_filter = [
        ("section", admin.RelatedOnlyFieldListFilter),
        "type",
        "status",
        "difficulty",
        FlaggedFilter,
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
    inlines = [ChoiceInline, AcceptedAnswerInline, OrderItemInline, MatchPairInline, QuestionVersionInline]
    actions = ["publish", "unpublish", "duplicate", "move", "export_gift", "export_yaml"]

    @admin.display(description=_("prompt"))
    def asked(self, question):
        return Truncator(" ".join(question.prompt.split())).chars(70)

    def get_queryset(self, request):
        """Questions with their current version's statistics from the progress rollup (one row per question
        and version), as correlated subqueries on its unique key: the list's queries do not grow with the
        history."""
        from quizapp.progress.models import ItemStats  # why here: see the note above FlaggedFilter

        stats = ItemStats.objects.filter(question=OuterRef("pk"), version=OuterRef("version"))
        facility = stats.filter(first_attempts__gt=0).values(
            share=Cast("first_correct", FloatField()) / F("first_attempts")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                stats_attempts=Coalesce(Subquery(stats.values("attempts")[:1]), 0),
                stats_facility=Subquery(facility[:1], output_field=FloatField()),
            )
        )

    @admin.display(description=_("attempts"), ordering="stats_attempts")
    def attempts(self, question):
        """Answers to the current version (statistics restart when what is asked changes)."""
        return question.stats_attempts

    @admin.display(description=_("facility"), ordering=EmptyLast(F("stats_facility")))
    def facility(self, question):
        """Share of first answers to the current version that were right; empty before any."""
        share = question.stats_facility
        return None if share is None else f"{share:.2f}"

    def duplicate_rows(self, queryset):
        return authoring.questions_duplicate(questions=queryset)

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
        keep = rules.TYPE_ROWS[question.type]
        for kind, related in (
            ("choices", "choices"),
            ("answers", "accepted_answers"),
            ("items", "order_items"),
            ("pairs", "match_pairs"),
        ):
            if kind != keep:
                getattr(question, related).all().delete()
        before = getattr(question, "_asked_before", None)
        if before is None:
            return
        after = question_content(authoring.with_answer_rows(Question.objects.filter(pk=question.pk)).get())
        if authoring.what_is_asked(before) != authoring.what_is_asked(after):
            authoring.question_revise(question=question, before=before, user=request.user)
            self.message_user(
                request,
                gettext(
                    "What is asked changed: this is now version %(v)d. Answers given to version %(old)d keep "
                    "pointing at what was asked then."
                )
                % {"v": question.version, "old": question.version - 1},
                messages.INFO,
            )

    # Export
    @admin.action(description=_("Export selected as GIFT"), permissions=["view"])
    def export_gift(self, request, queryset):
        text, skipped = authoring.export_gift(queryset)
        if skipped:
            note = gettext("Ordering questions have no GIFT form and were left out:")
            text = f"// {note} {', '.join(skipped)}\n\n" + text
        return _download(text, "questions.gift", "text/plain")

    @admin.action(description=_("Export selected as YAML (content/ format)"), permissions=["view"])
    def export_yaml(self, request, queryset):
        tops = {
            _top_key(s)
            for s in Section.objects.filter(pk__in=queryset.values("section")).select_related("parent")
        }
        if len(tops) != 1:
            self.message_user(
                request,
                gettext(
                    "A YAML bank file holds one top-level section: select questions of "
                    "one top-level section, or export as GIFT."
                ),
                messages.ERROR,
            )
            return None
        top = Section.objects.get(key=tops.pop())
        return _download(
            authoring.export_yaml_section(top, questions=queryset), f"{top.key}.yaml", "application/yaml"
        )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_question_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="catalog_question_export"),
        ] + super().get_urls()

    # Preview: the question as a learner sees it, answerable; nothing is recorded.
    def preview_view(self, request, pk):
        question = get_object_or_404(authoring.with_answer_rows(Question.objects.all()), pk=pk)
        if not self.has_view_permission(request, question):
            raise PermissionDenied
        shown = _shown(question)
        outcome = error = None
        given = {}
        if request.method == "POST":
            try:
                given = _given(question, request.POST)
                outcome = question.check_answer(given)
            except InvalidAnswer:
                error = gettext("Answer every part of the question (each item a different place).")
        context = {
            "question": question,
            "shown": shown,
            "outcome": outcome,
            "error": error,
            "given": _given_for_template(question, given),
            "opts": self.opts,
            "change_url": reverse("admin:catalog_question_change", args=[question.pk]),
        }
        template = "admin/catalog/question/preview.html"
        if request.htmx:
            template += "#result"
        return TemplateResponse(request, template, context)

    # Import: upload, see what would happen, confirm.
    def import_view(self, request):
        if not (self.has_add_permission(request) and request.user.has_perm("catalog.add_flashcard")):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": gettext("Import")}
        if request.method == "POST" and "confirm" in request.POST:
            confirm = ConfirmImportForm(request.POST)
            if not confirm.is_valid():
                raise PermissionDenied
            return self._import_confirm(request, confirm.cleaned_data, context)
        form = ImportForm(
            request.POST or None, request.FILES or None, initial={"format": request.GET.get("format", "")}
        )
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            fmt = form.cleaned_data["format"] or guess_format(upload.name)
            section = form.cleaned_data["section"].key if form.cleaned_data["section"] else ""
            if fmt is None:
                form.add_error("format", gettext("Choose the format: the file name does not say."))
            else:
                try:
                    text = decode(upload.read())
                except UnreadableFile as exc:
                    form.add_error("file", str(exc.problem))
                else:
                    options = {
                        "text": text,
                        "name": upload.name,
                        "format": fmt,
                        "section": section,
                        "draft": form.cleaned_data["draft"],
                        "update": form.cleaned_data["update"],
                    }
                    parsed = authoring.read_import(
                        text, format=fmt, section=section or None, name=upload.name
                    )
                    plan = authoring.plan_import(parsed, update=options["update"], draft=options["draft"])
                    context.update(
                        plan=plan,
                        confirm=ConfirmImportForm(initial=options),
                        options=options,
                        title=gettext("Import: check before confirming"),
                    )
                    return TemplateResponse(request, "admin/catalog/import.html", context)
        context["form"] = form
        return TemplateResponse(request, "admin/catalog/import.html", context)

    def _import_confirm(self, request, options, context):
        parsed = authoring.read_import(
            options["text"],
            format=options["format"],
            section=options["section"] or None,
            name=options["name"],
        )
        try:
            plan = authoring.import_apply(
                parsed=parsed, update=options["update"], draft=options["draft"], user=request.user
            )
        except authoring.ImportConflict as exc:
            self.message_user(request, str(exc), messages.ERROR)
            plan = authoring.plan_import(parsed, update=options["update"], draft=options["draft"])
        else:
            if plan.ok:
                message = gettext("Imported from %(name)s.") % {"name": options["name"]}
                _log(request, plan.created_questions + plan.created_cards, ADDITION, message)
                _log(request, plan.updated_questions + plan.updated_cards, CHANGE, message)
                counts = plan.counts
                if plan.writes:
                    self.message_user(
                        request,
                        gettext(
                            "Import done: %(create)d created, %(update)d updated, %(unchanged)d unchanged, "
                            "%(reject)d not imported."
                        )
                        % counts,
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request,
                        gettext(
                            "Nothing to import: everything in this file is already "
                            "there (or was not imported)."
                        ),
                        messages.WARNING,
                    )
                target = "flashcard" if options["format"] == "csv" else "question"
                return HttpResponseRedirect(reverse(f"admin:catalog_{target}_changelist"))
        context.update(
            plan=plan,
            confirm=ConfirmImportForm(initial=options),
            options=options,
            title=gettext("Import: check before confirming"),
        )
        return TemplateResponse(request, "admin/catalog/import.html", context)

    def export_view(self, request):
        if not (self.has_view_permission(request) and request.user.has_perm("catalog.view_flashcard")):
            raise PermissionDenied
        form = ExportForm(
            request.GET if "format" in request.GET else None,
            initial={"format": request.GET.get("initial", "yaml")},
        )
        if form.is_bound and form.is_valid():
            section, fmt = form.cleaned_data["section"], form.cleaned_data["format"]
            name = section.key if section else "bank"
            if fmt == "gift":
                text, _skipped = authoring.export_gift(authoring.questions_in(section))
                return _download(text, f"{name}.gift", "text/plain")
            if fmt == "csv":
                return _download(
                    authoring.export_flashcards_csv(authoring.flashcards_in(section)),
                    f"{name}-flashcards.csv",
                    "text/csv",
                )
            if section:
                return _download(
                    authoring.export_yaml_section(section), f"{section.key}.yaml", "application/yaml"
                )
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for filename, text in authoring.export_yaml_all().items():
                    archive.writestr(f"content/{filename}", text)
            response = HttpResponse(buffer.getvalue(), content_type="application/zip")
            response["Content-Disposition"] = 'attachment; filename="content.zip"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": gettext("Export"),
        }
        return TemplateResponse(request, "admin/catalog/export.html", context)


def _top_key(section: Section) -> str:
    return section.parent.key if section.parent_id else section.key


def _download(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Preview helpers: the inputs a learner gets, and reading them back -------------------------------


def _shown(question):
    """What the page lists, in the order a learner sees it: choices shuffled (true/false keeps its order),
    ordering items and matching right items shuffled and never in the right order (which would give the
    answer away)."""
    rng = random.Random(question.pk * 7919 + question.version)
    choices = list(question.choices.all())
    if question.type != "truefalse":
        rng.shuffle(choices)
    items = list(question.order_items.all())
    rights = list(question.match_pairs.all())
    for rows in (items, rights):
        original = list(rows)
        rng.shuffle(rows)
        if len(rows) > 1 and rows == original:
            rows.append(rows.pop(0))
    return {
        "choices": choices,
        "items": items,
        "positions": range(1, len(items) + 1),
        "lefts": list(question.match_pairs.all()),
        "rights": rights,
    }


def _ints(values):
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidAnswer("not a number") from None


def _given(question, data):
    """The posted form as `answers.py` wants it for this type; InvalidAnswer when incomplete."""
    qtype = question.type
    if qtype in ("single", "truefalse"):
        chosen = _ints(data.getlist("choice"))
        if len(chosen) != 1:
            raise InvalidAnswer("choose one")
        return chosen[0]
    if qtype == "multiple":
        return set(_ints(data.getlist("choice")))
    if qtype == "fill":
        return data.get("answer", "")
    if qtype == "ordering":
        places = {item.pk: _ints([data.get(f"position-{item.pk}")])[0] for item in question.order_items.all()}
        if len(set(places.values())) != len(places):
            raise InvalidAnswer("two items in one place")
        return [pk for pk, _ in sorted(places.items(), key=lambda kv: kv[1])]
    if qtype == "matching":
        return {pair.pk: _ints([data.get(f"match-{pair.pk}")])[0] for pair in question.match_pairs.all()}
    raise Http404


def _given_for_template(question, given):
    """The learner's answer in a shape templates can test membership against (to keep inputs filled in)."""
    if isinstance(given, int):
        return {"choices": {given}}
    if isinstance(given, set):
        return {"choices": given}
    if isinstance(given, str):
        return {"text": given}
    if isinstance(given, list):
        return {"places": {pk: n for n, pk in enumerate(given, 1)}}
    if isinstance(given, dict):
        return {"matches": given}
    return {}


# --- Flashcards ----------------------------------------------------------------------------------


@admin.register(Flashcard)
class FlashcardAdmin(AuthoredAdmin):
    list_display = ["key", "shown_front", "section", "status", "preview_link"]
    list_display_links = ["key", "shown_front"]
    list_filter = [("section", admin.RelatedOnlyFieldListFilter), "status"]
    search_fields = ["key", "front", "back", "hint"]
    readonly_fields = ["origin"]
    fields = ["key", "section", "status", "front", "back", "hint", "origin"]
    actions = ["publish", "unpublish", "duplicate", "move", "export_csv"]

    @admin.display(description=_("front"))
    def shown_front(self, card):
        return Truncator(" ".join(card.front.split())).chars(70)

    def duplicate_rows(self, queryset):
        return authoring.flashcards_duplicate(flashcards=queryset)

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
