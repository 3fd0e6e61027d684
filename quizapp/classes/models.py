import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
