"""Answers recorded as the quiz service stores them, for the class reports' tests (and the class pages' browser
test), without running a quiz."""

from quizapp.quizzes.models import Attempt, AttemptItem, Response


def first_answer(learner, question, *, correct, given=None):
    """A learner's recorded first answer, as the quiz service stores it."""
    attempt = Attempt.objects.create(learner=learner, kind="mixed", seed=1, length=5, status="finished")
    shown = {"type": question.type, "choices": [{"id": c.pk, "text": c.text} for c in question.choices.all()]}
    item = AttemptItem.objects.create(attempt=attempt, position=1, question=question, question_version=1, shown=shown)
    chosen = given if given is not None else next(c.pk for c in question.choices.all() if c.is_correct == correct)
    return Response.objects.create(
        learner=learner, attempt=attempt, item=item, question=question, section=question.section,
        question_version=1, asked=shown, given=chosen, correct=correct, score=float(correct), seconds=5,
        first_try=True)
