from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quizapp.catalog.models import Flashcard

from . import scheduling


class Phase(models.IntegerChoices):
    NEW = scheduling.Phase.NEW, _("New")
    LEARNING = scheduling.Phase.LEARNING, _("Learning")
    REVIEW = scheduling.Phase.REVIEW, _("Review")
    RELEARNING = scheduling.Phase.RELEARNING, _("Relearning")


class RatingChoices(models.IntegerChoices):
    AGAIN = 1, _("Again")
    HARD = 2, _("Hard")
    GOOD = 3, _("Good")
    EASY = 4, _("Easy")


def _default_learning_steps():
    return [60, 600]


def _default_relearning_steps():
    return [600]


class StudySettings(models.Model):
    """A learner's flashcard settings. The time zone is the user's own (`User.time_zone`)."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_settings"
    )
    desired_retention = models.FloatField(
        _("desired retention"), default=0.90,
        validators=[MinValueValidator(0.70), MaxValueValidator(0.97)],
        help_text=_("The share of due cards you want to remember when they come up (0.70 to 0.97)."),
    )
    new_per_day = models.PositiveSmallIntegerField(
        _("new cards per day"), default=20, validators=[MaxValueValidator(1000)]
    )
    max_reviews_per_day = models.PositiveSmallIntegerField(
        _("maximum reviews per day"), default=200, validators=[MaxValueValidator(9999)]
    )
    learning_steps = models.JSONField(_("learning steps (seconds)"), default=_default_learning_steps)
    relearning_steps = models.JSONField(_("relearning steps (seconds)"), default=_default_relearning_steps)
    # Custom study's "more new cards today": extra_new more on the study day extra_new_on, and on that day
    # only. Keyed by the date, not added to new_per_day, so the next study day's limit is untouched.
    extra_new = models.PositiveSmallIntegerField(
        _("extra new cards today"), default=0, validators=[MaxValueValidator(1000)]
    )
    extra_new_on = models.DateField(_("study day of the extra new cards"), null=True, blank=True)

    class Meta:
        verbose_name = _("study settings")
        verbose_name_plural = _("study settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(desired_retention__gte=0.70, desired_retention__lte=0.97),
                name="study_settings_retention_range",
            ),
        ]

    def __str__(self):
        return f"{self.learner}"

    def new_limit(self, day) -> int:
        """New cards allowed on the study day dated `day`: the daily setting, plus that day's extra."""
        return self.new_per_day + (self.extra_new if self.extra_new_on == day else 0)

    def as_scheduling(self) -> scheduling.Settings:
        return scheduling.Settings(
            desired_retention=self.desired_retention,
            learning_steps=tuple(int(s) for s in self.learning_steps),
            relearning_steps=tuple(int(s) for s in self.relearning_steps),
        )


class CardStateQuerySet(models.QuerySet):
    def started(self):
        return self.exclude(state=Phase.NEW)

    def active(self, now):
        """Neither suspended nor buried at `now`."""
        return self.filter(suspended=False).filter(Q(buried_until__isnull=True) | Q(buried_until__lte=now))


class CardState(models.Model):
    """One learner's scheduling state for one flashcard (FSRS memory in real columns, plus flags).

    A row exists once the learner has been shown the card (or a missed quiz question put it first in line);
    a flashcard without a row is new to the learner.
    """

    learner = models.ForeignKey(  # indexed as the leading column of the unique constraint and the due index
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_states", db_index=False
    )
    flashcard = models.ForeignKey(Flashcard, on_delete=models.CASCADE, related_name="learner_cards")
    state = models.PositiveSmallIntegerField(_("state"), choices=Phase.choices, default=0)
    step = models.PositiveSmallIntegerField(_("step"), null=True, blank=True)
    stability = models.FloatField(_("stability (days)"), null=True, blank=True)
    difficulty = models.FloatField(_("difficulty"), null=True, blank=True)
    due = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    last_review = models.DateTimeField(_("last review"), null=True, blank=True)
    reps = models.PositiveIntegerField(_("reviews"), default=0)
    lapses = models.PositiveIntegerField(_("lapses"), default=0)
    suspended = models.BooleanField(_("suspended"), default=False)
    buried_until = models.DateTimeField(_("buried until"), null=True, blank=True)
    leech = models.BooleanField(_("leech"), default=False)
    # Set when a missed quiz question puts this new card first in line.
    priority_since = models.DateTimeField(_("first in line since"), null=True, blank=True)

    objects = CardStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("learner's card")
        verbose_name_plural = _("learners' cards")
        constraints = [
            models.UniqueConstraint(fields=["learner", "flashcard"], name="card_one_per_learner_flashcard"),
            models.CheckConstraint(condition=Q(state__in=Phase.values), name="card_state_valid"),
        ]
        indexes = [models.Index(fields=["learner", "state", "due"], name="card_learner_state_due")]

    def __str__(self):
        return f"{self.learner} · {self.flashcard}"

    # The memory as the pure scheduler sees it, and back.
    MEMORY_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
    SNAPSHOT_FIELDS = MEMORY_FIELDS + ("suspended", "buried_until", "leech", "priority_since")

    def memory(self) -> scheduling.Memory:
        return scheduling.Memory(
            state=scheduling.Phase(self.state), step=self.step, stability=self.stability,
            difficulty=self.difficulty, due=self.due, last_review=self.last_review, reps=self.reps,
            lapses=self.lapses,
        )

    def apply_memory(self, memory: scheduling.Memory) -> None:
        for name in self.MEMORY_FIELDS:
            value = getattr(memory, name)
            setattr(self, name, int(value) if name == "state" else value)

    def snapshot(self) -> dict:
        """Every column a review can change, as JSON, so undo can put it back exactly."""
        data = {}
        for name in self.SNAPSHOT_FIELDS:
            value = getattr(self, name)
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return data

    def restore(self, snapshot: dict) -> None:
        from datetime import datetime

        for name in self.SNAPSHOT_FIELDS:
            value = snapshot.get(name)
            if name in ("due", "last_review", "buried_until", "priority_since") and value is not None:
                value = datetime.fromisoformat(value)
            setattr(self, name, value)


class Review(models.Model):
    """One answer to one card: the review log FSRS's optimizer reads, and what undo puts back."""

    learner = models.ForeignKey(  # indexed as the leading column of review_learner_time
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_reviews", db_index=False
    )
    card = models.ForeignKey(CardState, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"), choices=RatingChoices.choices)
    reviewed_at = models.DateTimeField(_("reviewed at"), db_index=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    # The card's state before the review (a real column, for daily limits) and both full snapshots.
    state_before = models.PositiveSmallIntegerField(_("state before"), choices=Phase.choices)
    before = models.JSONField(_("card before"))
    after = models.JSONField(_("card after"))

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=4), name="review_rating_1_4"),
        ]
        indexes = [models.Index(fields=["learner", "reviewed_at"], name="review_learner_time")]

    def __str__(self):
        return f"{self.card} · {self.get_rating_display()}"
