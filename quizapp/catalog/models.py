import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import answers, question_types
from .rules import ANSWER_LENGTH, ITEM_LENGTH, KEY_LENGTH, PAIR_LENGTH


def _section_ids(sections) -> list[int]:
    """Primary keys of a Section, a key, a pk, or an iterable (or queryset) of any of them."""
    if isinstance(sections, (Section, str, int)):
        sections = [sections]
    if isinstance(sections, models.QuerySet):
        return list(sections.values_list("pk", flat=True))
    items = list(sections)
    keys = [s for s in items if isinstance(s, str)]
    ids = [s.pk if isinstance(s, Section) else s for s in items if not isinstance(s, str)]
    if keys:
        ids += Section.objects.filter(key__in=keys).values_list("pk", flat=True)
    return ids


class SectionQuerySet(models.QuerySet):
    """The section tree, as the document has it: top-level sections ("parts"), each either a leaf itself or
    the parent of leaf sections. Nothing deeper: the section map (content/sections.yaml) and the admin's
    SectionForm allow one level of children, so every walk below is a fixed number of queries."""

    def leaves(self):
        return self.filter(children__isnull=True)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def leaves_under(self, sections):
        """The leaf sections a learner studies under `sections` (a Section, a key, a pk, or an iterable or
        queryset of them): a part's leaves, or the section itself when it is a leaf. One query, lazy."""
        if isinstance(sections, str):  # a key: no extra query to look it up
            return self.leaves().filter(Q(key=sections) | Q(parent__key=sections))
        ids = _section_ids(sections)
        return self.leaves().filter(Q(pk__in=ids) | Q(parent__in=ids))

    def outline(self) -> list["Section"]:
        """The top-level sections of this queryset in its order, each with `.subsections` (its children here,
        possibly none) and `.leaves` (its children, or itself when it has none), from one query; the rows
        keep whatever this queryset annotated."""
        rows = list(self)
        tops = [s for s in rows if s.parent_id is None]
        children: dict = {}
        for s in rows:
            if s.parent_id is not None:
                children.setdefault(s.parent_id, []).append(s)
        for top in tops:
            top.subsections = children.get(top.pk, [])
            top.leaves = top.subsections or [top]
        return tops

    def reading_order(self) -> list["Section"]:
        """Every section page in course order: a part, then its leaves (a part without leaves once)."""
        return [s for top in self.outline() for s in [top, *top.subsections]]

    def with_counts(self):
        """Each section with `n_questions` and `n_flashcards`: what it holds that learners see (published).
        In the same query: the course outline and a section's page show them beside the titles."""
        published = Status.PUBLISHED
        return self.annotate(
            n_questions=models.Count("questions", filter=Q(questions__status=published), distinct=True),
            n_flashcards=models.Count("flashcards", filter=Q(flashcards__status=published), distinct=True),
        )


class BankRevision(models.Model):
    """The bank's revision: one row whose `token` the database itself sets to a new random value in the same
    transaction as any insert, update or delete of a section, question or flashcard (triggers, migration
    0008), whichever way the write comes (the pipeline, the admin, a QuerySet.update, a shell). A rendering
    of the bank cached under the token is therefore good exactly while the token is the same, on every app
    server at once. Random rather than a counter: a test database flushed back to no row starts again from
    the same counter, never from the same random token."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("bank revision")


def bank_revision() -> str:
    """The bank's revision token (one query by primary key); "" before the first write. Read it BEFORE
    reading what you render under it: a write committed in between then files the newer content under the
    older token, which no request reads once the newer token is visible, never the reverse."""
    return BankRevision.objects.filter(pk=1).values_list("token", flat=True).first() or ""


class Section(models.Model):
    """A section of the source document. Leaves carry notes, questions and flashcards."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent section"),
    )
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    notes = models.TextField(_("study notes"), blank=True, help_text=_("Markdown."))

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalog:section", kwargs={"key": self.key})

    @property
    def top(self) -> "Section":
        """The top-level section (part) this one belongs to: its parent, or itself (select_related
        "parent" to read it without a query)."""
        return self.parent if self.parent_id else self

    @property
    def top_id(self) -> int:
        """The pk of `top`, without a query."""
        return self.parent_id or self.pk


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Origin(models.TextChoices):
    # Only content-file items are withdrawn when their key leaves the files; authored ones are the admin's.
    CONTENT = "content", _("Content files")
    AUTHORED = "authored", _("Authored or imported")


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)


class Question(models.Model):
    key = models.SlugField(_("key"), max_length=KEY_LENGTH, unique=True)
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="questions", verbose_name=_("section")
    )
    # A name for teachers only (a GIFT `::title::`); learners never see it.
    title = models.CharField(_("title"), max_length=200, blank=True)
    # The stored names and labels come from the types' registry (question_types), the one place that lists them.
    type = models.CharField(_("type"), max_length=16, choices=question_types.choices())
    prompt = models.TextField(_("prompt"), help_text=_("Markdown."))
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Markdown."))
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3, help_text=_("1 (easy) to 5 (hard)."))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.AUTHORED)
    # Bumped whenever what is asked or what counts as right changes, so history can be split by version.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["section__order", "key"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(condition=Q(difficulty__gte=1, difficulty__lte=5), name="question_difficulty_1_5"),
            models.CheckConstraint(condition=Q(type__in=question_types.names()), name="question_type_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="question_status_valid"),
        ]

    def __str__(self):
        return self.key

    def clean(self):
        super().clean()
        if self.difficulty is not None and not 1 <= self.difficulty <= 5:
            raise ValidationError({"difficulty": _("Difficulty must be a whole number from 1 to 5.")})

    @property
    def question_type(self) -> question_types.Type:
        return question_types.get(self.type)

    @property
    def answer_rows(self) -> str:
        """The related rows that say what this question's type asks and accepts: prefetch only these."""
        return self.question_type.rows.relation

    def answer_key(self):
        """What counts as right, as plain data (uses prefetched answer rows when present). Reads only
        the rows of this question's type, so one prefetch (`answer_rows`) is all a caller needs."""
        return self.question_type.answer_key(self)

    def check_answer(self, given) -> answers.Outcome:
        """Mark an answer given in the shape the question's type parses (`Type.parse_answer`)."""
        return self.question_type.check(self.answer_key(), given)


class QuestionVersion(models.Model):
    """A frozen copy of what a question asked, and what counted as right, while it had this version
    number. Written when an edit bumps `Question.version`, so answers recorded under an older version
    can still be read against what the learner actually saw."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions",
                                 db_index=False)  # indexed by the unique constraint's leading column
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))  # loading.question_content() shape
    replaced_at = models.DateTimeField(_("replaced at"), auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("replaced by"),
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="question_version_once"),
        ]

    def __str__(self):
        return f"{self.question_id} v{self.number}"


class Choice(models.Model):
    """An option of a single-choice, multiple-choice or true/false question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.TextField(_("text"))
    is_correct = models.BooleanField(_("correct"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text


class AcceptedAnswer(models.Model):
    """One accepted form of a fill-in answer."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="accepted_answers")
    text = models.CharField(_("text"), max_length=ANSWER_LENGTH)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("accepted answer")
        verbose_name_plural = _("accepted answers")

    def __str__(self):
        return self.text


class OrderItem(models.Model):
    """An item of an ordering question; `position` is its place in the right order."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="order_items")
    text = models.CharField(_("text"), max_length=ITEM_LENGTH)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("ordering item")
        verbose_name_plural = _("ordering items")

    def __str__(self):
        return self.text


class MatchPair(models.Model):
    """A left item and the right item it belongs with, in a matching question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="match_pairs")
    left = models.CharField(_("left"), max_length=PAIR_LENGTH)
    right = models.CharField(_("right"), max_length=PAIR_LENGTH)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("matching pair")
        verbose_name_plural = _("matching pairs")

    def __str__(self):
        return f"{self.left} → {self.right}"


class NumericalAnswer(models.Model):
    """One answer of a numerical question: a value with a tolerance (right within value ± tolerance) and the
    credit it earns (1 full marks, 0.5 half), as in Moodle's numerical question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="numerical_answers")
    value = models.FloatField(_("value"))
    tolerance = models.FloatField(_("tolerance"), default=0)
    credit = models.FloatField(_("credit"), default=1, help_text=_("1 is full marks, 0.5 half."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("numerical answer")
        verbose_name_plural = _("numerical answers")
        constraints = [
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="numericalanswer_tolerance_not_negative"),
            models.CheckConstraint(condition=Q(credit__gt=0, credit__lte=1), name="numericalanswer_credit_0_1"),
        ]

    def __str__(self):
        return f"{self.value} ± {self.tolerance}"


class Flashcard(models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="flashcards", verbose_name=_("section")
    )
    front = models.TextField(_("front"), help_text=_("Markdown."))
    back = models.TextField(_("back"), help_text=_("Markdown."))
    hint = models.TextField(_("hint"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.AUTHORED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["section__order", "key"]
        verbose_name = _("flashcard")
        verbose_name_plural = _("flashcards")

    def __str__(self):
        return self.key


class HeldImport(models.Model):
    """A file uploaded to the admin's import, held between its preview and the teacher's confirmation.

    Sending the whole file back through the preview page's form made a file over Django's 2.5 MB form
    limit fail at Confirm; the confirmation now names this row, which only its uploader can use and which
    lapses after HELD_FOR. It lives in the database, like sessions, so any app server can confirm it."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    format = models.CharField(max_length=8)
    section = models.CharField(max_length=80, blank=True)
    draft = models.BooleanField(default=False)
    update = models.BooleanField(default=False)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    HELD_FOR = timedelta(hours=1)
