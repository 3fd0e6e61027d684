"""A teacher reviews a learner's quizzes: the list on the class learner page and the read-only review."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from quizapp.accounts.roles import teacher_role_grant
from quizapp.catalog.rendering import render_markdown
from quizapp.classes.models import Membership
from quizapp.quizzes.models import Attempt, Response
from tests.factories import ClassroomFactory, UserFactory
from tests.progress.helpers import answer_next, moment, practise

START = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


@pytest.fixture
def classroom(teacher, learner):
    classroom = ClassroomFactory(teacher=teacher, name="周五 AI 班")
    Membership.objects.create(classroom=classroom, learner=learner)
    return classroom


def list_url(classroom, learner):
    return reverse("classes:learner", args=[classroom.pk, learner.pk])


def review_url(classroom, learner, attempt):
    return reverse("classes:learner_attempt", args=[classroom.pk, learner.pk, attempt.pk])


def rows(html):
    """(attempt id, status, right, answered) for each row of the "Recent quizzes" list, in page order."""
    found = re.findall(r'data-attempt="(\d+)" data-status="(\w+)">.*?data-right="(\d+)" data-answered="(\d+)"',
                       html, flags=re.S)
    return [(int(pk), status, int(right), int(answered)) for pk, status, right, answered in found]


def finished_quizzes(learner, count):
    """`count` finished quizzes without answers, an hour apart, oldest first."""
    attempts = [Attempt.objects.create(learner=learner, kind="mixed", seed=n, length=5, status="finished")
                for n in range(count)]
    for n, attempt in enumerate(attempts):
        Attempt.objects.filter(pk=attempt.pk).update(created_at=START + timedelta(hours=n))
    return attempts


# --- the list on the class learner page --------------------------------------------------------------

def test_learner_page_lists_the_quizzes_newest_first_with_scores_and_review_links(
        client, teacher, learner, classroom, starter_bank):
    practise(learner, "lora", [True, False], at=START)  # the section's two questions: the quiz is finished
    older = Attempt.objects.get()
    with moment(START + timedelta(days=1)):
        for right in (False, True, True):  # a mixed quiz, still open
            answer_next(learner, right=right)
    newer = Attempt.objects.exclude(pk=older.pk).get()
    client.force_login(teacher)
    html = client.get(list_url(classroom, learner)).content.decode()
    assert rows(html) == [(newer.pk, "open", 2, 3), (older.pk, "finished", 1, 2)]
    assert f'href="{review_url(classroom, learner, newer)}"' in html
    assert f'href="{review_url(classroom, learner, older)}"' in html


def test_learner_page_shows_when_a_quiz_started_in_the_teachers_time_zone(client, teacher, learner, classroom):
    teacher.time_zone = "America/New_York"
    teacher.save(update_fields=["time_zone"])
    attempt, = finished_quizzes(learner, 1)
    client.force_login(teacher)
    html = client.get(list_url(classroom, learner)).content.decode()
    with translation.override("zh-hans"):
        local = date_format(START.astimezone(ZoneInfo("America/New_York")), "SHORT_DATETIME_FORMAT")
    assert f">{local}</time>" in html
    assert (attempt.pk, "finished", 0, 0) in rows(html)


def test_learner_page_lists_at_most_20_quizzes_in_constant_queries(
        client, teacher, learner, classroom, django_assert_max_num_queries):
    finished_quizzes(learner, 1)
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as one_quiz:
        client.get(list_url(classroom, learner))
    attempts = finished_quizzes(learner, 24)
    with django_assert_max_num_queries(len(one_quiz)):
        html = client.get(list_url(classroom, learner)).content.decode()
    assert [pk for pk, *_ in rows(html)] == [a.pk for a in reversed(attempts)][:20]


def test_learner_page_says_which_quiz_was_left(client, teacher, learner, classroom):
    attempt, = finished_quizzes(learner, 1)
    Attempt.objects.filter(pk=attempt.pk).update(status="abandoned")
    client.force_login(teacher)
    assert rows(client.get(list_url(classroom, learner)).content.decode())[0][:2] == (attempt.pk, "abandoned")


# --- the review ------------------------------------------------------------------------------------------

def test_review_shows_every_answer_in_order_with_the_right_answer_and_explanation(
        client, teacher, learner, classroom, starter_bank):
    for right in (True, False, True):
        answer_next(learner, right=right)
    attempt = Attempt.objects.get()
    responses = list(Response.objects.filter(attempt=attempt).order_by("item__position"))
    client.force_login(teacher)
    response = client.get(review_url(classroom, learner, attempt))
    assert response.status_code == 200
    html = response.content.decode()
    answers = re.findall(r'data-testid="reviewed-answer" data-position="(\d+)" data-correct="(\w+)"', html)
    assert answers == [("1", "true"), ("2", "false"), ("3", "true")]
    assert html.count('data-testid="your-answer"') == 3
    assert html.count('data-testid="right-answer"') == 1  # only the wrong answer needs it
    for r in responses:
        assert str(render_markdown(r.asked["prompt"])) in html
    assert html.count('data-testid="explanation"') == sum(1 for r in responses if r.asked.get("explanation"))
    assert 'data-right="2" data-answered="3"' in html
    assert "<form" not in html.split("<main", 1)[-1]  # read-only: nothing to submit
    assert "你的答案" not in html and html.count(f"“{learner.username}”的答案") == 3  # the learner's, not "yours"


def test_review_is_read_only(client, teacher, learner, classroom, starter_bank):
    answer_next(learner, right=True)
    attempt = Attempt.objects.get()
    client.force_login(teacher)
    assert client.post(review_url(classroom, learner, attempt)).status_code == 405
    assert Response.objects.count() == 1


def test_review_queries_do_not_grow_with_the_answers(
        client, teacher, learner, classroom, starter_bank, django_assert_max_num_queries):
    answer_next(learner, right=True)
    attempt = Attempt.objects.get()
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as one_answer:
        client.get(review_url(classroom, learner, attempt))
    while attempt.is_open:  # every question of the bank, and the missed ones again
        answer_next(learner, right=attempt.answered % 2 == 0)
        attempt.refresh_from_db()
    assert attempt.answered > 5
    with django_assert_max_num_queries(len(one_answer)):
        html = client.get(review_url(classroom, learner, attempt)).content.decode()
    assert html.count('data-testid="reviewed-answer"') == attempt.answered


def test_review_is_a_404_for_another_teacher_another_learner_or_a_learner_not_in_the_class(
        client, teacher, learner, other_learner, classroom, starter_bank):
    answer_next(learner, right=True)
    answer_next(other_learner, right=True)
    mine, theirs = Attempt.objects.get(learner=learner), Attempt.objects.get(learner=other_learner)
    Membership.objects.create(classroom=classroom, learner=other_learner)
    client.force_login(teacher)
    assert client.get(review_url(classroom, learner, mine)).status_code == 200
    # another learner's quiz under this learner's id, though both are in the class
    assert client.get(reverse("classes:learner_attempt", args=[classroom.pk, learner.pk, theirs.pk])).status_code == 404
    # a learner who left the class
    Membership.objects.filter(classroom=classroom, learner=other_learner).delete()
    assert client.get(review_url(classroom, other_learner, theirs)).status_code == 404
    # the teacher of another class, even one the learner is in
    stranger = UserFactory(username="teacher-li")
    teacher_role_grant(stranger)
    elsewhere = ClassroomFactory(teacher=stranger)
    Membership.objects.create(classroom=elsewhere, learner=learner)
    client.force_login(stranger)
    assert client.get(review_url(classroom, learner, mine)).status_code == 404


def test_the_review_shows_each_types_own_feedback_partly_right_numbers_too(client, teacher, learner, classroom):
    """The review renders the type's feedback partial with everything the type gives it: a numerical answer
    in a partial interval lists the partly right answers with their credit, as the learner saw them."""
    from quizapp.catalog import question_types
    from quizapp.catalog.models import NumericalAnswer, Question
    from quizapp.quizzes import services as quizzes
    from tests.factories import SectionFactory

    question = Question.objects.create(key="num-review", section=SectionFactory(), type="numerical",
                                       prompt="π 约等于多少?", difficulty=2)
    for i, (value, tolerance, credit) in enumerate([(3.14, 0.01, 1.0), (3.0, 0.5, 0.5)]):
        NumericalAnswer.objects.create(question=question, value=value, tolerance=tolerance, credit=credit, order=i)
    attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[question.section_id], length=5)
    quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=1, question_id=question.pk,
                          given=question_types.get("numerical").parse_answer({}, {"number": "2.90"}))
    client.force_login(teacher)
    with translation.override("en"):
        html = client.get(review_url(classroom, learner, attempt), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="partly-right"' in html and "3 ± 0.5 (50%)" in html
    assert 'data-testid="right-answer"' in html and "3.14 ± 0.01" in html
    assert ">2.9<" in html  # the learner's number, written plainly
