"""Recomputing every rollup from the raw history (quizzes' Responses and the mastery each Attempt started
with, cards' Reviews, the engine's LearnerSkill), comparing with what is stored, and correcting any
difference in one transaction."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from quizapp.accounts.models import User
from quizapp.cards.models import Review
from quizapp.accounts.study_days import study_day
from quizapp.quizzes import adaptive
from quizapp.quizzes.models import SKILL_FIELDS, Attempt, LearnerSkill, Response, take_belief
from quizapp.quizzes.services import replayed_skills

from .models import DailyActivity, ItemStats, SectionDay, SectionProgress
from .rollups import review_facts
from .signals import rollups_rebuilt

BATCH = 5000

FIELDS = {
    SectionProgress: ("answers", "correct", "reviews", "lapses", "mastery", "mastery_peak", "state",
                      "last_activity"),
    DailyActivity: ("answers", "correct", "reviews", "recall_reviews", "recalled", "study_ms"),
    SectionDay: ("answers", "correct"),
    ItemStats: ("answers", "first_answers", "first_right", "first_score"),
}
KEYS = {
    SectionProgress: ("learner_id", "section_id"),
    DailyActivity: ("learner_id", "day"),
    SectionDay: ("learner_id", "section_id", "day"),
    ItemStats: ("question_id", "version"),
}


@dataclass
class Difference:
    model: str
    key: tuple
    field: str
    stored: object
    expected: object


@dataclass
class RebuildReport:
    checked: int = 0
    differences: list = field(default_factory=list)


def _blank(model) -> dict:
    """A row with nothing in it: what a missing row stands for."""
    row = {name: 0 for name in FIELDS[model]}
    if model is SectionProgress:
        row.update(mastery=0.0, mastery_peak=0.0, state="not_started", last_activity=None)
    if model is ItemStats:
        row.update(first_score=0.0)
    return row


def expected_rollups(replayed: dict) -> dict:
    """{model: {key tuple: {field: value}}} recomputed from the history."""
    learners = {u.pk: u for u in User.objects.only("pk", "time_zone")}
    out = {model: defaultdict(lambda m=model: _blank(m)) for model in FIELDS}
    progress, daily, section_day, items = (out[SectionProgress], out[DailyActivity], out[SectionDay], out[ItemStats])

    # The quizzes whose mastery_before sets a section's mastery_peak: those of each study day's first answer
    # in the section (as progress.rollups.on_answer_recorded does), read after this pass.
    day_openers = defaultdict(set)  # attempt id -> {(learner id, section id)}
    responses = Response.objects.values_list(
        "learner_id", "section_id", "question_id", "question_version", "correct", "score", "first_try",
        "seconds", "answered_at", "attempt_id",
    ).order_by("pk")
    for (learner_id, section_id, question_id, version, correct, score, first_try, seconds, answered_at,
         attempt_id) in responses.iterator(BATCH):
        day = study_day(learners[learner_id], answered_at).date
        row = progress[(learner_id, section_id)]
        row["answers"] += 1
        row["correct"] += correct
        row["last_activity"] = max(row["last_activity"] or answered_at, answered_at)
        d = daily[(learner_id, day)]
        d["answers"] += 1
        d["correct"] += correct
        d["study_ms"] += seconds * 1000
        s = section_day[(learner_id, section_id, day)]
        if not s["answers"]:
            day_openers[attempt_id].add((learner_id, section_id))
        s["answers"] += 1
        s["correct"] += correct
        i = items[(question_id, version)]
        i["answers"] += 1
        i["first_answers"] += first_try
        i["first_right"] += first_try and correct
        i["first_score"] += score if first_try else 0.0

    reviews = Review.objects.select_related("card__flashcard").only(
        "learner_id", "rating", "reviewed_at", "duration_ms", "state_before", "card__flashcard__section_id"
    ).order_by("pk")
    for review in reviews.iterator(BATCH):
        facts = review_facts(review, learners[review.learner_id], review.card.flashcard.section_id)
        row = progress[(facts.learner_id, facts.section_id)]
        row["reviews"] += 1
        row["lapses"] += facts.lapse
        row["last_activity"] = max(row["last_activity"] or review.reviewed_at, review.reviewed_at)
        d = daily[(facts.learner_id, facts.day)]
        d["reviews"] += 1
        d["recall_reviews"] += facts.recall
        d["recalled"] += facts.recalled
        d["study_ms"] += facts.study_ms

    ids = sorted(day_openers)
    for start in range(0, len(ids), BATCH):
        for attempt_id, brought in Attempt.objects.filter(pk__in=ids[start:start + BATCH]).values_list(
                "pk", "mastery_before"):
            for learner_id, section_id in day_openers[attempt_id]:
                value = brought.get(str(section_id))
                row = progress[(learner_id, section_id)]
                if value is not None and value > row["mastery_peak"]:
                    row["mastery_peak"] = value

    for (learner_id, section_id), r in replayed.items():
        progress[(learner_id, section_id)].update(mastery=r.mastery.estimate, state=r.mastery.state)
    return out


def _check_skills(report: RebuildReport, fix: bool, replayed: dict) -> None:
    """The engine's beliefs (LearnerSkill) against a replay of every recorded answer under the calibration
    in force: answers, right answers, estimate and call."""
    wanted = dict(replayed)
    for skill in LearnerSkill.objects.all().iterator(BATCH):
        key = (skill.learner_id, skill.section_id)
        r = wanted.pop(key, None)
        want = (r.belief.answers, r.belief.right, r.mastery.estimate, r.mastery.state) if r else (
            0, 0, 0.0, adaptive.NOT_STARTED)
        have = (skill.answers, skill.right, skill.mastery, skill.state)
        report.checked += 1
        diffs = [Difference("LearnerSkill", key, name, h, w)
                 for name, h, w in zip(("answers", "right", "mastery", "state"), have, want) if not same(h, w)]
        if diffs:
            report.differences += diffs
            if fix and r:
                take_belief(skill, r.belief, r.mastery)
                skill.save(update_fields=SKILL_FIELDS)
    for key, r in wanted.items():  # answers whose skill row is missing
        report.checked += 1
        report.differences.append(Difference("LearnerSkill", key, "answers", 0, r.belief.answers))
        if fix:
            skill = LearnerSkill(learner_id=key[0], section_id=key[1])
            take_belief(skill, r.belief, r.mastery)
            skill.save()


def _stored(model) -> dict:
    names = KEYS[model] + FIELDS[model]
    return {tuple(values[: len(KEYS[model])]): dict(zip(FIELDS[model], values[len(KEYS[model]):]))
            for values in model.objects.values_list(*names).iterator(BATCH)}


def same(a, b) -> bool:
    """Equal, for rollup values; floats within rounding (sums of many F() additions drift in the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        return abs((a or 0) - (b or 0)) <= 1e-9 * max(1.0, abs(a or 0), abs(b or 0))
    return a == b


@transaction.atomic
def progress_rebuild(*, fix: bool = True) -> RebuildReport:
    report = RebuildReport()
    replayed = replayed_skills()  # every learner's answers replayed once, for both checks
    _check_skills(report, fix, replayed)
    expected = expected_rollups(replayed)
    for model in FIELDS:
        stored = _stored(model)
        wanted = expected[model]
        for key in stored.keys() | wanted.keys():
            have, want = stored.get(key, _blank(model)), wanted.get(key, _blank(model))
            report.checked += 1
            diffs = [Difference(model.__name__, key, name, have.get(name), want.get(name))
                     for name in FIELDS[model] if not same(have.get(name), want.get(name))]
            if not diffs:
                continue
            report.differences += diffs
            if fix:
                values = {name: want.get(name) for name in FIELDS[model]}
                model.objects.update_or_create(**dict(zip(KEYS[model], key)), defaults=values)
    rollups_rebuilt.send(sender=RebuildReport, report=report, fix=fix)
    return report
