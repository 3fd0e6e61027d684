"""Write use cases for flashcards: one function each, the whole use case in one transaction.

Every function that changes a card locks its row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
IMMEDIATE transactions serialize writers), so two tabs reviewing at once never lose an update.
"""

from __future__ import annotations

import copy
from datetime import datetime
from functools import lru_cache

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from quizapp.accounts.study_days import study_day, study_days_between
from quizapp.catalog.models import Flashcard, Status

from . import queue, scheduling, signals
from .models import CardState, Phase, Review, StudySettings

LEECH_THRESHOLD = 8  # Anki's: the 8th lapse tags the card a leech and suspends it
LEECH_REPEAT = 4  # ... and so does every 4th lapse after that
MAX_DURATION_MS = 60_000  # Anki caps the time counted for one answer at 60 s


class ReviewRefused(Exception):
    """A write the learner cannot make now; `str(error)` says why, in their language."""


class StaleReview(ReviewRefused):
    """The form was for an earlier state of the card (a double submit, a replay or another tab)."""


class StudyDayRolledOver(ReviewRefused):
    """The study day rolled over (04:00) between showing the rating buttons and pressing one: the elapsed
    study days, and so the intervals, changed; the card is shown again with the intervals it now gets."""


def fuzz_seed(card: CardState) -> int:
    return scheduling.fuzz_seed(card.learner_id, card.flashcard_id, card.reps)


def card_start(*, learner, flashcard: Flashcard) -> CardState:
    """The learner's card for a flashcard, created as NEW the first time it is shown (the queue only
    reads, and offers a card never seen unsaved)."""
    card = CardState.objects.filter(learner=learner, flashcard=flashcard).first()
    if card is not None:  # most often (a missed question made it): no write transaction
        card.flashcard = flashcard
        return card
    try:
        with transaction.atomic():
            card, _created = CardState.objects.get_or_create(learner=learner, flashcard=flashcard)
    except IntegrityError:  # another request created it between our read and our insert
        card = CardState.objects.get(learner=learner, flashcard=flashcard)
    card.flashcard = flashcard
    return card


def _locked(card: CardState) -> CardState:
    """The card's row, locked, with its flashcard and section (the study page shows them), its learner and
    the learner's settings (queue.settings_read_with)."""
    return (CardState.objects.select_for_update(of=("self",))
            .select_related("flashcard__section", "learner__study_settings").get(pk=card.pk))


def _check_answerable(card, learner, expected_reps, now, *, day, settings, done, scope, intervals_at):
    """Refuse (ReviewRefused) a rating this card may not get now."""
    if card.reps != expected_reps:
        raise StaleReview(_("That card was already answered; here is where you are now."))
    if card.flashcard.status != Status.PUBLISHED:
        raise ReviewRefused(_("This card has been withdrawn."))
    if card.suspended:
        raise ReviewRefused(_("This card is suspended; unsuspend it from the deck page first."))
    if card.buried_until and card.buried_until > now:
        raise ReviewRefused(_("This card is buried until tomorrow."))
    if intervals_at is not None and study_day(learner, intervals_at).date != day.date:
        raise StudyDayRolledOver(_("A new study day began (at 04:00) after this card's answer was "
                                   "shown, so its intervals changed. Nothing was recorded: here it is "
                                   "again with the intervals it gets now."))
    if queue.new_limit_reached(card, scope, day=day, settings=settings, done=done):
        limit = settings.new_limit(day.date)
        raise ReviewRefused(ngettext(
            "You have reached today's limit of %(limit)d new card, so nothing was recorded. More come "
            "tomorrow, or add more today in custom study.",
            "You have reached today's limit of %(limit)d new cards, so nothing was recorded. More come "
            "tomorrow, or add more today in custom study.", limit) % {"limit": limit})
    if not queue.is_due_now(card, learner, now, day=day, settings=settings, done=done, scope=scope):
        raise ReviewRefused(_("This card is not due yet."))


def review_record(*, card: CardState, rating: int, expected_reps: int, duration_ms: int = 0,
                  now: datetime | None = None, intervals_at: datetime | None = None,
                  scope: queue.Scope | None = None, learner=None) -> Review:
    """Answer a card: schedule it with FSRS, log the review, tag leeches. Refuses stale, set-aside and
    not-yet-due cards, and ratings outside 1-4.

    `card`: as the caller read it (with its flashcard), not locked: the write is guarded instead (UPDATE
    ... WHERE reps = the reps read, and the card still not set aside), so of two tabs answering the same
    card one records and the other is refused as stale; when the guard finds the card changed, it is read
    again, locked, and checked as it now is. `learner`: the card's learner, when the caller has it.

    `intervals_at`: when the intervals on the rating buttons were computed. If that was in an earlier study
    day, the rating is refused (StudyDayRolledOver): the interval a button showed is the one it gives, or
    none. `scope`: the custom study the card was shown in (review ahead, a section's every card), which
    may answer cards the daily queue would not; FSRS still sees the real elapsed time.

    The review returned carries `queue_state` (study day, settings, today's counts after it), which the
    study page shown next reuses."""
    if rating not in (1, 2, 3, 4):
        raise ReviewRefused(_("Choose Again, Hard, Good or Easy (1 to 4)."))
    now = now or timezone.now()
    if card.pk is None:  # a new card offered by the queue, graded before anything saved it
        card = card_start(learner=learner or card.learner, flashcard=card.flashcard)
    card = copy.copy(card)  # the caller's object keeps the state it read; review.card has the new one
    if learner is not None:
        card.learner = learner
    with transaction.atomic():
        learner = card.learner
        day = study_day(learner, now)
        settings = queue.settings_for(learner)
        done = queue.done_today(learner, day)
        scope = scope or queue.Scope()
        for locked in (False, True):
            if locked:  # the card as the caller read it did not pass, or the guard found it changed
                card = _locked(card)
            try:
                _check_answerable(card, learner, expected_reps, now, day=day, settings=settings, done=done,
                                  scope=scope, intervals_at=intervals_at)
            except ReviewRefused:
                if locked:
                    raise
                continue  # decided on the row as it is now, locked
            before = card.snapshot()
            state_before = card.state
            memory = scheduling.review(card.memory(), rating, now, settings.as_scheduling(), seed=fuzz_seed(card),
                                       elapsed_days=study_days_between(learner, card.last_review, now))
            card.apply_memory(memory)
            card.priority_since = None
            card.buried_until = None
            lapsed = state_before == Phase.REVIEW and rating == 1
            past = card.lapses - LEECH_THRESHOLD
            if lapsed and past >= 0 and past % LEECH_REPEAT == 0:
                card.leech = True
                card.suspended = True
            if locked:
                card.save()
                break
            written = {name: getattr(card, name) for name in REVIEW_WRITES}
            if CardState.objects.filter(Q(buried_until__isnull=True) | Q(buried_until__lte=now), pk=card.pk,
                                        reps=expected_reps, suspended=False).update(**written):
                break
            card.restore(before)
        review = Review.objects.create(
            learner=learner, card=card, rating=rating, reviewed_at=now,
            duration_ms=max(0, min(int(duration_ms), MAX_DURATION_MS)),
            state_before=state_before, before=before, after=card.snapshot(),
        )
        signals.review_recorded.send(sender=Review, review=review)
    review.queue_state = (day, settings, queue.Done(new=done.new + (state_before == Phase.NEW),
                                                    reviews=done.reviews + (state_before == Phase.REVIEW)))
    return review


# What a review writes on the card row (the FSRS memory, and the flags a review clears or sets).
REVIEW_WRITES = [*CardState.MEMORY_FIELDS, "priority_since", "buried_until", "leech", "suspended"]


def review_undo(*, learner, review_id: int) -> CardState:
    """Take back the learner's most recent review: the card gets its exact previous state back and the
    review is deleted. Only the most recent review can be undone, once."""
    with transaction.atomic():
        latest = (Review.objects.select_for_update().filter(learner=learner)
                  .order_by("-reviewed_at", "-pk").first())
        if latest is None or latest.pk != review_id:
            raise ReviewRefused(_("Only your most recent review can be undone, and only once."))
        card = _locked(CardState(pk=latest.card_id))
        queue.settings_read_with(learner, card)  # the study page shown next needs no query for them
        card.learner = latest.learner = learner  # the receivers read it (and its flashcard) from the review
        latest.card = card
        card.restore(latest.before)
        card.save()
        signals.review_undone.send(sender=Review, review=latest)
        latest.delete()
    return card


def _set(card: CardState, **fields) -> CardState:
    """Change a few of the card's set-aside fields, on its locked row."""
    with transaction.atomic():
        card = _locked(card)
        for name, value in fields.items():
            setattr(card, name, value)
        card.save(update_fields=list(fields))
    return card


def card_suspend(*, card: CardState) -> CardState:
    return _set(card, suspended=True)


def card_unsuspend(*, card: CardState) -> CardState:
    return _set(card, suspended=False)


def card_bury(*, card: CardState, now: datetime | None = None) -> CardState:
    """Hide the card until the learner's next study day (04:00 local)."""
    return _set(card, buried_until=study_day(card.learner, now or timezone.now()).end)


def card_unbury(*, card: CardState) -> CardState:
    return _set(card, buried_until=None)


def section_cards_prioritize(*, learner, section, now: datetime | None = None) -> int:
    """Put the section's flashcards the learner has not started first in line for today's new cards.

    Cards already started keep their schedule: a missed question never pushes a review further out.
    One statement (it runs on every missed answer, inside the answer's transaction): a new row, first in
    line, for each published card of the section the learner has none of; a row that exists is changed only
    while it is new and not yet first in line. Returns how many cards it put first in line now.
    """
    now = now or timezone.now()
    sql, fields = _prioritize_statement(connection.vendor)
    given = {"learner": learner.pk, "priority_since": now}
    values = [f.get_db_prep_save(given[f.name] if f.name in given else f.get_default(), connection)
              for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, section.pk, Status.PUBLISHED, Phase.NEW])
        return cursor.rowcount


@lru_cache(maxsize=2)
def _prioritize_statement(vendor: str):
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE: the SQL, and the CardState fields whose values
    it takes (every column but the id and the flashcard, which comes from the SELECT)."""
    quote = connection.ops.quote_name
    meta, flashcards = CardState._meta, Flashcard._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key and f.name != "flashcard"]
    table = quote(meta.db_table)

    def column(name, model_meta=meta):
        return quote(model_meta.get_field(name).column)

    columns = ", ".join([*(quote(f.column) for f in fields), column("flashcard")])
    select = ", ".join(["%s"] * len(fields) + [quote(flashcards.pk.column)])
    sql = (f"INSERT INTO {table} ({columns}) SELECT {select} FROM {quote(flashcards.db_table)} "
           f"WHERE {column('section', flashcards)} = %s AND {column('status', flashcards)} = %s "
           f"ON CONFLICT ({column('learner')}, {column('flashcard')}) DO UPDATE SET "
           f"{column('priority_since')} = excluded.{column('priority_since')} "
           f"WHERE {table}.{column('state')} = %s AND {table}.{column('priority_since')} IS NULL")
    return sql, fields


def new_cards_extend(*, learner, extra: int, now: datetime | None = None) -> StudySettings:
    """Custom study: allow `extra` more new cards on the current study day only. It sets the day's extra
    (it does not add to it), so sending the form twice gives the same limit; the next study day's limit is
    the daily setting again."""
    if not 0 <= extra <= 1000:
        raise ReviewRefused(_("Choose between 0 and 1000 extra new cards."))
    today = study_day(learner, now or timezone.now()).date
    with transaction.atomic():
        settings, _created = StudySettings.objects.select_for_update().get_or_create(learner=learner)
        learner.__dict__.pop("_default_study_settings", None)  # queue.settings_for's defaults are stale now
        settings.extra_new = extra
        settings.extra_new_on = today
        settings.save(update_fields=["extra_new", "extra_new_on"])
    return settings


def study_settings_update(*, learner, desired_retention: float, new_per_day: int, max_reviews_per_day: int,
                          time_zone: str) -> StudySettings:
    with transaction.atomic():
        settings, _created = StudySettings.objects.select_for_update().get_or_create(learner=learner)
        learner.__dict__.pop("_default_study_settings", None)  # queue.settings_for's defaults are stale now
        settings.desired_retention = desired_retention
        settings.new_per_day = new_per_day
        settings.max_reviews_per_day = max_reviews_per_day
        settings.full_clean()
        settings.save()
        if learner.time_zone != time_zone:
            learner.time_zone = time_zone
            learner.save(update_fields=["time_zone"])
    return settings
