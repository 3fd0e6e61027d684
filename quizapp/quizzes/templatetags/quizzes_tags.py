"""Showing a recorded answer's feedback on another page (a teacher's review) exactly as the quiz shows it."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def feedback_answers(context, feedback: dict, **extra):
    """The answers part of the feedback (quizzes/question.html#feedback_answers) with everything in `feedback`
    (presenting.feedback_context): whatever a question type gives its feedback partial reaches it, so a
    page that lists answers names no type's extras (`partly_right`, `near_miss`, ...). `extra`: answer_of."""
    partial = context.template.engine.get_template("quizzes/question.html#feedback_answers")
    with context.push(**feedback, **extra):
        return partial.render(context)
