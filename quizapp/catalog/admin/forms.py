"""The admin's forms: a question's, a section's, and those of the move, import and export pages."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .. import question_types, rules
from ..models import Question, Section, Status

TEXT_FIELDS = ("prompt", "explanation", "notes", "front", "back", "hint", "text", "left", "right")


def _unix_newlines(cleaned: dict) -> dict:
    for name in TEXT_FIELDS:
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].replace("\r\n", "\n")
    return cleaned


# --- Forms ---------------------------------------------------------------------------------------

DIFFICULTIES = [(n, str(n)) for n in range(1, 6)]


class TagsField(forms.CharField):
    """Tags typed as words separated by commas (either width), stored as a list."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [t.strip() for t in re.split(r"[,，、]", text) if t.strip()]


class KeyedForm(forms.ModelForm):
    """Keys become names in content/ files and exports, which the loader checks: the admin checks the same."""

    conflict = None  # set by AuthoredAdmin when a save found another writer there first

    def clean(self):
        cleaned = super().clean()
        if self.conflict:
            raise ValidationError(self.conflict, code="conflict")
        return cleaned

    def clean_key(self):
        key = self.cleaned_data["key"]
        wrong = rules.key_problem(key, max_length=self._meta.model._meta.get_field("key").max_length)
        if wrong:
            raise ValidationError(capfirst(wrong))
        return key


class QuestionForm(KeyedForm):
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
        cleaned = _unix_newlines(super().clean())
        if question_types.exists(cleaned.get("type")) and cleaned.get("prompt"):
            for problem in question_types.get(cleaned["type"]).prompt_problems(cleaned["prompt"]):
                self.add_error("prompt", capfirst(problem))
        return cleaned


class LeafSectionForm(KeyedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "section" in self.fields:
            self.fields["section"].queryset = Section.objects.leaves().order_by("order")

    def clean(self):
        return _unix_newlines(super().clean())


class SectionForm(KeyedForm):
    """The section map is two levels deep (content/sections.yaml, and every export writes it so), and only
    leaves hold questions and flashcards: the admin keeps both true, as the loader requires."""

    class Meta:
        model = Section
        fields = ["key", "title", "parent", "order", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tops = Section.objects.top_level().order_by("order")
        self.fields["parent"].queryset = tops.exclude(pk=self.instance.pk) if self.instance.pk else tops

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None:
            return parent
        if self.instance.pk and self.instance.children.exists():
            raise ValidationError(
                _("This section has subsections of its own, so it cannot go under another one: sections are "
                  "at most two levels deep."))
        if parent.questions.exists() or parent.flashcards.exists():
            raise ValidationError(
                _("“%(title)s” holds questions or flashcards itself, so it cannot have subsections: they "
                  "belong to sections without subsections. Move them first.") % {"title": parent.title})
        return parent


class MoveForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("Move to section"), queryset=Section.objects.leaves().order_by("order")
    )


MAX_IMPORT_MB = 20


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("YAML bank file (.yaml), Moodle GIFT (.gift, .txt) or flashcards as CSV (.csv), UTF-8."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_MB * 1024 * 1024:
            raise ValidationError(_("The file is larger than %(mb)d MB: split it into several files."),
                                  params={"mb": MAX_IMPORT_MB})
        return upload

    def clean_status(self):
        return self.cleaned_data.get("status") or Status.DRAFT

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
    # Draft first, as in the add form: a file's questions reach learners only once a teacher publishes them.
    # Not sent (a script, an old form): drafts too.
    status = forms.ChoiceField(
        label=_("Imported items are"),
        required=False,
        initial=Status.DRAFT,
        widget=forms.RadioSelect,
        choices=[
            (Status.DRAFT, _("Drafts: learners see them once you publish them (preview first)")),
            (Status.PUBLISHED, _("Published at once: learners meet them in quizzes and decks now")),
        ],
        help_text=_("Items a YAML file marks as drafts stay drafts."),
    )
    update = forms.BooleanField(
        label=_("Update items that already exist"),
        required=False,
        help_text=_("Otherwise an existing key that differs is reported and left alone."),
    )


class ConfirmImportForm(forms.Form):
    """Names the upload held on the server (`authoring.import_hold`): the file and its options stay there."""

    token = forms.UUIDField(widget=forms.HiddenInput)


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
