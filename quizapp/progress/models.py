"""Rollups: the data behind every dashboard, kept in step with the history (quizzes' Responses and cards'
Reviews) in the same transaction that writes the history, and recomputable from it (progress_rebuild).

Counts only ever change with F() expressions, and every row is unique per its key, so concurrent writers
neither lose updates nor duplicate rows."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from quizapp.catalog.models import Question, Section
from quizapp.quizzes.mastery import Call
from quizapp.quizzes.models import MasteryState


class SectionProgress(models.Model):
    """One learner in one leaf section: quiz answers, flashcard reviews, and mastery as the quiz engine
    last computed it (quizzes.LearnerSkill is its source of truth). `mastery` is the engine's estimated
    probability that the section is mastered; pages show `call` (state and evidence), never it as a number."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="section_progress",
                                db_index=False)  # indexed by the unique constraint's leading column
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    answers = models.PositiveIntegerField(_("answers"), default=0)
    correct = models.PositiveIntegerField(_("correct answers"), default=0)
    reviews = models.PositiveIntegerField(_("flashcard reviews"), default=0)
    lapses = models.PositiveIntegerField(_("lapses"), default=0)
    mastery = models.FloatField(_("mastery"), default=0.0)
    # The best mastery the learner started a study day's work in the section with: on the first answer in the
    # section of each study day, the mastery they brought into that answer's quiz (Attempt.mastery_before).
    # The grid calls a section "falling" when mastery is well below it; a rise within a day is not a level
    # reached until the learner comes back on a later day, so one lucky streak in a first quiz sets nothing.
    mastery_peak = models.FloatField(_("best mastery at the start of a study day"), default=0.0)
    state = models.CharField(_("state"), max_length=16, choices=MasteryState.choices, default=MasteryState.NOT_STARTED)
    last_activity = models.DateTimeField(_("last activity"), null=True, blank=True)

    class Meta:
        verbose_name = _("section progress")
        verbose_name_plural = _("section progress")
        # Covers what the class grid reads: the sort by total or by a section, and a page's cells and last
        # activity, all from the index alone (the rows are wide; the column figures come from
        # classes.SectionTotal). On SQLite this took a full page's cell read from 6.5 ms to 2.6 ms. The price:
        # an answer (mastery) or a review (last activity) also rewrites this index's entry. The grid's cells
        # now show answers and right answers too, read from the row: widening the index is a migration of its
        # own, to be measured with bench_dashboard.
        indexes = [models.Index(
            fields=["learner", "section", "mastery", "state", "mastery_peak", "last_activity"],
            name="sectionprogress_grid_cells",
        )]
        constraints = [
            models.UniqueConstraint(fields=["learner", "section"], name="sectionprogress_one_per_section"),
            models.CheckConstraint(condition=Q(correct__lte=F("answers")), name="sectionprogress_correct_within"),
            models.CheckConstraint(condition=Q(mastery__gte=0, mastery__lte=1), name="sectionprogress_mastery_0_1"),
        ]

    @property
    def call(self) -> Call:
        """What pages show of this section's mastery: the state and its evidence (see quizzes.mastery)."""
        return Call(self.state, self.answers, self.correct, self.mastery)


class DailyActivity(models.Model):
    """One learner on one study day (04:00 to 04:00 in the learner's time zone, as the flashcards count)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_activity",
                                db_index=False)  # indexed by the unique constraint's leading column
    day = models.DateField(_("day"))
    answers = models.PositiveIntegerField(_("answers"), default=0)
    correct = models.PositiveIntegerField(_("correct answers"), default=0)
    reviews = models.PositiveIntegerField(_("flashcard reviews"), default=0)
    # Reviews of cards in the review phase, and how many of those were recalled (not "Again"): true retention.
    recall_reviews = models.PositiveIntegerField(default=0)
    recalled = models.PositiveIntegerField(default=0)
    study_ms = models.PositiveBigIntegerField(_("time studied (ms)"), default=0)

    class Meta:
        ordering = ["day"]
        verbose_name = _("daily activity")
        verbose_name_plural = _("daily activity")
        constraints = [
            models.UniqueConstraint(fields=["learner", "day"], name="dailyactivity_one_per_day"),
            models.CheckConstraint(condition=Q(correct__lte=F("answers")), name="dailyactivity_correct_within"),
            models.CheckConstraint(condition=Q(recalled__lte=F("recall_reviews")), name="dailyactivity_recalled_within"),
        ]

    @property
    def activity(self) -> int:
        return self.answers + self.reviews


class SectionDay(models.Model):
    """One learner's quiz answers in one section on one study day: the section page's history."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # indexed by the unique constraint's leading column
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    answers = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "section", "day"], name="sectionday_one_per_day"),
            models.CheckConstraint(condition=Q(correct__lte=F("answers")), name="sectionday_correct_within"),
        ]


class ItemStats(models.Model):
    """One version of a question over all learners: how often answered, and first answers right."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="item_stats",
                                 db_index=False)  # indexed by the unique constraint's leading column
    version = models.PositiveIntegerField(_("version"))
    # The same names as QuestionStats' first_answers and first_right: the same counts, per version here.
    answers = models.PositiveIntegerField(_("answers"), default=0)
    first_answers = models.PositiveIntegerField(_("first answers"), default=0)
    first_right = models.PositiveIntegerField(_("right first answers"), default=0)
    # The sum of the first answers' scores (1 right, 0 wrong, a share for a partly right one): facility.
    first_score = models.FloatField(_("score of first answers"), default=0.0)

    class Meta:
        verbose_name = _("item statistics")
        verbose_name_plural = _("item statistics")
        constraints = [
            models.UniqueConstraint(fields=["question", "version"], name="itemstats_one_per_version"),
            models.CheckConstraint(condition=Q(first_right__lte=F("first_answers")),
                                   name="itemstats_right_within_first_answers"),
            models.CheckConstraint(condition=Q(first_answers__lte=F("answers")),
                                   name="itemstats_first_answers_within_answers"),
        ]

    @property
    def facility(self) -> float | None:
        """Moodle's facility index of this version, as classes.items computes it: the mean score of the first
        answers (partial credit counts), a share of full marks; None before any."""
        return self.first_score / self.first_answers if self.first_answers else None
