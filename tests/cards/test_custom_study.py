"""Custom study as in Anki (issue 19, item 6): more new cards today, review ahead, a section's every card
now. None of it bends the next study day's limits."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizapp.accounts.study_days import study_day, study_days_between
from quizapp.cards import queue, scheduling
from quizapp.cards.models import CardState, Phase, Review, StudySettings
from quizapp.cards.services import ReviewRefused, card_start, fuzz_seed, new_cards_extend, review_record
from tests.factories import FlashcardFactory, SectionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def section(db):
    return SectionFactory()


def _new_cards(section, n):
    return FlashcardFactory.create_batch(n, section=section)


def _learn(learner, flashcard, when):
    card = card_start(learner=learner, flashcard=flashcard)
    review_record(card=card, rating=3, expected_reps=0, now=when)
    review_record(card=card, rating=3, expected_reps=1, now=when + timedelta(minutes=10))
    card.refresh_from_db()
    return card


def _study_new(learner, n, scope=None):
    """Answer the next `n` new cards Good, as the study screen would offer them."""
    scope = scope or queue.Scope()
    for _ in range(n):
        card = queue.next_card(learner, scope)
        assert card is not None and card.state == Phase.NEW
        review_record(card=card, rating=3, expected_reps=0, scope=scope)


def test_extra_new_cards_today_raise_todays_limit_and_not_tomorrows(client_in, learner, section):
    StudySettings.objects.create(learner=learner, new_per_day=2)
    _new_cards(section, 10)
    _study_new(learner, 2)
    assert queue.counts_today(learner, queue.Scope()).new == 0
    response = client_in.post(reverse("cards:custom"), {"extra": 3})
    assert response.status_code == 302 and response["Location"] == reverse("cards:review")
    learner.refresh_from_db()  # its settings, as the next request reads them
    assert queue.counts_today(learner, queue.Scope()).new == 3
    _study_new(learner, 3)
    assert queue.counts_today(learner, queue.Scope()).new == 0
    tomorrow = study_day(learner).end + timedelta(hours=1)
    assert queue.counts_today(learner, queue.Scope(), tomorrow).new == 2  # the daily setting, whole
    assert queue.forecast_tomorrow(learner, queue.Scope()).new == 2


def test_sending_the_extra_new_cards_form_twice_gives_the_same_limit(client_in, learner, section):
    _new_cards(section, 40)
    for _ in range(2):
        client_in.post(reverse("cards:custom"), {"extra": 5})
    learner.refresh_from_db()
    assert queue.settings_for(learner).new_limit(study_day(learner).date) == 25


def test_extra_new_cards_are_bounded(client_in, learner):
    response = client_in.post(reverse("cards:custom"), {"extra": 5000})
    assert response.status_code == 400
    assert not StudySettings.objects.filter(learner=learner, extra_new__gt=0).exists()
    with pytest.raises(ReviewRefused):
        new_cards_extend(learner=learner, extra=-1)


def test_review_ahead_offers_cards_due_within_the_days_and_schedules_with_the_real_elapsed_time(
        client_in, learner, section):
    now = timezone.now()
    soon = _learn(learner, FlashcardFactory(section=section), now - timedelta(days=4))
    later = _learn(learner, FlashcardFactory(section=section), now - timedelta(days=4))
    day = study_day(learner, now)
    CardState.objects.filter(pk=soon.pk).update(due=day.end + timedelta(days=2))
    CardState.objects.filter(pk=later.pk).update(due=day.end + timedelta(days=20))
    soon.refresh_from_db()
    assert queue.counts_today(learner, queue.Scope()).due == 0  # nothing due in the daily queue

    response = client_in.get(reverse("cards:review"), {"ahead": 3})
    assert response.context_data["card"].pk == soon.pk
    assert response.context_data["counts"].due == 1
    assert "提前复习" in response.content.decode()
    reveal = client_in.get(reverse("cards:reveal", args=[soon.pk]), {"ahead": 3})
    shown = {a["rating"]: a["interval"] for a in reveal.context_data["answers"]}
    data = {"rating": 3, "reps": soon.reps, "ahead": 3, "intervals_at": reveal.context_data["intervals_at"]}
    assert client_in.post(reverse("cards:rate", args=[soon.pk]), data).status_code == 302
    review = Review.objects.filter(card=soon).latest("reviewed_at")
    # FSRS saw the days since the last review (4 study days), not the scheduled interval.
    expected = scheduling.review(soon.memory(), 3, review.reviewed_at, queue.settings_for(learner).as_scheduling(),
                                 seed=fuzz_seed(soon),
                                 elapsed_days=study_days_between(learner, soon.last_review, review.reviewed_at))
    soon.refresh_from_db()
    assert soon.due == expected.due and soon.stability == pytest.approx(expected.stability)
    assert abs(soon.due - review.reviewed_at - shown[3]) < timedelta(seconds=2)
    # Answered once, it does not come round again in the same session; the far card is not offered.
    response = client_in.get(reverse("cards:review"), {"ahead": 3})
    assert response.context_data["card"] is None


def test_a_card_not_due_within_the_days_ahead_is_refused(client_in, learner, section):
    card = _learn(learner, FlashcardFactory(section=section), timezone.now() - timedelta(days=1))
    CardState.objects.filter(pk=card.pk).update(due=study_day(learner).end + timedelta(days=10))
    response = client_in.post(reverse("cards:rate", args=[card.pk]), {"rating": 3, "reps": card.reps, "ahead": 3})
    assert response.status_code == 409
    assert Review.objects.filter(card=card).count() == 2


def test_a_sections_every_card_now_takes_new_cards_past_the_limit_and_cards_not_due(client_in, learner):
    StudySettings.objects.create(learner=learner, new_per_day=1)
    section, other = SectionFactory(), SectionFactory()
    _new_cards(section, 3)
    _new_cards(other, 2)
    learnt = _learn(learner, FlashcardFactory(section=section), timezone.now() - timedelta(days=1))
    CardState.objects.filter(pk=learnt.pk).update(due=study_day(learner).end + timedelta(days=30))
    scope = queue.scope_for(section, every_card=True)
    counts = queue.counts_today(learner, scope)
    assert (counts.new, counts.due) == (3, 1)

    response = client_in.get(reverse("cards:review"), {"section": section.key, "every": 1})
    assert response.status_code == 200 and "这一节的所有卡片" in response.content.decode()
    seen = set()
    for _ in range(4):
        response = client_in.get(reverse("cards:review"), {"section": section.key, "every": 1})
        card = response.context_data["card"]
        assert card is not None and card.flashcard.section_id == section.pk
        seen.add(card.pk)
        data = {"rating": 4, "reps": card.reps, "section": section.key, "every": 1}
        assert client_in.post(reverse("cards:rate", args=[card.pk]), data).status_code == 302
    assert len(seen) == 4
    assert client_in.get(reverse("cards:review"), {"section": section.key, "every": 1}).context_data["card"] is None
    # Today's daily queue has no new card left (3 studied, limit 1); tomorrow's limit is whole again.
    assert queue.counts_today(learner, queue.Scope()).new == 0
    tomorrow = study_day(learner).end + timedelta(hours=1)
    assert queue.counts_today(learner, queue.Scope(), tomorrow).new == 1


def test_every_card_needs_a_section(client_in, learner, section):
    _new_cards(section, 3)
    StudySettings.objects.create(learner=learner, new_per_day=1)
    response = client_in.get(reverse("cards:review"), {"every": 1})
    assert response.context_data["counts"].new == 1  # the daily queue, limits and all


def test_custom_study_page_offers_the_three_ways(client_in, learner, section, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client_in.get(reverse("cards:custom"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="custom-new"' in html and 'data-testid="custom-ahead"' in html
    assert f'value="{section.key}"' in html
    assert reverse("cards:custom") in client_in.get(reverse("cards:decks")).content.decode()
