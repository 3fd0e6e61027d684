"""Today's study queue for a learner: what is due, what is new, in which order. It only reads: showing a
card writes nothing here (cards.services writes, and imports this module, never the other way round).

The study day (accounts.study_days) rolls over at 04:00 in the learner's time zone, as in Anki: a review
card due at any time before the next rollover is due today. Learning cards (minute steps) come up when due, or up to
LEARN_AHEAD early when nothing else is left.

Custom study (Anki's) is a kind of Scope: review ahead (review cards due within N more study days) and a
section's every card now (all of them, due or not, new ones past the daily limit). Neither changes what
the normal queue counts: new cards are counted per study day from the reviews of that day, so studying
more today leaves tomorrow's limit whole. Extra new cards today are a limit of today only
(StudySettings.new_limit), keyed by the study day's date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, Subquery, Window
from django.utils import timezone

from quizapp.accounts.study_days import StudyDay, study_day
from quizapp.catalog.models import Flashcard, Section, Status
from quizapp.catalog.outline import Outline, bank_outline

from .models import CardState, Phase, Review, StudySettings

LEARN_AHEAD = timedelta(minutes=20)
LEARNING_PHASES = (Phase.LEARNING, Phase.RELEARNING)
UNREAD = "unread"  # DueCounts.first_new when the counts did not read it


def settings_for(learner) -> StudySettings:
    """The learner's settings, or the defaults (unsaved) when they never changed them. Either is kept on
    the learner object, so a request asks the database once (Django keeps only a row it found)."""
    defaults = getattr(learner, "_default_study_settings", None)
    if defaults is not None:
        return defaults
    try:
        return learner.study_settings
    except StudySettings.DoesNotExist:
        learner._default_study_settings = StudySettings(learner=learner)
        return learner._default_study_settings


def settings_read_with(learner, card: CardState) -> None:
    """`card` was read with its learner's settings (select_related("learner__study_settings")), and that
    learner is `learner`: settings_for(learner) then asks the database nothing."""
    try:
        settings = card.learner.study_settings
    except StudySettings.DoesNotExist:  # never changed: the defaults
        learner._default_study_settings = StudySettings(learner=learner)
    else:
        StudySettings._meta.get_field("learner").remote_field.set_cached_value(learner, settings)


# --- scope ---------------------------------------------------------------------------------------

MAX_AHEAD_DAYS = 365


@dataclass(frozen=True)
class Scope:
    """All flashcards, or those of one section (a top-level section includes its leaves); in custom study,
    review ahead by `ahead_days` study days, or `every_card` of the section now."""

    section: Section | None = None
    section_ids: tuple[int, ...] | None = None
    ahead_days: int = 0
    every_card: bool = False

    @property
    def key(self) -> str:
        return self.section.key if self.section else ""

    @property
    def custom(self) -> bool:
        return bool(self.ahead_days or self.every_card)

    @property
    def params(self) -> dict[str, str]:
        """The scope as the query string (and hidden form fields) of the study pages carry it."""
        params = {"section": self.key, "ahead": str(self.ahead_days or ""), "every": "1" if self.every_card else ""}
        return {k: v for k, v in params.items() if v}

    def holds(self, card: CardState) -> bool:
        return self.section_ids is None or card.flashcard.section_id in self.section_ids

    def flashcards(self):
        qs = Flashcard.objects.published()
        return qs if self.section_ids is None else qs.filter(section_id__in=self.section_ids)

    def card_states(self, learner):
        qs = CardState.objects.filter(learner=learner, flashcard__status=Status.PUBLISHED)
        return qs if self.section_ids is None else qs.filter(flashcard__section_id__in=self.section_ids)


def scope_for(section: Section | None, *, ahead_days: int = 0, every_card: bool = False) -> Scope:
    """A section's every card needs a section (all cards at once would be the whole collection); review
    ahead is capped at MAX_AHEAD_DAYS."""
    ahead_days = max(0, min(int(ahead_days or 0), MAX_AHEAD_DAYS))
    every_card = bool(every_card and section is not None)
    if every_card:
        ahead_days = 0
    if section is None:
        return Scope(ahead_days=ahead_days)
    ids = list(Section.objects.leaves_under(section).values_list("pk", flat=True))
    return Scope(section=section, section_ids=tuple(ids), ahead_days=ahead_days, every_card=every_card)


# --- limits and counts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Done:
    new: int
    reviews: int


def done_today(learner, day: StudyDay) -> Done:
    rows = dict(
        Review.objects.filter(learner=learner, reviewed_at__gte=day.start, reviewed_at__lt=day.end,
                              state_before__in=[Phase.NEW, Phase.REVIEW])
        .values_list("state_before").annotate(n=Count("pk")).values_list("state_before", "n")
    )
    return Done(new=rows.get(Phase.NEW, 0), reviews=rows.get(Phase.REVIEW, 0))


@dataclass(frozen=True)
class DueCounts:
    """The study screen's counts of cards waiting: new, in learning, due for review (not catalog's
    pipeline.Counts, which counts a bank write's rows)."""

    new: int
    learning: int
    due: int
    # Of the learning cards, how many are due now (None: not counted); next_card asks for one only then.
    learning_now: int | None = field(default=None, compare=False)
    # The next new card (a Flashcard, or None), read in the same query as the new cards' count; UNREAD
    # when the count was not read (no new card left today).
    first_new: object = field(default=UNREAD, compare=False, repr=False)

    @property
    def total(self) -> int:
        return self.new + self.learning + self.due


def _unstarted(learner, scope: Scope, now: datetime):
    """Published flashcards in scope that the learner has not started and has not set aside."""
    taken = CardState.objects.filter(learner=learner).filter(
        ~Q(state=Phase.NEW) | Q(suspended=True) | Q(buried_until__gt=now)
    )
    return scope.flashcards().exclude(pk__in=taken.values("flashcard_id"))


def counts_today(learner, scope: Scope, now: datetime | None = None, *, day: StudyDay | None = None,
                 settings: StudySettings | None = None, done: Done | None = None,
                 with_first_new: bool = False) -> DueCounts:
    """What is left today: new cards (within the daily limit), learning cards, and reviews due.
    `with_first_new`: read the next new card with the count (for next_card), else only the count (a
    cheaper query when the page shows a card it has already)."""
    now = now or timezone.now()
    day = day or study_day(learner, now)
    settings = settings or settings_for(learner)
    done = done or done_today(learner, day)
    active = scope.card_states(learner).active(now)
    if scope.custom:
        # Custom study is not held to the daily limits: what it covers is what it counts.
        review_until = _review_until(scope, day)
        active = _not_reviewed_today(active, day)
        agg = active.aggregate(
            # Before `due`: an aggregate named `due` would stand for the field in the filters after it.
            learning_now=Count("pk", filter=Q(state__in=LEARNING_PHASES, due__lte=now)),
            learning=Count("pk", filter=Q(state__in=LEARNING_PHASES, due__lt=day.end)),
            due=Count("pk", filter=Q(state=Phase.REVIEW, **({"due__lt": review_until} if review_until else {}))),
        )
        first, new = _new_count(learner, scope, now, with_first_new) if scope.every_card else (UNREAD, 0)
        return DueCounts(new=new, learning=agg["learning"], due=agg["due"], learning_now=agg["learning_now"],
                         first_new=first)
    agg = active.filter(due__lt=day.end).aggregate(
        learning_now=Count("pk", filter=Q(state__in=LEARNING_PHASES, due__lte=now)),  # before `due`, as above
        learning=Count("pk", filter=Q(state__in=LEARNING_PHASES)),
        due=Count("pk", filter=Q(state=Phase.REVIEW)),
    )
    new_left = max(0, settings.new_limit(day.date) - done.new)
    reviews_left = max(0, settings.max_reviews_per_day - done.reviews)
    first, unstarted = _new_count(learner, scope, now, with_first_new) if new_left else (UNREAD, 0)
    return DueCounts(new=min(new_left, unstarted), learning=agg["learning"], due=min(agg["due"], reviews_left),
                     learning_now=agg["learning_now"], first_new=first)


def _new_count(learner, scope: Scope, now: datetime, with_first_new: bool) -> tuple:
    """(the next new card or UNREAD, how many new cards there are)."""
    if with_first_new:
        return _first_new_and_count(learner, scope, now)
    return UNREAD, _unstarted(learner, scope, now).count()


def _review_until(scope: Scope, day: StudyDay) -> datetime | None:
    """Review cards due before this are on offer: today's (before the rollover), `ahead_days` more study
    days in review ahead, every one (None) for a section's every card."""
    if scope.every_card:
        return None
    return day.end + timedelta(days=scope.ahead_days)


def _not_reviewed_today(states, day: StudyDay):
    """Custom study shows a review card once: answered today, its new due date may still fall within the
    days ahead (or, for a section's every card, anywhere), and it would come round again and again. Cards
    answered Again are relearning, and come back through their steps as usual."""
    return states.exclude(Q(state=Phase.REVIEW) & Q(last_review__gte=day.start))


def forecast_tomorrow(learner, scope: Scope, now: datetime | None = None) -> DueCounts:
    """Tomorrow's reviews (cards due before tomorrow's rollover) and the new cards it will offer."""
    now = now or timezone.now()
    day = study_day(learner, now)
    settings = settings_for(learner)
    states = scope.card_states(learner).filter(suspended=False, due__lt=day.end + timedelta(days=1))
    agg = states.aggregate(
        learning=Count("pk", filter=Q(state__in=LEARNING_PHASES)),
        due=Count("pk", filter=Q(state=Phase.REVIEW)),
    )
    unstarted = _unstarted(learner, scope, day.end).count()
    return DueCounts(
        new=min(settings.new_per_day, unstarted),
        learning=agg["learning"],
        due=min(agg["due"], settings.max_reviews_per_day),
    )


# --- the next card -------------------------------------------------------------------------------

def _new_in_order(learner, scope: Scope, now: datetime):
    """Unstarted flashcards in the order they are introduced: those a missed quiz question put first in
    line, then those of sections the learner is already studying, then document order."""
    mine = CardState.objects.filter(learner=learner)
    row = mine.filter(flashcard=OuterRef("pk"))
    # The sections the learner studies: one list for the whole query, not a search per flashcard.
    studied = mine.exclude(state=Phase.NEW).values("flashcard__section_id")
    studying = ExpressionWrapper(Q(section_id__in=studied), output_field=BooleanField())
    return (
        _unstarted(learner, scope, now).select_related("section")
        .annotate(priority=Subquery(row.values("priority_since")[:1]), card_id=Subquery(row.values("pk")[:1]),
                  studying=studying)
        # NULLs sort first on SQLite and last on PostgreSQL: say where they go.
        .order_by(F("priority").asc(nulls_last=True), "-studying", "section__order", "key")
    )


def _first_new(learner, scope, now):
    """The next new card (one query)."""
    return _new_in_order(learner, scope, now).first()


def _first_new_and_count(learner, scope, now) -> tuple:
    """The next new card and how many there are (the count a window over the whole ordered set): one
    query, where the study page asked two (the count, then the card)."""
    first = _new_in_order(learner, scope, now).annotate(unstarted=Window(Count("pk"))).first()
    return (first, first.unstarted) if first is not None else (None, 0)


def next_card(learner, scope: Scope, now: datetime | None = None, *, counts: DueCounts | None = None):
    """The card to show next, as a CardState, or None when done for today. A card the learner never saw
    comes back unsaved (`pk` None): `services.card_start` or grading it (`services.review_record`) makes
    the row.

    Order: learning cards now due, then reviews due today, then new cards, then learning cards due within
    LEARN_AHEAD.
    """
    now = now or timezone.now()
    counts = counts or counts_today(learner, scope, now, with_first_new=True)
    states = scope.card_states(learner).active(now).select_related("flashcard__section")
    card = None
    if counts.learning_now is None or counts.learning_now:  # the counts say whether one is due now
        card = states.filter(state__in=LEARNING_PHASES, due__lte=now).order_by("due", "pk").first()
    if card is None and counts.due:
        review_until = _review_until(scope, study_day(learner, now))
        reviews = states.filter(state=Phase.REVIEW)
        if scope.custom:
            reviews = _not_reviewed_today(reviews, study_day(learner, now))
        if review_until is not None:
            reviews = reviews.filter(due__lt=review_until)
        card = reviews.order_by("due", "pk").first()
    if card is None and counts.new:
        flashcard = counts.first_new if counts.first_new is not UNREAD else _first_new(learner, scope, now)
        if flashcard is not None:
            # A new card's row, when it has one (a missed question put it first in line, or an undo took
            # back its first review), holds nothing a review changed: its id is all the page needs of it.
            card = CardState(pk=flashcard.card_id, learner=learner, flashcard=flashcard, state=Phase.NEW,
                             priority_since=flashcard.priority)
    if card is None:
        ahead = states.filter(state__in=LEARNING_PHASES, due__lte=now + LEARN_AHEAD)
        card = ahead.order_by("due", "pk").first()
    return card


def next_learning_due(learner, scope: Scope, now: datetime | None = None) -> datetime | None:
    """When the next learning card of today comes up (after the learn-ahead window), if any."""
    now = now or timezone.now()
    day = study_day(learner, now)
    card = (scope.card_states(learner).active(now).filter(state__in=LEARNING_PHASES, due__lt=day.end)
            .order_by("due").values_list("due", flat=True).first())
    return card


def new_limit_reached(card: CardState, scope: Scope, *, day: StudyDay, settings: StudySettings,
                      done: Done) -> bool:
    """Is this a new card past today's new-card limit (which a section's every card does not have)?"""
    if card.state != Phase.NEW or (scope.every_card and scope.holds(card)):
        return False
    return done.new >= settings.new_limit(day.date)


def is_due_now(card: CardState, learner, now: datetime, *, day: StudyDay, settings: StudySettings,
               done: Done, scope: Scope | None = None) -> bool:
    """May this card be answered now? (The services refuse a rating otherwise.) In custom study the scope
    widens it: review ahead takes review cards due within its days, a section's every card any of its cards."""
    scope = scope or Scope()
    if card.state == Phase.NEW:
        return not new_limit_reached(card, scope, day=day, settings=settings, done=done)
    if scope.every_card and scope.holds(card):
        return True
    if card.state == Phase.REVIEW:
        until = _review_until(scope, day) if scope.ahead_days and scope.holds(card) else day.end
        return card.due is not None and card.due < until
    return card.due is not None and card.due <= now + LEARN_AHEAD


# --- decks ---------------------------------------------------------------------------------------

@dataclass
class Deck:
    section: Section | None
    counts: DueCounts
    total: int

    @property
    def key(self):
        return self.section.key if self.section else ""


def decks(learner, now: datetime | None = None, *, outline: Outline | None = None) -> list[Deck]:
    """The 'all cards' deck and one per top-level section, with today's counts, in a fixed number of
    queries whatever the number of sections or reviews. The sections and their published flashcards come
    from the course outline (catalog.outline: held per process for the bank's revision)."""
    now = now or timezone.now()
    day = study_day(learner, now)
    settings = settings_for(learner)
    done = done_today(learner, day)
    outline = outline or bank_outline()
    top_of = {s.pk: s.top_id for s in outline.sections}
    tops = outline.tops

    totals: dict[int, int] = {}
    for s in outline.sections:
        totals[s.top_id] = totals.get(s.top_id, 0) + s.n_flashcards
    unstarted: dict[int, int] = {}
    for section_id, n in (_unstarted(learner, Scope(), now).values_list("section_id")
                          .annotate(n=Count("pk")).values_list("section_id", "n")):
        unstarted[top_of[section_id]] = unstarted.get(top_of[section_id], 0) + n
    learning: dict[int, int] = {}
    due: dict[int, int] = {}
    rows = (Scope().card_states(learner).active(now).filter(due__lt=day.end)
            .values_list("flashcard__section_id", "state").annotate(n=Count("pk"))
            .values_list("flashcard__section_id", "state", "n"))
    for section_id, state, n in rows:
        bucket = due if state == Phase.REVIEW else learning if state in LEARNING_PHASES else None
        if bucket is not None:
            bucket[top_of[section_id]] = bucket.get(top_of[section_id], 0) + n

    new_left = max(0, settings.new_limit(day.date) - done.new)
    reviews_left = max(0, settings.max_reviews_per_day - done.reviews)

    def counts(keys):
        return DueCounts(
            new=min(new_left, sum(unstarted.get(k, 0) for k in keys)),
            learning=sum(learning.get(k, 0) for k in keys),
            due=min(reviews_left, sum(due.get(k, 0) for k in keys)),
        )

    everything = Deck(section=None, counts=counts([t.pk for t in tops]), total=sum(totals.values()))
    return [everything] + [
        Deck(section=t, counts=counts([t.pk]), total=totals.get(t.pk, 0)) for t in tops if totals.get(t.pk)
    ]
