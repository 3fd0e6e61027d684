"""Is the database what the learners were told? After a load test or a burst of concurrent requests: every
answer and review acknowledged with a 2xx recorded exactly once, nothing recorded that was not acknowledged,
and nothing half-written (an attempt's counters against its responses, a card's review count against its log,
every rollup against a recomputation from history, `progress_rebuild(fix=False)`).

Used by `benchmarks/load.py` (after each level) and by the overload tests, so both check the same things."""

import time
from collections import Counter
from datetime import datetime

from django.db.models import Count, Sum

from quizapp.cards.models import CardState, Review
from quizapp.quizzes.models import Attempt, AttemptItem, EngineCalibration, RefitClaim, Response

from .rebuild import progress_rebuild


def _compare(rows: Counter, ok, unknown) -> dict:
    # A write sent without a response back (its server was killed) either committed or not. If it did, the
    # learner's next page is already the next question or card, so the same key never gets a 2xx again; a key
    # that got one later (answered again on another server) was rolled back.
    ok, unknown = set(ok), set(unknown)
    pending = unknown - ok
    return {
        "lost": sum(1 for k in ok if rows[k] == 0),
        "duplicated": sum(n - 1 for n in rows.values() if n > 1),
        "extra": sum(1 for k in rows if k not in ok and k not in unknown),
        "unknown_committed": sum(1 for k in pending if rows[k]),
        "unknown_rolled_back": len(unknown & ok) + sum(1 for k in pending if not rows[k]),
    }


SETTLE_SECONDS = 300


def integrity_check(**kwargs) -> dict:
    """`_integrity_check` once the quiz engine is not recalibrating. A refit (seconds, in a process of its
    own) rewrites every learner's mastery in one transaction; one committing between the check's reads would
    show rollups read before it against beliefs read after it as mismatched. So the check waits for a
    claimed refit to end, and is made again if a calibration appeared while it ran."""
    for _attempt in range(3):
        deadline = time.monotonic() + SETTLE_SECONDS
        while RefitClaim.objects.filter(claimed_at__isnull=False).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        in_force = EngineCalibration.objects.order_by("-pk").values_list("pk", flat=True).first()
        result = _integrity_check(**kwargs)
        if EngineCalibration.objects.order_by("-pk").values_list("pk", flat=True).first() == in_force:
            break
    return result


def _integrity_check(*, answers_ok, reviews_ok, answers_unknown=(), reviews_unknown=(),
                     since: datetime | None = None) -> dict:
    """Compare the database with what the clients were told.

    `answers_ok`: (attempt id, position) of every answer that got a 2xx; `reviews_ok`: (card id, the card's
    reps before the rating) of every rating that got one; `*_unknown`: those sent without a response back.
    `since`: answers and reviews recorded before it are history the clients did not make (seeded learners),
    left out of lost/duplicated/extra; the consistency checks cover everything.

    Returns counts: lost, duplicated, extra (recorded, never acknowledged), mismatched (attempts, cards and
    rollups that differ from a recomputation), unknown_committed / unknown_rolled_back."""
    responses = Response.objects.all()
    reviews = Review.objects.all()
    if since is not None:
        responses = responses.filter(answered_at__gte=since)
        reviews = reviews.filter(reviewed_at__gte=since)
    a = _compare(Counter(responses.values_list("attempt_id", "item__position")),
                 [tuple(k) for k in answers_ok], [tuple(k) for k in answers_unknown])
    r = _compare(Counter((card, before["reps"]) for card, before in reviews.values_list("card_id", "before")),
                 [tuple(k) for k in reviews_ok], [tuple(k) for k in reviews_unknown])

    # Partial writes would show here: an attempt's counters and served items against its responses, a card's
    # review count against its log, and every rollup against a recomputation from the history.
    bad_attempts = 0
    sums = {row["attempt"]: row
            for row in Response.objects.values("attempt").annotate(n=Count("pk"), s=Sum("score"))}
    items = dict(AttemptItem.objects.values("attempt").annotate(n=Count("pk")).values_list("attempt", "n"))
    for attempt in Attempt.objects.only("pk", "answered", "score", "status"):
        row = sums.get(attempt.pk, {"n": 0, "s": 0.0})
        served = items.get(attempt.pk, 0)
        expected_served = row["n"] if attempt.status == Attempt.Status.FINISHED else row["n"] + 1
        if (attempt.answered != row["n"] or abs(attempt.score - (row["s"] or 0.0)) > 1e-6
                or served != expected_served):
            bad_attempts += 1
    logged = dict(Review.objects.values("card").annotate(n=Count("pk")).values_list("card", "n"))
    bad_cards = sum(1 for pk, reps in CardState.objects.values_list("pk", "reps") if reps != logged.get(pk, 0))
    report = progress_rebuild(fix=False)
    return {
        "answers_ok": len(set(map(tuple, answers_ok))),
        "reviews_ok": len(set(map(tuple, reviews_ok))),
        "lost": a["lost"] + r["lost"],
        "duplicated": a["duplicated"] + r["duplicated"],
        "extra": a["extra"] + r["extra"],
        "mismatched": len(report.differences) + bad_attempts + bad_cards,
        "rollup_differences": len(report.differences),
        "attempt_mismatches": bad_attempts,
        "card_mismatches": bad_cards,
        "rollup_rows": report.checked,
        "rollup_examples": [f"{d.model} {d.key} {d.field}: stored {d.stored}, expected {d.expected}"
                            for d in report.differences[:5]],
        "unknown_committed": a["unknown_committed"] + r["unknown_committed"],
        "unknown_rolled_back": a["unknown_rolled_back"] + r["unknown_rolled_back"],
    }
