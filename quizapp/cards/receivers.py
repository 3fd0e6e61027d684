"""How cards react to the quizzes app (connected in CardsConfig.ready)."""

from . import services


def introduce_cards_after_miss(sender, response, **kwargs):
    """A missed quiz question puts its section's unstarted flashcards first in today's new cards."""
    if response.correct:
        return
    services.section_cards_prioritize(learner=response.learner, section=response.question.section)
