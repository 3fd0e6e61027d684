"""Scheduling through the services, on the real database."""

import threading
import weakref
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from quizapp.cards import queue, signals
from quizapp.cards.receivers import introduce_cards_after_miss
from quizapp.cards.models import CardState, Phase, Review, StudySettings
from quizapp.cards.services import (ReviewRefused, StaleReview, card_bury, card_start, card_suspend,
                                    card_unsuspend, review_record, review_undo)
from quizapp.quizzes.signals import answer_recorded
from tests.factories import FlashcardFactory, SectionFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai on 1 March 2025.
T0 = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI).astimezone(timezone.utc)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deck(db):
    section = SectionFactory(key="history", title="发展历程")
    return [FlashcardFactory(section=section, key=f"history-c{i}") for i in range(3)]


def answer(card, rating, now):
    if card.pk is not None:  # a card never shown before comes from the queue unsaved
        card.refresh_from_db()
    return review_record(card=card, rating=rating, expected_reps=card.reps, duration_ms=1200, now=now)


def graduate(learner, flashcard, now):
    """New -> learning -> review with two Goods; returns the card."""
    card = card_start(learner=learner, flashcard=flashcard)
    answer(card, 3, now)
    card.refresh_from_db()
    answer(card, 3, card.due)
    card.refresh_from_db()
    return card


def test_a_new_card_moves_through_learning_into_review_and_relearning(learner, deck):
    card = card_start(learner=learner, flashcard=deck[0])
    assert card.state == Phase.NEW
    answer(card, 3, T0)
    card.refresh_from_db()
    assert (card.state, card.step, card.due) == (Phase.LEARNING, 1, T0 + timedelta(minutes=10))
    answer(card, 3, card.due)
    card.refresh_from_db()
    assert card.state == Phase.REVIEW and card.due - card.last_review >= timedelta(days=1)
    answer(card, 1, card.due)
    card.refresh_from_db()
    assert (card.state, card.lapses, card.reps) == (Phase.RELEARNING, 1, 3)
    reviews = list(Review.objects.filter(card=card).order_by("reviewed_at"))
    assert [r.state_before for r in reviews] == [Phase.NEW, Phase.LEARNING, Phase.REVIEW]
    assert reviews[0].duration_ms == 1200 and reviews[0].after["state"] == Phase.LEARNING


def test_new_cards_stop_at_the_daily_limit_and_come_back_after_the_rollover(learner, deck):
    StudySettings.objects.create(learner=learner, new_per_day=2)
    scope = queue.Scope()
    for _ in range(2):
        card = queue.next_card(learner, scope, T0)
        assert card.state == Phase.NEW
        answer(card, 4, T0)  # Easy graduates at once
    assert queue.counts_today(learner, scope, T0).new == 0
    assert queue.next_card(learner, scope, T0) is None
    third = card_start(learner=learner, flashcard=deck[2])
    with pytest.raises(ReviewRefused):
        answer(third, 3, T0)
    # 04:00 the next morning in Shanghai, the learner may learn new cards again.
    tomorrow = datetime(2025, 3, 2, 4, 0, tzinfo=SHANGHAI)
    assert queue.counts_today(learner, scope, tomorrow).new == 1


def test_the_queue_offers_a_new_card_without_saving_it_and_grading_it_saves_it(learner, deck):
    card = queue.next_card(learner, queue.Scope(), T0)
    assert card.flashcard == deck[0] and card.pk is None
    assert not CardState.objects.filter(learner=learner).exists()
    answer(card, 3, T0)
    saved = CardState.objects.get(learner=learner)
    assert (saved.flashcard, saved.reps) == (deck[0], 1)


def test_reviews_stop_at_the_daily_maximum(learner, deck):
    StudySettings.objects.create(learner=learner, max_reviews_per_day=1)
    cards = [graduate(learner, f, T0) for f in deck[:2]]
    later = max(c.due for c in cards) + timedelta(days=1)
    assert queue.counts_today(learner, queue.Scope(), later).due == 1
    answer(queue.next_card(learner, queue.Scope(), later), 3, later)
    assert queue.counts_today(learner, queue.Scope(), later).due == 0


def test_a_review_due_late_tonight_counts_as_due_today(learner, deck):
    card = graduate(learner, deck[0], T0)
    # At 05:00 local on the due day, a card due at 23:00 local that day is already due.
    due_local = card.due.astimezone(SHANGHAI)
    morning = due_local.replace(hour=5, minute=0)
    if due_local.hour < 4:
        morning -= timedelta(days=1)
    assert queue.counts_today(learner, queue.Scope(), morning).due == 1
    assert queue.counts_today(learner, queue.Scope(), morning - timedelta(days=1)).due == 0


def test_undo_restores_the_exact_previous_state_and_deletes_the_review(learner, deck):
    card = graduate(learner, deck[0], T0)
    fields = CardState.SNAPSHOT_FIELDS
    before = {f: getattr(card, f) for f in fields}
    seen = []
    signals.review_undone.connect(
        lambda review, **kw: seen.append(Review.objects.filter(pk=review.pk).exists()),
        weak=False, dispatch_uid="test-undo",
    )
    try:
        review = answer(card, 1, card.due)
        restored = review_undo(learner=learner, review_id=review.pk)
    finally:
        signals.review_undone.disconnect(dispatch_uid="test-undo")
    restored.refresh_from_db()
    assert {f: getattr(restored, f) for f in fields} == before
    assert not Review.objects.filter(pk=review.pk).exists()
    assert seen == [True]  # the signal came before the row was deleted


def test_undo_twice_undoes_once(learner, deck):
    card = graduate(learner, deck[0], T0)
    review = answer(card, 3, card.due)
    review_undo(learner=learner, review_id=review.pk)
    with pytest.raises(ReviewRefused):
        review_undo(learner=learner, review_id=review.pk)
    assert Review.objects.filter(learner=learner).count() == 2


def test_only_the_latest_review_can_be_undone(learner, deck):
    card = card_start(learner=learner, flashcard=deck[0])
    first = answer(card, 3, T0)
    answer(card, 3, T0 + timedelta(minutes=10))
    with pytest.raises(ReviewRefused):
        review_undo(learner=learner, review_id=first.pk)


def test_undo_of_a_new_card_puts_it_back_among_the_new(learner, deck):
    card = card_start(learner=learner, flashcard=deck[0])
    review = answer(card, 3, T0)
    assert queue.counts_today(learner, queue.Scope(), T0).new == 2
    review_undo(learner=learner, review_id=review.pk)
    assert queue.counts_today(learner, queue.Scope(), T0).new == 3


def test_the_eighth_lapse_tags_the_card_a_leech_and_suspends_it(learner, deck):
    card = graduate(learner, deck[0], T0)
    for lapse in range(1, 9):
        card.refresh_from_db()
        assert not card.leech and not card.suspended
        answer(card, 1, card.due)  # forget: review -> relearning
        card.refresh_from_db()
        assert card.lapses == lapse
        if lapse < 8:
            answer(card, 3, card.due)  # relearnt: back to review
    card.refresh_from_db()
    assert card.leech and card.suspended
    with pytest.raises(ReviewRefused):
        answer(card, 3, card.due)


def test_a_buried_card_waits_until_the_next_study_day(learner, deck):
    card = card_start(learner=learner, flashcard=deck[0])
    card_bury(card=card, now=T0)
    card.refresh_from_db()
    assert card.buried_until == datetime(2025, 3, 2, 4, 0, tzinfo=SHANGHAI)
    assert queue.counts_today(learner, queue.Scope(), T0).new == 2
    assert queue.next_card(learner, queue.Scope(), T0).flashcard != deck[0]
    with pytest.raises(ReviewRefused):
        answer(card, 3, T0)
    assert queue.counts_today(learner, queue.Scope(), card.buried_until).new == 3


def test_a_suspended_card_is_not_shown_until_unsuspended(learner, deck):
    card = card_start(learner=learner, flashcard=deck[0])
    card_suspend(card=card)
    assert queue.counts_today(learner, queue.Scope(), T0).new == 2
    with pytest.raises(ReviewRefused):
        answer(card, 3, T0)
    card_unsuspend(card=card)
    assert queue.counts_today(learner, queue.Scope(), T0).new == 3


def test_a_card_not_due_yet_is_refused(learner, deck):
    card = graduate(learner, deck[0], T0)
    with pytest.raises(ReviewRefused):
        answer(card, 3, T0 + timedelta(minutes=30))
    assert card.reviews.count() == 2


def test_second_submit_records_nothing(learner, deck):
    card = card_start(learner=learner, flashcard=deck[0])
    review_record(card=card, rating=3, expected_reps=0, now=T0)
    with pytest.raises(StaleReview):
        review_record(card=card, rating=3, expected_reps=0, now=T0)
    assert Review.objects.filter(learner=learner).count() == 1


def test_ratings_outside_one_to_four_are_refused(learner, deck):
    card = card_start(learner=learner, flashcard=deck[0])
    for rating in (0, 5, -1):
        with pytest.raises(ReviewRefused):
            review_record(card=card, rating=rating, expected_reps=0, now=T0)
    assert not Review.objects.exists()


def test_each_review_sends_review_recorded_inside_the_transaction(learner, deck):
    got = []
    signals.review_recorded.connect(lambda review, **kw: got.append(review.rating), weak=False,
                                    dispatch_uid="test-recorded")
    try:
        answer(card_start(learner=learner, flashcard=deck[0]), 2, T0)
    finally:
        signals.review_recorded.disconnect(dispatch_uid="test-recorded")
    assert got == [2]


def test_new_cards_come_first_from_sections_the_learner_is_studying(learner):
    first = SectionFactory(key="first", order=1)
    second = SectionFactory(key="second", order=2)
    a = FlashcardFactory(section=first, key="first-a")
    FlashcardFactory(section=first, key="first-b")
    b = FlashcardFactory(section=second, key="second-a")
    FlashcardFactory(section=second, key="second-b")
    assert queue.next_card(learner, queue.Scope(), T0).flashcard == a  # document order
    answer(card_start(learner=learner, flashcard=b), 4, T0)
    assert queue.next_card(learner, queue.Scope(), T0).flashcard.key == "second-b"


# --- the quiz link -----------------------------------------------------------------------------------

def missed(learner, section, correct=False):
    """What the quizzes app's answer_recorded signal hands our receiver, with a stand-in Response.

    The receiver is called directly: other apps (progress) listen to the same signal and need a real
    Response; test_the_receiver_listens_to_answer_recorded checks the connection itself."""
    response = SimpleNamespace(learner=learner, question=SimpleNamespace(section=section), correct=correct)
    introduce_cards_after_miss(sender=SimpleNamespace, response=response)


def test_the_receiver_listens_to_answer_recorded():
    connected = [ref() if isinstance(ref, weakref.ReferenceType) else ref
                 for _key, ref, *_rest in answer_recorded.receivers]
    assert introduce_cards_after_miss in connected


def test_a_missed_quiz_question_puts_its_sections_cards_first_in_line(learner):
    early = SectionFactory(key="early", order=1)
    late = SectionFactory(key="late", order=2)
    FlashcardFactory(section=early, key="early-a")
    late_cards = {FlashcardFactory(section=late, key=f"late-{i}") for i in range(2)}
    assert queue.next_card(learner, queue.Scope(), T0).flashcard.key == "early-a"
    missed(learner, late)
    shown = set()
    for _ in range(2):
        card = queue.next_card(learner, queue.Scope(), T0)
        shown.add(card.flashcard)
        answer(card, 4, T0)
    assert shown == late_cards


def test_a_correct_quiz_answer_changes_nothing(learner):
    section = SectionFactory(key="sec")
    FlashcardFactory(section=section)
    missed(learner, section, correct=True)
    assert not CardState.objects.filter(learner=learner).exists()


def test_a_missed_question_never_pushes_a_review_further_out(learner):
    section = SectionFactory(key="sec")
    card = graduate(learner, FlashcardFactory(section=section), T0)
    due = card.due
    missed(learner, section)
    card.refresh_from_db()
    assert card.due == due and card.state == Phase.REVIEW and card.priority_since is None


@pytest.mark.django_db(transaction=True)
def test_two_tabs_answering_at_once_record_one_review():
    if connection.vendor != "postgresql":
        # The test database on SQLite is in memory with a shared cache, whose table locks fail at once
        # instead of waiting (the file database in use waits: IMMEDIATE transactions, busy timeout).
        pytest.skip("needs PostgreSQL: concurrent writers on SQLite's in-memory test database fail fast")
    learner = UserFactory(username="two-tabs")
    card = card_start(learner=learner, flashcard=FlashcardFactory())
    barrier = threading.Barrier(2)
    outcomes = []

    def tab(rating):
        try:
            barrier.wait()
            review_record(card=card, rating=rating, expected_reps=0)
            outcomes.append("recorded")
        except ReviewRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=tab, args=(r,)) for r in (3, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["recorded", "refused"]
    card.refresh_from_db()
    assert card.reps == 1 and Review.objects.filter(card=card).count() == 1
