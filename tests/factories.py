"""factory-boy factories. Each app's factories live under its own heading."""

import factory
from django.contrib.auth.hashers import make_password

from quizapp.accounts.models import User
from quizapp.catalog.question_types.choice import SINGLE
from quizapp.catalog.models import (AcceptedAnswer, Choice, Flashcard, MatchPair, OrderItem, Question,
                                    Section)

PASSWORD = "correct-horse-battery-staple"
_HASHED = make_password(PASSWORD)


# --- accounts --------------------------------------------------------------------------------------

class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"learner{n}")
    password = _HASHED  # hashing once keeps the suite fast; log in with factories.PASSWORD


# --- catalog ---------------------------------------------------------------------------------------

class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    key = factory.Sequence(lambda n: f"section-{n}")
    title = factory.Sequence(lambda n: f"第 {n} 节")
    order = factory.Sequence(lambda n: n)
    notes = "- 要点一\n- 要点二"


class QuestionFactory(factory.django.DjangoModelFactory):
    """A single-choice question with three choices, the first one right."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"q-{n}")
    section = factory.SubFactory(SectionFactory)
    type = SINGLE
    prompt = factory.Sequence(lambda n: f"问题 {n}?")
    explanation = "因为如此。"
    difficulty = 3

    @factory.post_generation
    def answers(question, create, extracted, **kwargs):
        if not create:
            return
        type_name = question.type
        if type_name in ("single", "truefalse", "multiple"):
            texts = {"single": ["对的", "错的一", "错的二"], "truefalse": ["true", "false"],
                     "multiple": ["对一", "对二", "错"]}[type_name]
            right = {"single": 1, "truefalse": 1, "multiple": 2}[type_name]
            for i, text in enumerate(texts):
                Choice.objects.create(question=question, text=text, is_correct=i < right, order=i)
        elif type_name == "fill":
            for text in extracted or ["张量并行", "TP"]:
                AcceptedAnswer.objects.create(question=question, text=text)
        elif type_name == "ordering":
            for i, text in enumerate(["一", "二", "三", "四"]):
                OrderItem.objects.create(question=question, text=text, position=i)
        elif type_name == "matching":
            for i, (left, right) in enumerate([("甲", "A"), ("乙", "B"), ("丙", "C")]):
                MatchPair.objects.create(question=question, left=left, right=right, order=i)


class FlashcardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flashcard

    key = factory.Sequence(lambda n: f"card-{n}")
    section = factory.SubFactory(SectionFactory)
    front = factory.Sequence(lambda n: f"正面 {n}")
    back = factory.Sequence(lambda n: f"背面 {n}")


# --- classes ---------------------------------------------------------------------------------------

class ClassroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "classes.Classroom"

    name = factory.Sequence(lambda n: f"三年{n}班")
    teacher = factory.SubFactory(UserFactory)
