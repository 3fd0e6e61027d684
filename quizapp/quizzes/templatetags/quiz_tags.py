from django import template

from quizapp.quizzes.models import Attempt

register = template.Library()


@register.inclusion_tag("quizzes/open_quiz.html")
def open_quiz(user):
    """The learner's open quiz, to resume from the home page (nothing for visitors or without one)."""
    if not getattr(user, "is_authenticated", False):
        return {"attempt": None}
    return {"attempt": Attempt.objects.open().filter(learner=user).first()}
