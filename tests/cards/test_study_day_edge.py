"""The 04:00 edge (issue 19, item 7): the interval a rating button shows is the interval it gives. Buttons
shown before the study day rolled over and pressed after it record nothing; the card comes back with the
intervals of the new day. And a new card past the daily limit is refused in words that say so."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from quizapp.cards import scheduling
from quizapp.cards.models import CardState, Review, StudySettings
from quizapp.cards.services import StudyDayRolledOver, card_start, fuzz_seed, review_record
from quizapp.accounts.study_days import study_days_between
from quizapp.cards import queue
from tests.factories import FlashcardFactory, SectionFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_in(client, learner):
    learner.time_zone = "Asia/Shanghai"
    learner.save()
    client.force_login(learner)
    return client


def _reviewed_card(learner, when):
    """A card in review: learnt (Good twice) at `when`."""
    card = card_start(learner=learner, flashcard=FlashcardFactory(section=SectionFactory()))
    review_record(card=card, rating=3, expected_reps=0, now=when)
    review_record(card=card, rating=3, expected_reps=1, now=when + timedelta(minutes=10))
    card.refresh_from_db()
    return card


def _preview(card, learner, now):
    settings = queue.settings_for(learner)
    return scheduling.preview(card.memory(), now, settings.as_scheduling(), seed=fuzz_seed(card),
                              elapsed_days=study_days_between(learner, card.last_review, now))


def test_buttons_shown_before_0400_and_pressed_after_record_nothing(learner):
    learner.time_zone = "Asia/Shanghai"
    learner.save()
    shown = datetime(2026, 3, 10, 3, 59, 50, tzinfo=SHANGHAI)
    pressed = shown + timedelta(seconds=20)  # 04:00:10, the next study day
    card = _reviewed_card(learner, shown - timedelta(days=12, hours=6))
    card.due = shown - timedelta(hours=1)  # due today, whichever day "today" is
    card.save()
    before_rollover, after_rollover = _preview(card, learner, shown), _preview(card, learner, pressed)
    assert before_rollover[3] != after_rollover[3]  # the day changed what Good gives
    with pytest.raises(StudyDayRolledOver):
        review_record(card=card, rating=3, expected_reps=card.reps, now=pressed, intervals_at=shown)
    assert Review.objects.filter(card=card).count() == 2
    # Shown afresh after 04:00, the button gives what it says.
    review = review_record(card=card, rating=3, expected_reps=card.reps, now=pressed + timedelta(seconds=5),
                           intervals_at=pressed)
    assert review.card.due - review.reviewed_at == _preview(card, learner, pressed + timedelta(seconds=5))[3]


def test_buttons_shown_and_pressed_in_the_same_study_day_are_recorded(learner):
    learner.time_zone = "Asia/Shanghai"
    learner.save()
    shown = datetime(2026, 3, 10, 4, 0, 5, tzinfo=SHANGHAI)
    card = _reviewed_card(learner, shown - timedelta(days=5))
    card.due = shown
    card.save()
    review = review_record(card=card, rating=3, expected_reps=card.reps, now=shown + timedelta(seconds=30),
                           intervals_at=shown)
    assert review.pk is not None


def test_the_rate_view_answers_409_and_shows_the_card_again_with_fresh_buttons(client_in, learner):
    card = _reviewed_card(learner, timezone.now() - timedelta(days=20))
    card.due = timezone.now() - timedelta(hours=1)
    card.save()
    yesterday = timezone.now() - timedelta(days=1)  # buttons computed in the previous study day
    data = {"rating": 3, "reps": card.reps, "shown_at": int(yesterday.timestamp() * 1000),
            "intervals_at": int(yesterday.timestamp() * 1000)}
    response = client_in.post(reverse("cards:rate", args=[card.pk]), data, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "04:00" in html and "没有记录" in html  # said in the learner's language
    assert response.context_data["card"].pk == card.pk and response.context_data["revealed"]
    assert [a["rating"] for a in response.context_data["answers"]] == [1, 2, 3, 4]
    assert Review.objects.filter(card=card).count() == 2
    fresh = response.context_data["intervals_at"]
    shown = {a["rating"]: a["interval"] for a in response.context_data["answers"]}
    response = client_in.post(reverse("cards:rate", args=[card.pk]), {**data, "intervals_at": fresh})
    assert response.status_code == 302
    card.refresh_from_db()
    review = Review.objects.filter(card=card).latest("reviewed_at")
    assert abs(card.due - review.reviewed_at - shown[3]) < timedelta(seconds=2)


def test_the_rating_form_carries_when_its_intervals_were_computed(client_in, learner):
    card = _reviewed_card(learner, timezone.now() - timedelta(days=20))
    card.due = timezone.now() - timedelta(hours=1)
    card.save()
    html = client_in.get(reverse("cards:reveal", args=[card.pk])).content.decode()
    assert 'name="intervals_at" value="' in html


def test_a_new_card_past_the_daily_limit_is_refused_in_words(client_in, learner):
    StudySettings.objects.create(learner=learner, new_per_day=1)
    section = SectionFactory()
    first, second = (card_start(learner=learner, flashcard=FlashcardFactory(section=section)) for _ in range(2))
    review_record(card=first, rating=3, expected_reps=0)
    response = client_in.post(reverse("cards:rate", args=[second.pk]), {"rating": 3, "reps": 0}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "新卡片" in html and "1" in html and "尚未到期" not in html
    assert not Review.objects.filter(card=second).exists()
    assert CardState.objects.get(pk=second.pk).reps == 0
