"""An answer is recorded exactly once per served question, and nothing else is ever recorded."""

import re
import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from quizapp.catalog.models import Choice, Question
from quizapp.quizzes import services
from quizapp.quizzes.models import Attempt, LearnerSkill, QuestionStats, Response
from quizapp.quizzes.signals import answer_recorded

from tests.factories import QuestionFactory, SectionFactory, UserFactory

from .helpers import answer_data, current_item

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def attempt(learner, starter_bank):
    return services.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)


def answer_url(attempt):
    return reverse("quizzes:answer", args=[attempt.pk])


def served_of_type(learner, type_name):
    """An open attempt whose current question has the given type: a section quiz over the section that
    holds one, answered rightly (so each question is served once) until that question is served."""
    question = Question.objects.filter(type=type_name).first()
    attempt = services.attempt_start(learner=learner, kind="section", section_ids=[question.section_id], length=5)
    for _ in range(attempt.length):
        item = current_item(attempt)
        if item.shown["type"] == type_name:
            return attempt, item
        services.answer_record(learner=learner, attempt_id=attempt.pk, position=item.position,
                               question_id=item.question_id, given=_given(item))
    pytest.fail(f"no {type_name} question served")


def _given(item):
    from quizapp.quizzes.forms import parse_answer
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in answer_data(item).items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return parse_answer(item.shown, query)


def _without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.django_db
def test_second_submit_records_nothing_and_gets_the_same_feedback(client_in, attempt):
    data = answer_data(current_item(attempt))
    first = client_in.post(answer_url(attempt), data, **HX)
    second = client_in.post(answer_url(attempt), data, **HX)
    assert first.status_code == second.status_code == 200
    assert _without_csrf(first) == _without_csrf(second)  # (a form's CSRF token is masked anew each time)
    assert Response.objects.count() == 1
    attempt.refresh_from_db()
    assert attempt.answered == 1 and attempt.items.count() == 2


@pytest.mark.django_db
def test_a_different_answer_replayed_from_a_second_tab_changes_nothing(client_in, attempt):
    item = current_item(attempt)
    client_in.post(answer_url(attempt), answer_data(item, right=True))
    client_in.post(answer_url(attempt), answer_data(item, right=False))
    response = Response.objects.get()
    assert response.correct and LearnerSkill.objects.get().answers == 1


@pytest.mark.django_db
def test_the_signal_is_sent_once_per_recorded_response(client_in, attempt):
    received = []

    def receiver(sender, response, **kwargs):
        received.append(response.pk)

    answer_recorded.connect(receiver)
    try:
        data = answer_data(current_item(attempt))
        client_in.post(answer_url(attempt), data)
        client_in.post(answer_url(attempt), data)
    finally:
        answer_recorded.disconnect(receiver)
    assert received == [Response.objects.get().pk]


@pytest.mark.django_db
def test_someone_elses_attempt_is_a_404_and_records_nothing(client, other_learner, attempt):
    client.force_login(other_learner)
    data = answer_data(current_item(attempt))
    assert client.post(answer_url(attempt), data).status_code == 404
    assert client.get(reverse("quizzes:question", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("quizzes:summary", args=[attempt.pk])).status_code == 404
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_question_not_served_in_this_attempt_is_refused(client_in, attempt):
    item = current_item(attempt)
    other = Question.objects.exclude(pk=item.question_id).first()
    data = {**answer_data(item), "question": str(other.pk)}
    page = client_in.post(answer_url(attempt), data)
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()
    page = client_in.post(answer_url(attempt), {**answer_data(item), "position": "7"})
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()


@pytest.mark.django_db
def test_answering_in_a_finished_attempt_is_refused(client_in, learner, attempt):
    item = current_item(attempt)
    data = answer_data(item)
    services.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)  # leaves this one
    page = client_in.post(answer_url(attempt), data, **HX)
    assert page.status_code == 409 and not Response.objects.filter(attempt=attempt).exists()
    assert b'id="answer-problem"' in page.content and page["HX-Retarget"] == "#answer-problem"


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", [
    {"choice": "999999"},
    {"choice": "abc"},
    {"choice": "1" * 5000},
    {"choice": ""},
])
def test_tampered_choices_are_refused(client_in, learner, starter_bank, tamper):
    attempt, item = served_of_type(learner, "single")
    page = client_in.post(answer_url(attempt), {**answer_data(item), **tamper})
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["position", "question", "choice"])
def test_digits_that_are_not_ascii_are_refused_not_a_server_error(client_in, learner, starter_bank, field):
    attempt, item = served_of_type(learner, "single")
    page = client_in.post(answer_url(attempt), {**answer_data(item), field: "²"})  # str.isdigit() says yes
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()


@pytest.mark.django_db
def test_a_choice_of_another_question_is_refused(client_in, learner, starter_bank):
    attempt, item = served_of_type(learner, "single")
    foreign = Choice.objects.exclude(question_id=item.question_id).first()
    page = client_in.post(answer_url(attempt), {**answer_data(item), "choice": str(foreign.pk)}, **HX)
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()


@pytest.mark.django_db
def test_huge_fill_in_text_is_refused(client_in, learner, starter_bank):
    attempt, item = served_of_type(learner, "fill")
    page = client_in.post(answer_url(attempt), {**answer_data(item), "text": "张" * 10_000})
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()


@pytest.mark.django_db
def test_an_ordering_with_a_position_used_twice_is_refused(client_in, learner, starter_bank):
    attempt, item = served_of_type(learner, "ordering")
    data = answer_data(item)
    keys = [k for k in data if k.startswith("pos_")]
    data[keys[0]] = data[keys[1]]
    page = client_in.post(answer_url(attempt), data)
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()
    assert b'data-testid="question-form"' in page.content  # the learner can fix it and answer


@pytest.mark.django_db
def test_a_matching_with_an_unknown_pair_is_refused(client_in, learner, starter_bank):
    attempt, item = served_of_type(learner, "matching")
    data = answer_data(item)
    key = next(k for k in data if k.startswith("match_"))
    data[key] = "424242"
    assert client_in.post(answer_url(attempt), data).status_code == 400
    assert not Response.objects.filter(item=item).exists()


@pytest.mark.django_db
def test_get_on_the_answer_url_is_not_allowed(client_in, attempt):
    assert client_in.get(answer_url(attempt)).status_code == 405


@pytest.mark.django_db
def test_first_answers_calibrate_difficulty_once_per_learner(client_in, learner, starter_bank):
    attempt = services.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)
    item = current_item(attempt)
    client_in.post(answer_url(attempt), answer_data(item, right=True))
    stats = QuestionStats.objects.get(pk=item.question_id)
    assert stats.first_answers == 1 and stats.first_right == 1
    assert Response.objects.get().first_try


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs real parallel writers: SQLite's in-memory test database serialises them")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_record_one_row_and_one_rollup_update(learner, starter_bank):
    """N browsers submit the same answer at the same moment (meaningful on PostgreSQL, where they really
    run in parallel; SQLite serialises writers)."""
    attempt = services.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)
    data = answer_data(current_item(attempt))
    n = 8
    barrier = threading.Barrier(n, timeout=30)
    statuses, errors = [], []

    def submit():
        try:
            client = Client()
            client.force_login(learner)
            barrier.wait()
            response = client.post(answer_url(attempt), data)
            statuses.append((response.status_code, response.get("Location")))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Every one lands on the one recorded answer's feedback (a full page: redirected to it).
    assert not errors and statuses == [(302, f"{reverse('quizzes:question', args=[attempt.pk])}?answered=1")] * n
    assert Response.objects.count() == 1
    assert LearnerSkill.objects.get(learner=learner).answers == 1
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.answered == 1 and attempt.items.count() == 2
    assert QuestionStats.objects.get().first_answers == 1


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


@pytest.mark.django_db
def test_two_submits_that_both_read_the_question_unanswered_record_once(learner, attempt):
    """The race the answered-count guard closes: two requests (two tabs) both read the served question
    before either recorded, so both pass every check; only the first write lands, and the second gets
    the first one's response back, with nothing more served, counted or learned."""
    from quizapp.quizzes.models import AttemptItem

    item = current_item(attempt)
    read_by_tab = [AttemptItem.objects.select_related("attempt").get(pk=item.pk) for _tab in range(2)]
    first = services.answer_record(learner=learner, attempt_id=attempt.pk, position=item.position,
                                   question_id=item.question_id, given=_given(item), item=read_by_tab[0])
    second = services.answer_record(learner=learner, attempt_id=attempt.pk, position=item.position,
                                    question_id=item.question_id, given=_given(item), item=read_by_tab[1])
    assert first.created and not second.created
    assert second.response.pk == first.response.pk
    attempt.refresh_from_db()
    assert attempt.answered == 1 and attempt.items.count() == 2
    assert Response.objects.count() == 1
    assert LearnerSkill.objects.get(learner=learner, section_id=first.response.section_id).answers == 1


def test_the_attempt_keeps_what_was_served_and_how_each_was_answered(client_in, learner, starter_bank):
    """The answer reads the quiz's served questions from the attempt row instead of its items: that copy is
    what the items and responses say, after every answer, right or wrong."""
    attempt = services.attempt_start(learner=learner, kind=Attempt.Kind.MIXED, section_ids=[], length=6)
    for n in range(4):
        client_in.post(answer_url(attempt), answer_data(current_item(attempt), right=n % 2 == 0))
        attempt.refresh_from_db()
        from_tables = [[item.question_id, item.response.correct if hasattr(item, "response") else None]
                       for item in attempt.items.select_related("response").order_by("position")]
        assert attempt.served == from_tables and len(from_tables) == n + 2


def test_a_quiz_started_before_attempts_kept_their_lists_is_answered_to_the_end(client_in, learner, starter_bank):
    attempt = services.attempt_start(learner=learner, kind=Attempt.Kind.MIXED, section_ids=[], length=5)
    Attempt.objects.filter(pk=attempt.pk).update(served=None, earlier=None)
    for _ in range(5):
        assert client_in.post(answer_url(attempt), answer_data(current_item(attempt))).status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINISHED and attempt.responses.count() == 5
    assert attempt.served is None  # it goes on reading the items; nothing half-kept
