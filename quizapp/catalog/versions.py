"""Versions of a question: what it asks and accepts, frozen when an edit changes it, so answers recorded
under an earlier version are read against what the learner saw. Every writer of questions (the content
loader, imports, the admin) revises through `question_revise`."""

from django.db import transaction
from django.db.models import F

from . import question_types
from .models import Question, QuestionVersion


def what_is_asked(content: dict) -> dict:
    """What is asked and what counts as right (the type, the prompt, every kind of answer row): a change here
    makes a new version of the question."""
    return {name: content.get(name, []) for name in ("type", "prompt", *question_types.row_fields())}


def question_revise(*, question: Question, before: dict, user=None) -> Question:
    """What a question asks or accepts has changed: freeze the old version's content and bump the version,
    so answers recorded under it are read against what the learner saw. Recording the same version twice
    (a double submit) keeps the first copy."""
    with transaction.atomic():
        number = Question.objects.filter(pk=question.pk).values_list("version", flat=True).get()
        _, created = QuestionVersion.objects.get_or_create(
            question=question,
            number=number,
            defaults={"content": before, "replaced_by": user if user and user.pk else None},
        )
        if created:
            Question.objects.filter(pk=question.pk).update(version=F("version") + 1)
        question.refresh_from_db(fields=["version"])
    return question
