"""NUL and other C0 control characters are invalid input wherever text comes in: a 400 with the usual
"bad request" message, and nothing recorded (on PostgreSQL a NUL used to reach the database: a 500)."""

import pytest
from django.urls import reverse

from quizapp.accounts.models import User
from quizapp.cards.models import Review
from quizapp.classes.models import Membership
from quizapp.control_characters import control_character_in
from quizapp.quizzes.models import Response
from tests.factories import ClassroomFactory
from tests.quizzes.helpers import answer_data
from tests.quizzes.test_services import served_of_type

HX = {"HTTP_HX_REQUEST": "true"}
BAD_REQUEST = "无法理解该请求"


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "\x01", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x1f"])
def test_nul_and_other_c0_controls_are_refused(text):
    assert control_character_in(text)


@pytest.mark.parametrize("text", ["", "张量并行", "tab\there", "two\nlines", "windows\r\n", "\x7f", "\u2028"])
def test_tab_newline_and_carriage_return_are_text(text):
    assert control_character_in(text) is None


@pytest.mark.parametrize("headers", [{}, HX], ids=["full-page", "htmx"])
@pytest.mark.parametrize("typed", ["张量\x00并行", "\x1b"])
def test_a_fill_in_answer_with_a_control_character_is_refused_and_records_nothing(
        client, learner, starter_bank, headers, typed):
    attempt, item = served_of_type(learner, "fill")
    attempt.refresh_from_db()
    answered = attempt.answered
    client.force_login(learner)
    page = client.post(reverse("quizzes:answer", args=[attempt.pk]), {**answer_data(item), "text": typed},
                       **headers)
    assert page.status_code == 400 and BAD_REQUEST in page.content.decode()
    assert ("<html" in page.content.decode()) is not bool(headers)  # htmx gets the message alone
    assert not Response.objects.filter(item=item).exists()
    attempt.refresh_from_db()
    assert attempt.answered == answered


def test_a_fill_in_answer_may_hold_a_tab(client, learner, starter_bank):
    attempt, item = served_of_type(learner, "fill")
    client.force_login(learner)
    page = client.post(reverse("quizzes:answer", args=[attempt.pk]), {**answer_data(item), "text": "张量\t并行"})
    assert page.status_code == 302 and Response.objects.filter(item=item).count() == 1


@pytest.mark.parametrize("url", ["/quiz/?section=%00", "/quiz/?sections=lora&sections=a%00", "/cards/review/?section=%00",
                                 "/cards/export.apkg?section=lora%00", "/classes/join/?code=%00abc",
                                 "/classes/join/?code%00=x", "/progress/?x=%1b"])
def test_a_control_character_in_the_query_is_a_bad_request(client, learner, starter_bank, url):
    client.force_login(learner)
    page = client.get(url)
    assert page.status_code == 400 and BAD_REQUEST in page.content.decode()


def test_joining_with_a_nul_in_the_code_joins_nothing(client, learner):
    classroom = ClassroomFactory()
    client.force_login(learner)
    page = client.post(reverse("classes:join"), {"code": classroom.join_code + "\x00"})
    assert page.status_code == 400 and not Membership.objects.exists()


def test_rating_a_card_with_a_control_character_rates_nothing(client, learner, starter_bank):
    client.force_login(learner)
    client.get(reverse("cards:review"))
    from quizapp.cards.models import CardState

    card = CardState.objects.filter(learner=learner).first()
    if card is None:
        pytest.skip("no card was shown")
    page = client.post(reverse("cards:rate", args=[card.pk]), {"rating": "3", "section": "\x00"})
    assert page.status_code == 400 and not Review.objects.exists()


def test_signing_up_with_a_nul_creates_no_account(client, db):
    page = client.post(reverse("signup"), {"username": "lin\x00", "password1": "x-Very-long-pw-1",
                                           "password2": "x-Very-long-pw-1"})
    assert page.status_code == 400 and not User.objects.filter(username__startswith="lin").exists()


def test_the_admin_refuses_a_control_character_too(client, teacher, starter_bank):
    client.force_login(teacher)
    page = client.get(reverse("admin:catalog_question_changelist") + "?q=%00")
    assert page.status_code == 400
