"""The read API of mastery, for pages and for apps to the right (progress): LearnerSkill is the source of
truth. One query whatever the learner's history.

What pages show of it is a `Call`: the engine's call (the state) and its evidence (answers, right ones),
never the estimate as a percentage. A learner reads "84%" after 6 of 9 right as a score of 84; the estimate
is the engine's probability that the section is mastered, and from a handful of answers that figure is
mostly prior. Every page that shows mastery (progress, section page, quiz summary, class grid) asks this
one class, so they word it alike and agree."""

from typing import NamedTuple

from django.utils.translation import gettext, ngettext

from .models import LearnerSkill, MasteryState


def section_mastery(learner) -> dict[str, tuple[float, str]]:
    """{section key: (mastery value in [0, 1], state)} for every section the learner has answered in.
    Sections not listed are not started: (0.0, "not_started")."""
    rows = LearnerSkill.objects.filter(learner=learner).values_list("section__key", "mastery", "state")
    return {key: (value, state) for key, value, state in rows}


NOT_STARTED = (0.0, MasteryState.NOT_STARTED.value)

# A learning section's band rises from 1 to 2 when the engine thinks mastery more likely than not.
LIKELY = 0.5


class Call(NamedTuple):
    """One learner's mastery of one section as people see it. A tuple: the class grid builds thousands.
    `estimate` is the engine's probability that the section is mastered (0-1); it orders and colours, and
    reaches the CSV, but is never printed on a page."""

    state: str
    answers: int = 0
    right: int = 0
    estimate: float = 0.0

    @property
    def band(self) -> int:
        """0 not started, 1-2 learning (2: mastery more likely than not), 3 mastered: the filled segments of
        a three-segment bar. Coarse on purpose: a finer bar would be read as a score."""
        if self.state == MasteryState.MASTERED:
            return 3
        if self.state == MasteryState.NOT_STARTED:
            return 0
        return 2 if self.estimate >= LIKELY else 1

    @property
    def state_label(self) -> str:
        return str(MasteryState(self.state).label)

    @property
    def evidence(self) -> str:
        """"3 of 3 right" (3 题中答对 3 题); empty before any answer."""
        if not self.answers:
            return ""
        return ngettext("%(right)s of %(answers)s right", "%(right)s of %(answers)s right", self.answers) % {
            "right": self.right, "answers": self.answers}

    def __str__(self) -> str:
        """The call with its evidence: "3 of 3 right · Mastered" (3 题中答对 3 题 · 已掌握)."""
        if not self.answers:
            return self.state_label
        return gettext("%(evidence)s · %(state)s") % {"evidence": self.evidence, "state": self.state_label}
