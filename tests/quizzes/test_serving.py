"""What a served question shows: its choices in an order of their own for each attempt."""

import pytest

from quizapp.quizzes import services
from tests.factories import QuestionFactory, SectionFactory, UserFactory


def served_choices(question, learners=12):
    """The choices as each of `learners` new learners is shown them, in a section quiz of that one question."""
    shown = []
    for _ in range(learners):
        attempt = services.attempt_start(learner=UserFactory(), kind="section", section_ids=[question.section_id],
                                         length=5)
        shown.append([c["id"] for c in attempt.items.get().shown["choices"]])
    return shown


@pytest.mark.django_db
def test_the_right_choice_is_not_always_in_the_same_place():
    question = QuestionFactory(section=SectionFactory(), type="single")
    right = question.choices.get(is_correct=True).pk
    shown = served_choices(question)
    assert all(sorted(ids) == sorted(c.pk for c in question.choices.all()) for ids in shown)
    # Three choices, twelve learners: all twelve in one place would happen once in 177,000 runs.
    assert len({ids.index(right) for ids in shown}) > 1


@pytest.mark.django_db
def test_true_and_false_keep_their_order():
    question = QuestionFactory(section=SectionFactory(), type="truefalse")
    in_order = [c.pk for c in question.choices.all()]
    assert all(ids == in_order for ids in served_choices(question, learners=4))
