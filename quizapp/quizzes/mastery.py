"""The read API of mastery, for pages and for apps to the right (progress): LearnerSkill is the source of
truth. One query whatever the learner's history."""

from .models import LearnerSkill, MasteryState


def section_mastery(learner) -> dict[str, tuple[float, str]]:
    """{section key: (mastery value in [0, 1], state)} for every section the learner has answered in.
    Sections not listed are not started: (0.0, "not_started")."""
    rows = LearnerSkill.objects.filter(learner=learner).values_list("section__key", "mastery", "state")
    return {key: (value, state) for key, value, state in rows}


NOT_STARTED = (0.0, MasteryState.NOT_STARTED.value)
