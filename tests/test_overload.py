"""Overload is graceful (quizapp/overload.py): a request that cannot get the database in time is refused with a
503, a Retry-After header and a readable message, and nothing of it is written; what was acknowledged is
recorded exactly once. Checked on the real test database with concurrent requests through the whole stack
(middleware, views, services), by outcomes only: statuses, and the database against
quizapp.progress.integrity (the check the load benchmark runs after each level)."""

import threading

import pytest
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizapp.cards.models import CardState, Review
from quizapp.cards.services import card_start
from quizapp.catalog.models import Flashcard
from quizapp.overload import RETRY_AFTER_SECONDS
from quizapp.progress.integrity import integrity_check
from quizapp.quizzes import services
from quizapp.quizzes.models import Attempt, Response
from tests.factories import UserFactory
from tests.quizzes.helpers import answer_data, current_item

HTMX = {"HTTP_HX_REQUEST": "true"}
# The bench's app server takes 8 requests at once (gunicorn, 2 workers x 4 threads): a burst is twice that.
SERVED_AT_ONCE = 8
SAVED = b"data-saved"


@pytest.fixture
def short_lock_wait(monkeypatch):
    """On PostgreSQL, new connections wait 0.2 s for a row lock instead of DATABASE_BUSY_TIMEOUT (SQLite's
    shared-cache test database refuses at once anyway)."""
    if connection.vendor == "postgresql":
        options = connections.settings["default"].setdefault("OPTIONS", {})
        monkeypatch.setitem(options, "options", "-c lock_timeout=200")


class Learner:
    """A learner in the middle of a quiz, with a card to rate, and a logged-in browser."""

    def __init__(self, n: int, flashcard):
        self.user = UserFactory(username=f"burst-{n}")
        self.attempt = services.attempt_start(learner=self.user, kind="mixed", section_ids=[], length=5)
        item = current_item(self.attempt)
        self.answer = answer_data(item)
        self.answer_key = (self.attempt.pk, item.position)
        self.card = card_start(learner=self.user, flashcard=flashcard)
        self.rating = {"rating": "3", "reps": "0"}
        self.rating_key = (self.card.pk, 0)
        self.client = Client(raise_request_exception=False)  # a server error is a status here, as for a browser
        self.client.force_login(self.user)

    def send(self, what: str):
        if what == "answer":
            return self.client.post(reverse("quizzes:answer", args=[self.attempt.pk]), self.answer, **HTMX)
        return self.client.post(reverse("cards:rate", args=[self.card.pk]), self.rating, **HTMX)


def learners(n: int) -> list[Learner]:
    flashcard = Flashcard.objects.order_by("pk").first()
    return [Learner(i, flashcard) for i in range(n)]


def at_once(requests) -> list:
    """Send every (learner, "answer" | "rate") at the same moment, each from its own thread and database
    connection; the responses in the same order."""
    barrier = threading.Barrier(len(requests), timeout=60)
    responses = [None] * len(requests)

    def send(i, learner, what):
        try:
            barrier.wait()
            responses[i] = learner.send(what)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send, args=(i, lr, what)) for i, (lr, what) in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return responses


class Ledger:
    """What the browsers were told, as the benchmark keeps it."""

    def __init__(self):
        self.answers_ok, self.reviews_ok = [], []

    def add(self, requests, responses):
        for (learner, what), response in zip(requests, responses):
            # A 503 after the writes committed (the next page could not be read) says so: it was recorded.
            if response.status_code in (200, 302) or response.status_code == 503 and SAVED in response.content:
                (self.answers_ok if what == "answer" else self.reviews_ok).append(
                    learner.answer_key if what == "answer" else learner.rating_key)

    def check(self, since) -> dict:
        return integrity_check(answers_ok=self.answers_ok, reviews_ok=self.reviews_ok, since=since)


def hold_the_write_locks(rows_written: threading.Event, release: threading.Event, attempts, cards):
    """Another writer in the middle of a long transaction over the learners' attempts and cards: on SQLite it
    holds the database's write lock, on PostgreSQL those rows' locks."""
    try:
        with transaction.atomic():
            Attempt.objects.filter(pk__in=attempts).update(answered=F("answered"))
            CardState.objects.filter(pk__in=cards).update(reps=F("reps"))
            rows_written.set()
            release.wait(timeout=120)
    finally:
        rows_written.set()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_busy_database_refuses_answers_and_ratings_with_503_and_records_nothing(starter_bank, short_lock_wait):
    since = timezone.now()
    group = learners(3)
    requests = [(lr, what) for lr in group for what in ("answer", "rate")]
    rows_written, release = threading.Event(), threading.Event()
    blocker = threading.Thread(target=hold_the_write_locks, args=(
        rows_written, release, [lr.attempt.pk for lr in group], [lr.card.pk for lr in group]))
    blocker.start()
    rows_written.wait(timeout=60)
    try:
        refused = at_once(requests)
    finally:
        release.set()
        blocker.join(timeout=60)

    assert [r.status_code for r in refused] == [503] * len(requests)
    for response in refused:
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert b"data-busy-message" in response.content  # the message the page shows where the learner clicked
        assert SAVED not in response.content
    assert not Response.objects.exists() and not Review.objects.exists()
    assert all(a.answered == 0 for a in Attempt.objects.filter(pk__in=[lr.attempt.pk for lr in group]))

    # Sent again once the database is free (one after the other: nothing else is writing), each is recorded
    # once.
    ledger = Ledger()
    again = [learner.send(what) for learner, what in requests]
    assert [r.status_code for r in again] == [200] * len(requests)
    ledger.add(requests, again)
    check = ledger.check(since)
    assert (check["lost"], check["duplicated"], check["extra"], check["mismatched"]) == (0, 0, 0, 0), check
    assert Response.objects.count() == len(group) and Review.objects.count() == len(group)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_twice_what_the_server_takes_at_once_leaves_every_write_whole(starter_bank, short_lock_wait):
    """Twice as many answers and ratings at once as the app server serves at once, then every one of them
    sent again at once (a double click, a second tab): each acknowledged write is recorded exactly once, a
    refused one not at all, and attempts, cards and rollups equal a recomputation."""
    since = timezone.now()
    group = learners(SERVED_AT_ONCE)
    requests = [(lr, what) for lr in group for what in ("answer", "rate")]
    assert len(requests) == 2 * SERVED_AT_ONCE
    ledger = Ledger()
    statuses = []
    for _ in range(2):
        responses = at_once(requests)
        ledger.add(requests, responses)
        statuses += [(what, r.status_code, r.content[:300]) for (_, what), r in zip(requests, responses)]

    # Recorded, refused as already answered (a stale rating: 409), or refused as busy: never a server error.
    unexpected = [s for s in statuses if s[1] not in (200, 409, 503)]
    assert not unexpected, unexpected
    check = ledger.check(since)
    assert (check["lost"], check["duplicated"], check["extra"], check["mismatched"]) == (0, 0, 0, 0), check
    recorded = set(Response.objects.values_list("attempt_id", "item__position"))
    assert recorded == set(ledger.answers_ok)
    reviewed = {(card, before["reps"]) for card, before in Review.objects.values_list("card_id", "before")}
    assert reviewed == set(ledger.reviews_ok)


@pytest.mark.django_db
def test_the_busy_page_says_in_chinese_that_nothing_was_recorded_and_when_to_try_again(client):
    from django.test import RequestFactory

    from quizapp.overload import busy_response

    request = RequestFactory().post("/quiz/1/answer/")
    request.htmx = False
    page = busy_response(request)
    assert page.status_code == 503 and page["Retry-After"] == str(RETRY_AFTER_SECONDS)
    text = page.content.decode()
    assert "<html" in text and "现在学习的人太多了" in text and f"请在 {RETRY_AFTER_SECONDS} 秒后重试" in text
    request.htmx = True  # the quiz and the cards get only the message, shown where the learner clicked
    fragment = busy_response(request).content.decode()
    assert "<html" not in fragment and "data-busy-message" in fragment and "没有记录任何内容" in fragment
