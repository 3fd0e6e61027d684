"""Item statistics with partial credit: the facility index is the mean first-answer score, as Moodle's is
and as the discrimination index already reads the scores."""

import pytest
from django.urls import reverse

from quizapp.catalog.models import Question
from quizapp.classes.items import flagged_questions, item_analysis
from quizapp.classes.models import Membership
from quizapp.progress.models import ItemStats
from quizapp.quizzes import services as quizzes
from tests.factories import ClassroomFactory, QuestionFactory, SectionFactory, UserFactory


def answer(learner, question, given):
    """`learner`'s first answer to `question` (alone in its section), through the quiz service."""
    attempt = quizzes.attempt_start(
        learner=learner, kind="section", section_ids=[question.section_id], length=5)
    quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=1, question_id=question.pk,
                          given=given)


@pytest.fixture
def matching(db):
    """A three-pair matching question that six learners answer with one pair of three right (score 1/3)."""
    question = QuestionFactory(section=SectionFactory(), key="match", type="matching")
    a, b, c = (p.pk for p in question.match_pairs.all())
    learners = [UserFactory(username=f"m{i}") for i in range(6)]
    for learner in learners:
        answer(learner, question, {a: a, b: c, c: b})
    return question, learners


def test_facility_is_the_mean_first_answer_score(matching):
    question, _learners = matching
    [row] = item_analysis()
    assert row.facility == pytest.approx(1 / 3)
    # 1/3 is what guessing earns on three pairs, not "nobody got anything": no "too hard" flag.
    assert row.flags == [] and flagged_questions() == set()
    stats = ItemStats.objects.get(question=question, version=question.version)
    assert (stats.first_right, stats.facility) == (0, pytest.approx(1 / 3))


@pytest.mark.django_db
def test_facility_and_discrimination_read_the_same_scores():
    """Two learners with partial credit on an ordering question and full or no marks elsewhere: the
    facility is the mean of the very scores the discrimination correlates."""
    section = SectionFactory()
    ordering = QuestionFactory(section=section, key="order", type="ordering")
    single = QuestionFactory(section=section, key="single")
    items = [i.pk for i in ordering.order_items.all()]
    right = single.choices.get(is_correct=True).pk
    wrong = single.choices.filter(is_correct=False).first().pk
    for name, order, choice in (("s1", items[:2] + items[:1:-1], right), ("s2", items[::-1], wrong),
                                ("s3", items, right)):
        learner = UserFactory(username=name)
        attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[section.pk], length=5)
        for position in (1, 2):
            item = attempt.items.get(position=position)
            given = order if item.question_id == ordering.pk else choice
            quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=position,
                                  question_id=item.question_id, given=given)
    rows = {r.question.key: r for r in item_analysis()}
    # Ordering scores: s1 0.5 (two of four in place), s2 0 (reversed: none in place), s3 1.
    assert rows["order"].facility == pytest.approx(0.5)
    assert rows["order"].discrimination == pytest.approx(0.8660254, rel=1e-6)  # corr((.5, 0, 1), (1, 0, 1))


def test_the_class_statistics_page_and_csv_show_partial_credit(client, teacher, matching):
    _question, learners = matching
    classroom = ClassroomFactory(teacher=teacher)
    for learner in learners:
        Membership.objects.create(classroom=classroom, learner=learner)
    client.force_login(teacher)
    html = client.get(reverse("classes:items", args=[classroom.pk])).content.decode()
    assert "<td>0.33</td>" in html
    csv_text = client.get(reverse("classes:items_csv", args=[classroom.pk])).content.decode("utf-8-sig")
    assert ",0.333," in csv_text


def test_item_rows_give_the_prompt_as_the_plain_text_learners_read(matching):
    question, _learners = matching
    Question.objects.filter(pk=question.pk).update(prompt="把 **方法** 和特点配对<script>x()</script>。")
    [row] = item_analysis()
    assert row.prompt_text == "把 方法 和特点配对。"
