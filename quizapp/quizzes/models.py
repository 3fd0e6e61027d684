from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from quizapp.catalog.models import Question, Section

from . import adaptive


class MasteryState(models.TextChoices):
    NOT_STARTED = adaptive.NOT_STARTED, _("Not started")
    LEARNING = adaptive.LEARNING, _("Learning")
    MASTERED = adaptive.MASTERED, _("Mastered")


class LearnerSkill(models.Model):
    """The engine's belief about one learner in one section (see adaptive.py): the source of truth for
    mastery. `mastery` (the estimate: the probability that the section is mastered) and `state` (the call)
    are cached from the belief when it last changed; `skill` and `uncertainty` are the belief's mean and
    standard deviation (logits over the section's typical question), for the admin."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills",
                                db_index=False)  # indexed by the unique constraint's leading column
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    skill = models.FloatField(_("skill estimate"), default=0.0)
    uncertainty = models.FloatField(_("uncertainty"), default=adaptive.DEFAULT_PRIOR_SD)
    answers = models.PositiveIntegerField(_("answers"), default=0)
    right = models.PositiveIntegerField(_("right answers"), default=0)
    mastery = models.FloatField(_("mastery estimate"), default=0.0)
    state = models.CharField(_("state"), max_length=16, choices=MasteryState.choices, default=MasteryState.NOT_STARTED)
    # The belief: adaptive.GRID_POINTS weights ([] before the first answer: the calibration's prior).
    posterior = models.JSONField(_("belief over skill"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learner skill")
        verbose_name_plural = _("learner skills")
        constraints = [
            models.UniqueConstraint(fields=["learner", "section"], name="learnerskill_one_per_section"),
            models.CheckConstraint(condition=Q(mastery__gte=0, mastery__lte=1), name="learnerskill_mastery_0_1"),
            models.CheckConstraint(condition=Q(uncertainty__gte=0), name="learnerskill_uncertainty_nonnegative"),
            models.CheckConstraint(condition=Q(right__lte=models.F("answers")), name="learnerskill_right_within_answers"),
            models.CheckConstraint(condition=Q(state__in=MasteryState.values), name="learnerskill_state_valid"),
        ]

    def belief(self, calibration: adaptive.Calibration) -> adaptive.Belief:
        return belief_of(self, calibration)


def belief_of(skill, calibration: adaptive.Calibration) -> adaptive.Belief:
    """A LearnerSkill row's belief (also for the historical models of migrations)."""
    if len(skill.posterior or []) != adaptive.GRID_POINTS:
        return adaptive.Belief.start(calibration)
    return adaptive.Belief(weights=tuple(skill.posterior), answers=skill.answers, right=skill.right)


def take_belief(skill, belief: adaptive.Belief, mastery: adaptive.Mastery) -> None:
    """Set a LearnerSkill row's fields from a belief and its mastery (the caller saves SKILL_FIELDS)."""
    skill.posterior = list(belief.weights)
    skill.skill, skill.uncertainty = belief.mean, belief.sd
    skill.answers, skill.right = belief.answers, belief.right
    skill.mastery, skill.state = mastery.estimate, mastery.state


SKILL_FIELDS = ["posterior", "skill", "uncertainty", "answers", "right", "mastery", "state"]


class QuestionStats(models.Model):
    """The engine's calibrated difficulty of a question (its offset in logits from its section's typical
    question: see adaptive.py and calibration.py), and counts of first answers."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, primary_key=True, related_name="stats")
    difficulty = models.FloatField(_("difficulty offset"))
    first_answers = models.PositiveIntegerField(_("first answers"), default=0)
    first_right = models.PositiveIntegerField(_("right first answers"), default=0)

    class Meta:
        verbose_name = _("question statistics")
        verbose_name_plural = _("question statistics")
        constraints = [
            models.CheckConstraint(condition=Q(first_right__lte=models.F("first_answers")),
                                   name="questionstats_right_within_answers"),
        ]


class EngineCalibration(models.Model):
    """One fit of the engine's shared parameters (calibration.fit): the newest row is in force."""

    prior = models.JSONField(_("skill prior"))
    learn = models.FloatField(_("learning rate"), default=adaptive.LEARN)
    answers = models.PositiveIntegerField(_("answers fitted"), default=0)
    fitted_at = models.DateTimeField(_("fitted at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        get_latest_by = "pk"
        verbose_name = _("engine calibration")
        verbose_name_plural = _("engine calibrations")

    def as_calibration(self) -> adaptive.Calibration:
        prior = self.prior if len(self.prior) == adaptive.GRID_POINTS else adaptive.normal_prior()
        return adaptive.Calibration(prior=tuple(prior), learn=self.learn)


class RefitClaim(models.Model):
    """Who is recalibrating the engine (services.calibration_refit_if_due): one row, claimed by a single
    UPDATE that one request wins, before the fit, which takes seconds on a big site. Every answer recorded
    meanwhile also finds a refit due; without the claim each would start its own fit, and the fits would
    take the CPU from everyone. A claim older than REFIT_CLAIM_TTL (its process died) is free again."""

    claimed_at = models.DateTimeField(null=True, blank=True)


class AttemptQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Attempt.Status.OPEN)


class Attempt(models.Model):
    """One quiz a learner takes."""

    class Kind(models.TextChoices):
        SECTION = "section", _("Section quiz")
        MIXED = "mixed", _("Mixed quiz")
        WEAK = "weak", _("Weak spots")

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        FINISHED = "finished", _("Finished")
        ABANDONED = "abandoned", _("Left unfinished")

    MIN_LENGTH = 5
    MAX_LENGTH = 30
    DEFAULT_LENGTH = 10

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sections = models.ManyToManyField(Section, related_name="+", verbose_name=_("sections"))
    # The question ids this quiz draws from, fixed when it starts.
    pool = models.JSONField(_("question pool"), default=list)
    length = models.PositiveSmallIntegerField(_("length"), default=DEFAULT_LENGTH)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    seed = models.BigIntegerField(_("random seed"))
    answered = models.PositiveSmallIntegerField(_("answered"), default=0)
    # The one-time key of the form that started it: the same form sent twice starts one quiz, not two.
    start_key = models.CharField(_("start form key"), max_length=32, blank=True, default="")
    score = models.FloatField(_("score"), default=0.0)
    # {section id: mastery value when the quiz started}, for the summary's change in mastery.
    mastery_before = models.JSONField(default=dict)
    # What the engine reads on every answer, kept on the row the answer reads anyway (None: a quiz started
    # before these were kept; the answer then reads them from the tables). `served`: [question id, right or
    # None while unanswered] per position, written with `answered` by the answer's guarded UPDATE, so it is
    # always what the items and responses say for that count. `earlier`: the learner's latest answers
    # before the quiz in its sections, [question id, right, answered at (Unix seconds)], newest first: they
    # cannot change while the quiz is open (a learner has one open quiz).
    served = models.JSONField(null=True, blank=True, editable=False)
    earlier = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.CheckConstraint(condition=Q(length__gte=1, length__lte=30), name="attempt_length_1_30"),
            models.CheckConstraint(condition=Q(answered__lte=models.F("length")), name="attempt_answered_within_length"),
            models.CheckConstraint(condition=Q(status__in=["open", "finished", "abandoned"]), name="attempt_status_valid"),
            # At most one open quiz per learner: the one the home page offers to resume.
            models.UniqueConstraint(fields=["learner"], condition=Q(status="open"), name="attempt_one_open_per_learner"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self):
        return reverse("quizzes:question", kwargs={"attempt": self.pk})

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class AttemptItem(models.Model):
    """A question served in an attempt, at a position; `shown` is the frozen copy of what was asked."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items",
                                db_index=False)  # indexed by the unique constraint's leading column
    position = models.PositiveSmallIntegerField(_("position"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    question_version = models.PositiveIntegerField(_("question version"))
    shown = models.JSONField(_("what was asked"))
    served_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("served question")
        verbose_name_plural = _("served questions")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attemptitem_one_per_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="attemptitem_position_positive"),
        ]


class Response(models.Model):
    """One recorded answer: exactly one per served question (the unique `item`)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responses",
                                db_index=False)  # indexed as the leading column of response_learner_question
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    item = models.OneToOneField(AttemptItem, on_delete=models.CASCADE, related_name="response")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    question_version = models.PositiveIntegerField(_("question version"))
    asked = models.JSONField(_("what was asked"))
    given = models.JSONField(_("answer given"))
    correct = models.BooleanField(_("correct"))
    score = models.FloatField(_("score"))
    seconds = models.PositiveIntegerField(_("seconds taken"))
    first_try = models.BooleanField(_("learner's first answer to the question"))
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answered_at", "pk"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="response_score_0_1"),
        ]
        indexes = [models.Index(fields=["learner", "question", "-answered_at"], name="response_learner_question")]
