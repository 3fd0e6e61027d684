"""Two tabs answering the same card at the same moment: one review is recorded, the other is refused."""

import threading

import pytest
from django.db import connection

from quizapp.cards.models import Review
from quizapp.cards.services import ReviewRefused, card_start, review_record
from tests.factories import FlashcardFactory, UserFactory


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
