from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from lti_tool.models import LtiContext, LtiRegistration, LtiResourceLink

from quizapp.classes.models import Classroom
from quizapp.quizzes.models import Attempt


class LaunchData(models.Model):
    """What pylti1p3 keeps between the OIDC login and the launch (state, nonce) and after it (the launch's
    claims, for deep linking's answer): in the database, so every app server sees it. A nonce row is deleted
    when a launch uses it, so an id_token sent twice is refused the second time (lti.storage)."""

    key = models.CharField(max_length=255, unique=True)
    value = models.JSONField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.key


class FrameOrigin(models.Model):
    """A site that may show quizapp in a frame for this platform, besides the origins of its issuer and
    authorisation URL: Canvas's issuer is canvas.instructure.com, yet courses run on the school's own host."""

    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE, related_name="frame_origins",
                                     verbose_name=_("registration"))
    origin = models.URLField(_("origin"), help_text=_("Scheme and host only, e.g. https://school.instructure.com"))

    class Meta:
        verbose_name = _("frame origin")
        verbose_name_plural = _("frame origins")
        constraints = [models.UniqueConstraint(fields=["registration", "origin"], name="lti_frameorigin_unique")]

    def __str__(self):
        return self.origin


class CourseClass(models.Model):
    """The quizapp class of one LMS instructor in one LMS course (the context: issuer, deployment and context
    id together). Every instructor of the course gets their own, and the course's learners join all of them."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="+", verbose_name=_("LMS course"))
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    classroom = models.OneToOneField(Classroom, on_delete=models.CASCADE, related_name="lms_course")

    class Meta:
        verbose_name = _("LMS course class")
        verbose_name_plural = _("LMS course classes")
        constraints = [models.UniqueConstraint(fields=["context", "teacher"], name="lti_courseclass_one_per_teacher")]

    def __str__(self):
        return str(self.classroom)


class LinkTarget(models.Model):
    """What an LMS resource link opens, chosen by the instructor through deep linking (it comes back in the
    link's custom parameters at every launch)."""

    class Kind(models.TextChoices):
        NOTES = "notes", _("A section's notes")
        SECTION_QUIZ = "section_quiz", _("Section quiz")
        MIXED_QUIZ = "mixed_quiz", _("Mixed quiz")
        DECK = "deck", _("Flashcard reviews")
        MASTERY = "mastery", _("Mastery of sections (the share mastered, as a grade)")
        ASSIGNMENT = "assignment", _("An assignment of your class")

    resource_link = models.OneToOneField(LtiResourceLink, on_delete=models.CASCADE, related_name="target")
    kind = models.CharField(_("opens"), max_length=16, choices=Kind.choices)
    # Section keys (the content's stable keys): one for notes, section quiz and deck; any number for a mixed quiz
    # and for mastery.
    section_keys = models.JSONField(_("sections"), default=list, blank=True)
    # An assignment of the course's class (kind "assignment"): gone when the teacher deletes it, and the link's
    # launches then show a page saying so.
    assignment = models.ForeignKey("classes.Assignment", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("assignment"))
    # The link's gradebook column (AGS line item), from the launch's endpoint claim when it may take scores.
    lineitem_url = models.URLField(_("gradebook column"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("link target")
        verbose_name_plural = _("link targets")
        constraints = [models.CheckConstraint(condition=Q(kind__in=["notes", "section_quiz", "mixed_quiz", "deck", "mastery",
                                                                           "assignment"]),
                                              name="lti_linktarget_kind_valid")]

    def __str__(self):
        if self.kind == self.Kind.ASSIGNMENT:
            return f"{self.get_kind_display()}: #{self.assignment_id}"
        return f"{self.get_kind_display()}: {', '.join(self.section_keys)}"


class ScorePostQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(state=ScorePost.State.PENDING, next_try_at__lte=now)


class ScorePost(models.Model):
    """A score on its way to an LMS gradebook: written in the transaction of the answer that changed it (the last
    of a quiz, or one that changed a mastery link's count of sections mastered), so it is never lost, and sent
    after the commit; retried with growing pauses while the LMS fails. One per change (`change`: the quiz, or
    the answer): posted once; its timestamp lets the LMS ignore a repeat."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("In the LMS gradebook")
        FAILED = "failed", _("Not sent: the LMS kept refusing")

    link = models.ForeignKey(LinkTarget, on_delete=models.CASCADE, related_name="score_posts")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lms_user_id = models.CharField(max_length=255)  # the learner's `sub` in the LMS
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="+")  # the quiz of the change
    change = models.CharField(max_length=64)  # "quiz:<attempt id>" or "answer:<response id>"
    score_given = models.FloatField()
    score_maximum = models.FloatField()
    timestamp = models.DateTimeField()
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    next_try_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = ScorePostQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp", "-pk"]
        verbose_name = _("score sent to an LMS")
        verbose_name_plural = _("scores sent to an LMS")
        constraints = [
            models.UniqueConstraint(fields=["link", "learner", "change"], name="lti_scorepost_once_per_change"),
            models.CheckConstraint(condition=Q(state__in=["pending", "sent", "failed"]), name="lti_scorepost_state_valid"),
            models.CheckConstraint(condition=Q(score_given__gte=0, score_given__lte=models.F("score_maximum")),
                                   name="lti_scorepost_score_in_range"),
        ]

    def __str__(self):
        return f"{self.learner} {self.score_given}/{self.score_maximum} ({self.state})"
