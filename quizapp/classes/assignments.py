"""Class assignments: whether each learner has done each one, computed from what they recorded (quiz answers,
the progress rollups' mastery, flashcard reviews), never ticked by hand and never stored, so editing or
deleting an assignment cannot lose anybody's work. The Today page (quizapp.pages.home) shows
`assignments_due`; the class pages, the grid and the CSV read `completions`.

When an assignment is done (its `done_at`; "late" when that is after the due time, "done" at or before it):
- quiz of N questions: the learner's answers in the assigned sections (a part counts as its leaves), in
  quizzes started at or after the open time and finished (not left unfinished or still open), add up to N.
  One quiz of N questions does it (the assignment's Start button starts one); a quiz is at most 30 questions,
  and a section's quiz no longer than its questions, so more than that takes several. Done at: the end of
  the quiz that reached N.
- reach mastery: every assigned leaf section is mastered now, as the progress pages call it. Done at: when
  the last of them became mastered (`MasteredSince`); mastered before the open time counts as done on time.
- flashcard deck: every published card of the assigned sections was reviewed at least once at or after the
  open time. Done at: the review that covered the last card. (A deck with no cards is done at once.)
Not done: "missed" once the due time has passed; before, "in progress" once the learner has answered in the
sections since the open time (mastery: answered in them at all; deck: reviewed one of the cards since), or
"not started". Learners see an assignment from its open time.

Every function here reads a fixed number of queries whatever the number of learners, assignments or the
length of anyone's history (answers are read grouped per quiz and section, reviews per card, and only since
the earliest open time): the budgets are in tests/classes/test_assignments.py."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizapp.cards.models import Review
from quizapp.catalog.models import Flashcard, Section
from quizapp.progress.models import SectionProgress
from quizapp.quizzes.models import Attempt, MasteryState, Response

from .models import Assignment, MasteredSince

UPCOMING, NOT_STARTED, IN_PROGRESS, DONE, LATE, MISSED = (
    "upcoming", "not_started", "in_progress", "done", "late", "missed")
STATUS_LABELS = {
    UPCOMING: _("Not open yet"),
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    DONE: _("Done"),
    LATE: _("Done late"),
    MISSED: _("Missed"),
}
# Today keeps a missed or done assignment listed this long after its due time, then only the class page does.
TODAY_AFTER_DUE = timedelta(days=7)


def status_of(*, now, opens_at, due_at, done_at, started: bool) -> str:
    """The status of one learner's assignment at `now`. Done exactly at the due time is on time; an
    assignment is missed only once its due time is past."""
    if done_at is not None:
        return LATE if done_at > due_at else DONE
    if now < opens_at:
        return UPCOMING
    if now > due_at:
        return MISSED
    return IN_PROGRESS if started else NOT_STARTED


@dataclass
class Completion:
    """One learner's work on one assignment: `count` of `needed` (answers, sections mastered, cards
    reviewed), `done_at` when it was done or None, and its status at the time it was computed."""

    assignment: Assignment
    count: int
    needed: int
    started: bool
    done_at: object
    status: str
    next_section: object = None  # deck: a leaf with a card not yet reviewed, where the Study link goes

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def is_done(self) -> bool:
        return self.status in (DONE, LATE)

    @property
    def start_length(self) -> int:
        """The length of the quiz the Start button starts: the answers still wanted (a quiz) or the usual
        length (mastery), within what a quiz can be."""
        wanted = self.needed - self.count if self.assignment.kind == Assignment.Kind.QUIZ else Attempt.DEFAULT_LENGTH
        return max(Attempt.MIN_LENGTH, min(Attempt.MAX_LENGTH, wanted))

    @property
    def start_key(self) -> str:
        """A one-time key for this rendering's Start button: the same button sent twice starts one quiz."""
        if not hasattr(self, "_start_key"):
            self._start_key = secrets.token_hex(16)
        return self._start_key


def assignment_leaves(assignments) -> dict:
    """{assignment pk: its leaf sections in course order} for assignments with `sections` prefetched: one
    query whatever their number."""
    chosen = {a.pk: {s.pk for s in a.sections.all()} for a in assignments}
    wanted = set().union(*chosen.values()) if chosen else set()
    leaves = list(Section.objects.leaves_under(wanted).order_by("order", "pk")) if wanted else []
    return {pk: [s for s in leaves if s.pk in ids or s.parent_id in ids] for pk, ids in chosen.items()}


def completions(assignments, learner_ids, *, now=None, leaves=None) -> dict:
    """{(assignment pk, learner id): Completion} for every pair. At most 6 queries (leaves, answers, rollups,
    mastered-since, cards, reviews), fewer when no assignment is of a kind."""
    now = now or timezone.now()
    assignments = list(assignments)
    learner_ids = list(learner_ids)
    if not assignments:
        return {}
    leaves = leaves if leaves is not None else assignment_leaves(assignments)
    for a in assignments:
        a.leaves = leaves[a.pk]  # for the pages' lists of sections and the Start buttons
    if not learner_ids:
        return {}
    by_kind = {kind: [a for a in assignments if a.kind == kind] for kind in Assignment.Kind.values}
    figures = {}
    figures.update(_quiz_figures(by_kind[Assignment.Kind.QUIZ], leaves, learner_ids))
    figures.update(_mastery_figures(by_kind[Assignment.Kind.MASTERY], leaves, learner_ids))
    figures.update(_deck_figures(by_kind[Assignment.Kind.DECK], leaves, learner_ids))
    result = {}
    for a in assignments:
        for learner_id in learner_ids:
            count, needed, started, done_at, next_section = figures[(a.pk, learner_id)]
            status = status_of(now=now, opens_at=a.opens_at, due_at=a.due_at, done_at=done_at, started=started)
            result[(a.pk, learner_id)] = Completion(a, count, needed, started, done_at, status, next_section)
    return result


def _leaf_ids(assignments, leaves) -> set:
    return {s.pk for a in assignments for s in leaves[a.pk]}


def _quiz_figures(assignments, leaves, learner_ids) -> dict:
    if not assignments:
        return {}
    earliest = min(a.opens_at for a in assignments)
    # One row per learner, quiz and section: the answers counted, whatever the history's length.
    rows = list(Response.objects.filter(
        learner_id__in=learner_ids, section_id__in=_leaf_ids(assignments, leaves),
        attempt__created_at__gte=earliest,
    ).values_list("learner_id", "section_id", "attempt_id", "attempt__created_at", "attempt__status",
                  "attempt__finished_at").annotate(n=Count("pk")).order_by())
    per_learner: dict = {}
    for row in rows:
        per_learner.setdefault(row[0], []).append(row)
    figures = {}
    for a in assignments:
        ids = {s.pk for s in leaves[a.pk]}
        for learner_id in learner_ids:
            mine = [r for r in per_learner.get(learner_id, ()) if r[1] in ids and r[3] >= a.opens_at]
            finished: dict = {}
            for _learner, _section, attempt_id, _created, status, finished_at, n in mine:
                if status == Attempt.Status.FINISHED:
                    at, total = finished.get(attempt_id, (finished_at, 0))
                    finished[attempt_id] = (at, total + n)
            count, done_at = 0, None
            for at, n in sorted(finished.values(), key=lambda f: f[0]):
                count += n
                if done_at is None and count >= a.questions:
                    done_at = at
            figures[(a.pk, learner_id)] = (min(count, a.questions), a.questions, bool(mine), done_at, None)
    return figures


def _mastery_figures(assignments, leaves, learner_ids) -> dict:
    if not assignments:
        return {}
    ids = _leaf_ids(assignments, leaves)
    progress = {(learner, section): (state, answers) for learner, section, state, answers in
                SectionProgress.objects.filter(learner_id__in=learner_ids, section_id__in=ids)
                .values_list("learner_id", "section_id", "state", "answers")}
    since = {(learner, section): at for learner, section, at in
             MasteredSince.objects.filter(learner_id__in=learner_ids, section_id__in=ids)
             .values_list("learner_id", "section_id", "since")}
    figures = {}
    for a in assignments:
        for learner_id in learner_ids:
            keys = [(learner_id, s.pk) for s in leaves[a.pk]]
            mastered = [k for k in keys if progress.get(k, ("", 0))[0] == MasteryState.MASTERED]
            started = any(progress.get(k, ("", 0))[1] for k in keys)
            done_at = None
            if keys and len(mastered) == len(keys):
                # A section mastered before the open time, or whose time is not known, is on time.
                done_at = max(max(since.get(k, a.opens_at), a.opens_at) for k in keys)
            figures[(a.pk, learner_id)] = (len(mastered), len(keys), started, done_at, None)
    return figures


def _deck_figures(assignments, leaves, learner_ids) -> dict:
    if not assignments:
        return {}
    ids = _leaf_ids(assignments, leaves)
    cards = list(Flashcard.objects.published().filter(section_id__in=ids).values_list("pk", "section_id"))
    # Per learner and card, its first review at or after each distinct open time: one query, exact for
    # every assignment however their open times differ.
    opens = sorted({a.opens_at for a in assignments})
    annotations = {f"first{i}": Min("reviewed_at", filter=Q(reviewed_at__gte=at)) for i, at in enumerate(opens)}
    rows = list(Review.objects.filter(learner_id__in=learner_ids, card__flashcard__section_id__in=ids,
                                      reviewed_at__gte=opens[0])
                .values("learner_id", "card__flashcard_id").annotate(**annotations).order_by())
    first = {(r["learner_id"], r["card__flashcard_id"], at): r[f"first{i}"]
             for r in rows for i, at in enumerate(opens)}
    figures = {}
    for a in assignments:
        section_ids = {s.pk for s in leaves[a.pk]}
        deck = [(card, section) for card, section in cards if section in section_ids]
        for learner_id in learner_ids:
            times = [first.get((learner_id, card, a.opens_at)) for card, _section in deck]
            reviewed = [t for t in times if t is not None]
            done_at = (max(reviewed) if reviewed else a.opens_at) if len(reviewed) == len(deck) else None
            todo = {section for (card, section), t in zip(deck, times) if t is None}
            next_section = next((s for s in leaves[a.pk] if s.pk in todo), None)
            figures[(a.pk, learner_id)] = (len(reviewed), len(deck), bool(reviewed), done_at, next_section)
    return figures


@dataclass
class ClassAssignments:
    """A class's assignments (numbered 1, 2... by due time, as the grid's columns and the CSV name them) and
    every member's completion of each."""

    assignments: list
    completions: dict

    @property
    def open(self) -> list:
        return [a for a in self.assignments if a.is_open]


def class_assignments(classroom, *, now=None) -> ClassAssignments:
    """The class's assignments with every member's completion: one query when it has none, else at most 9."""
    now = now or timezone.now()
    assignments = list(classroom.assignments.prefetch_related("sections").order_by("due_at", "pk"))
    if not assignments:
        return ClassAssignments([], {})
    learner_ids = list(classroom.memberships.values_list("learner_id", flat=True))
    done = completions(assignments, learner_ids, now=now)
    members = len(learner_ids)
    for number, a in enumerate(assignments, 1):
        a.number = number
        a.is_open = a.opens_at <= now
        a.done = sum(1 for learner_id in learner_ids if done[(a.pk, learner_id)].is_done)
        a.members = members
    return ClassAssignments(assignments, done)


def learner_assignments(learner, classrooms, *, now=None) -> dict:
    """{classroom pk: the learner's Completion of each of its open assignments, by due time} for the classes
    a learner is in (their class list): at most 8 queries whatever the number of classes."""
    now = now or timezone.now()
    ids = [c.pk for c in classrooms]
    assignments = list(Assignment.objects.filter(classroom_id__in=ids, opens_at__lte=now)
                       .select_related("classroom").prefetch_related("sections").order_by("due_at", "pk"))
    done = completions(assignments, [learner.pk], now=now)
    by_class: dict = {pk: [] for pk in ids}
    for a in assignments:
        by_class[a.classroom_id].append(done[(a.pk, learner.pk)])
    return by_class


def assignments_due(learner, now=None) -> list:
    """The learner's assignments for Today: those of their active classes that are open, until
    TODAY_AFTER_DUE after their due time; not done first, then by due time. Queries: one when the learner
    has none; otherwise 2 (assignments, their sections) and those of `completions`."""
    now = now or timezone.now()
    assignments = list(
        Assignment.objects.filter(classroom__memberships__learner=learner, classroom__archived_at__isnull=True,
                                  opens_at__lte=now, due_at__gte=now - TODAY_AFTER_DUE)
        .select_related("classroom").prefetch_related("sections").order_by("due_at", "pk"))
    if not assignments:
        return []
    done = completions(assignments, [learner.pk], now=now)
    rows = [done[(a.pk, learner.pk)] for a in assignments]
    return sorted(rows, key=lambda c: c.is_done)  # a stable sort: by due time within each


def on_answer_recorded(sender, response, skill, state_before: str, **kwargs):
    """Keep `MasteredSince` in the answer's transaction: the time a section's call became mastered, gone when
    it stops being so. Only a change of call writes (a handful of times per learner and section)."""
    mastered = MasteryState.MASTERED
    if skill.state == mastered and state_before != mastered:
        # One statement (INSERT ... ON CONFLICT DO UPDATE), no SELECT and savepoint first.
        MasteredSince.objects.bulk_create(
            [MasteredSince(learner_id=response.learner_id, section_id=response.section_id, since=response.answered_at)],
            update_conflicts=True, unique_fields=["learner", "section"], update_fields=["since"])
    elif state_before == mastered and skill.state != mastered:
        MasteredSince.objects.filter(learner_id=response.learner_id, section_id=response.section_id).delete()
