import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from quizapp.catalog.models import Section

# No 0/O, 1/I/L: a code read aloud in a classroom or copied from a projector must not be ambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class ClassroomQuerySet(models.QuerySet):
    def taught_by(self, user):
        return self.filter(teacher=user)

    def joined_by(self, user):
        return self.filter(memberships__learner=user)

    def with_sections(self):
        """The chosen sections prefetched in the catalogue's order, for `studied_leaves`."""
        chosen = Section.objects.order_by("order", "pk")
        return self.prefetch_related(models.Prefetch("sections", queryset=chosen))


class Classroom(models.Model):
    name = models.CharField(_("name"), max_length=100)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classes_taught", verbose_name=_("teacher")
    )
    join_code = models.CharField(_("join code"), max_length=16, unique=True, default=new_join_code)
    sections = models.ManyToManyField(
        Section, blank=True, related_name="+", verbose_name=_("sections studied"),
        help_text=_("Leave empty to study every section."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Archived: closed to joining and read-only for its teacher, with every page and download still there.
    # Nothing is deleted, so restoring (back to null) gives the class back as it was.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Assignments' open and due dates are typed and shown in this zone (stored in UTC, as every time).
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE,
                                 help_text=_("Assignments open and fall due at the times you type, in this zone."))

    objects = ClassroomQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("classes:dashboard", kwargs={"pk": self.pk})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def join_url(self):
        return reverse("classes:join") + f"?code={self.join_code}"

    def studied_sections(self):
        """The leaf sections the class studies: the chosen ones (and the leaves under chosen parents), or all."""
        chosen = list(self.sections.all())
        if not chosen:
            return Section.objects.leaves().order_by("order")
        return Section.objects.leaves_under(chosen).order_by("order")


def studied_leaves(classrooms) -> dict:
    """{classroom pk: the leaf sections it studies, in order} for classes fetched `with_sections()`, in one
    query whatever their number; an empty list for a class that studies every section (as in
    `Classroom.studied_sections`)."""
    chosen = {c.pk: {s.pk for s in c.sections.all()} for c in classrooms}
    wanted = set().union(*chosen.values())
    if not wanted:
        return {pk: [] for pk in chosen}
    leaves = list(Section.objects.leaves_under(wanted).order_by("order", "pk"))
    return {pk: [s for s in leaves if s.pk in ids or s.top_id in ids] for pk, ids in chosen.items()}


class Membership(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships",
                                  db_index=False)  # indexed by the unique constraint's leading column
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [models.UniqueConstraint(fields=["classroom", "learner"], name="one_membership_per_learner")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.learner} @ {self.classroom}"


class SectionTotal(models.Model):
    """A rollup per (class, section): the sum of the members' mastery and how many have mastered it, so the
    class grid's column figures are one indexed read whatever the class's history. Kept in step by
    `classes.rollups` in the transaction of every answer, join and departure; `rebuild_progress` checks it."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="section_totals",
                                  db_index=False)  # indexed by the unique constraint's leading column
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    mastery_sum = models.FloatField(default=0.0)
    mastered = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "section"], name="sectiontotal_one_per_section"),
            models.CheckConstraint(condition=models.Q(mastered__gte=0), name="sectiontotal_mastered_not_negative"),
        ]

    def __str__(self):
        return f"{self.classroom} / {self.section}"


class Assignment(models.Model):
    """Work a teacher sets a class, open from `opens_at` to `due_at`. Whether a learner has done it is never
    stored: it is computed from their recorded answers and reviews (classes.assignments), so editing or
    deleting an assignment never touches their work."""

    class Kind(models.TextChoices):
        QUIZ = "quiz", _("A quiz of N questions")
        MASTERY = "mastery", _("Reach mastery")
        DECK = "deck", _("Flashcard deck")

    MIN_QUESTIONS = 1
    MAX_QUESTIONS = 50

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments",
                                  verbose_name=_("class"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.QUIZ)
    # As the class form stores them: a ticked part stands for all its leaves.
    sections = models.ManyToManyField(Section, related_name="+", verbose_name=_("sections"))
    questions = models.PositiveSmallIntegerField(_("number of questions"), null=True, blank=True)
    opens_at = models.DateTimeField(_("opens"))
    due_at = models.DateTimeField(_("due"))
    # The one-time key of the form that created it: the same form sent twice creates one assignment.
    form_key = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(condition=models.Q(due_at__gt=models.F("opens_at")),
                                   name="assignment_due_after_open"),
            models.CheckConstraint(
                condition=models.Q(questions__isnull=True) | models.Q(questions__gte=1, questions__lte=50),
                name="assignment_questions_1_50"),
            models.CheckConstraint(condition=~models.Q(kind="quiz") | models.Q(questions__isnull=False),
                                   name="assignment_quiz_has_questions"),
            models.UniqueConstraint(fields=["classroom", "form_key"], condition=~models.Q(form_key=""),
                                    name="assignment_one_per_form_key"),
        ]

    def __str__(self):
        return f"{self.classroom}: {self.get_kind_display()} #{self.pk}"

    @property
    def what(self) -> str:
        """What to do, in a few words: "A quiz of 10 questions", "Reach mastery", "Flashcard deck"."""
        if self.kind == self.Kind.QUIZ:
            return ngettext("A quiz of %(n)d question", "A quiz of %(n)d questions", self.questions or 0) % {
                "n": self.questions or 0}
        return str(self.get_kind_display())


class MasteredSince(models.Model):
    """When a learner's call in a leaf section last became "mastered" (deleted when it stops being so): the
    time a "reach mastery" assignment was done, for on time or late. Written by the answer that changes the
    call (classes.assignments.on_answer_recorded); whether a section is mastered is read from the progress
    rollup, so a missing row (mastered before this table, or by a recalibration) only loses the time."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # indexed by the unique constraint's leading column
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "section"], name="masteredsince_one_per_section")]
