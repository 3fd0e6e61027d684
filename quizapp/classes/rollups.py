"""Keeping each class's per-section totals (`SectionTotal`) in step with its members' mastery, inside the
transaction of the change: an answer that moves a member's mastery in a section, a learner joining, a
membership ending (leaving, removal, a deleted account or class).

Races between an answer and a join or departure of the same learner are closed by locking the learner's
user row first in both (PostgreSQL; SQLite runs one writing transaction at a time anyway): whichever runs
second sees what the first committed, so a mastery change is counted in a class exactly when the learner
was a member at that moment."""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F, QuerySet

from quizapp.accounts.models import User
from quizapp.progress.models import SectionProgress
from quizapp.quizzes.models import MasteryState

from .models import Classroom, Membership, SectionTotal


def _lock_learner(learner_id: int) -> None:
    if connection.features.has_select_for_update:
        list(User.objects.select_for_update().filter(pk=learner_id).values_list("pk"))


def _apply(classroom_ids, changes: dict) -> None:
    """Add `changes` ({section_id: (mastery delta, mastered delta)}) to those classes' totals.

    Missing rows are created first (zeros; a concurrent creator's row is kept: ignore_conflicts), then
    each section's figures change with one F() update, so no change is lost to a race on the first
    figure. Sections and classes go in ascending order: two transactions lock rows in the same order."""
    changes = {s: c for s, c in sorted(changes.items()) if c[0] or c[1]}
    if not changes:
        return
    classroom_ids = sorted(classroom_ids)
    SectionTotal.objects.bulk_create(
        [SectionTotal(classroom_id=c, section_id=s) for s in changes for c in classroom_ids], ignore_conflicts=True)
    for section_id, (mastery, mastered) in changes.items():
        SectionTotal.objects.filter(classroom_id__in=classroom_ids, section_id=section_id).update(
            mastery_sum=F("mastery_sum") + mastery, mastered=F("mastered") + mastered)


def on_answer_recorded(sender, response, skill, mastery_before: float, state_before: str, **kwargs):
    mastered = int(skill.state == MasteryState.MASTERED) - int(state_before == MasteryState.MASTERED)
    delta = skill.mastery - mastery_before
    if not delta and not mastered:
        return
    _lock_learner(response.learner_id)
    _add_to_learners_classes(response.learner_id, response.section_id, delta, mastered)


def _add_to_learners_classes(learner_id: int, section_id: int, mastery: float, mastered: int) -> None:
    """Add the changes to the section's totals in every class the learner is in, creating missing rows: one
    statement, which for a learner in no class (most answers) changes nothing. A new row starts from the
    change (a member's first answer in a section, so not negative; `mastered` is kept at 0 or more for the
    row's check, which a consistent total never needs); classes in ascending order, as in `_apply`."""
    quote = connection.ops.quote_name
    totals, members = SectionTotal._meta, Membership._meta
    table = quote(totals.db_table)

    def column(meta, name):
        return quote(meta.get_field(name).column)

    sums = ", ".join(f"{column(totals, n)} = {table}.{column(totals, n)} + %s" for n in ("mastery_sum", "mastered"))
    sql = (f"INSERT INTO {table} ({column(totals, 'classroom')}, {column(totals, 'section')}, "
           f"{column(totals, 'mastery_sum')}, {column(totals, 'mastered')}) "
           f"SELECT {column(members, 'classroom')}, %s, %s, %s FROM {quote(members.db_table)} "
           f"WHERE {column(members, 'learner')} = %s ORDER BY {column(members, 'classroom')} "
           f"ON CONFLICT ({column(totals, 'classroom')}, {column(totals, 'section')}) DO UPDATE SET {sums}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [section_id, mastery, max(0, mastered), learner_id, mastery, mastered])


def _count_member(classroom_id: int, learner_id: int, sign: int) -> None:
    """Add (+1) or take away (-1) everything the learner's section rollups hold, in one class's totals.
    Runs in its caller's transaction (the services, the admin, a cascading delete), so the totals commit or
    roll back with the membership; atomic() only groups the lock and the updates."""
    with transaction.atomic():
        _lock_learner(learner_id)
        if sign < 0 and not Membership.objects.filter(classroom_id=classroom_id, learner_id=learner_id).exists():
            # Two removals of the same membership at once (a double click, the teacher removing while the
            # learner leaves) both found it before either deleted it: only the first subtracts.
            return
        rows = (SectionProgress.objects.filter(learner_id=learner_id).order_by("section_id")
                .values_list("section_id", "mastery", "state"))
        _apply([classroom_id], {section_id: (sign * mastery, sign * int(state == MasteryState.MASTERED))
                                for section_id, mastery, state in rows})


def on_membership_changing(sender, instance: Membership, raw: bool = False, **kwargs):
    """A membership edited in place (the admin's inline can change its learner or class) first leaves the
    class it was; post_save then adds it where it is now."""
    if raw or instance.pk is None:
        return
    before = Membership.objects.filter(pk=instance.pk).values_list("classroom_id", "learner_id").first()
    if before and before != (instance.classroom_id, instance.learner_id):
        _count_member(*before, -1)
        instance._moved = True


def on_membership_saved(sender, instance: Membership, created: bool, raw: bool = False, **kwargs):
    if (created or getattr(instance, "_moved", False)) and not raw:
        instance._moved = False
        _count_member(instance.classroom_id, instance.learner_id, +1)


def on_membership_deleted(sender, instance: Membership, origin=None, **kwargs):
    deleting = origin.model if isinstance(origin, QuerySet) else type(origin)
    if deleting is Classroom:  # the class goes, and its totals with it: nothing to subtract
        return
    _count_member(instance.classroom_id, instance.learner_id, -1)


def expected_totals() -> dict:
    """{(classroom_id, section_id): (mastery_sum, mastered)} recomputed from memberships and the learners'
    section rollups (two passes, one per table)."""
    classes_of = defaultdict(list)
    for classroom_id, learner_id in Membership.objects.values_list("classroom_id", "learner_id").iterator(5000):
        classes_of[learner_id].append(classroom_id)
    totals = defaultdict(lambda: [0.0, 0])
    rows = (SectionProgress.objects.filter(learner_id__in=Membership.objects.values("learner_id"))
            .values_list("learner_id", "section_id", "mastery", "state"))
    for learner_id, section_id, mastery, state in rows.iterator(5000):
        for classroom_id in classes_of[learner_id]:
            total = totals[(classroom_id, section_id)]
            total[0] += mastery
            total[1] += state == MasteryState.MASTERED
    return {key: tuple(value) for key, value in totals.items()}


def on_mastery_recomputed(sender, **kwargs):
    """Every learner's mastery was recomputed (a recalibration of the engine): correct the class totals
    that now differ, as `rebuild_progress` does."""
    from quizapp.progress.rebuild import RebuildReport

    on_rollups_rebuilt(sender, report=RebuildReport(), fix=True)


def on_rollups_rebuilt(sender, report, fix: bool, **kwargs):
    """`rebuild_progress` checks (and corrects) the class totals after the learners' rollups."""
    from quizapp.progress.rebuild import Difference, same

    expected = expected_totals()
    stored = {(c, s): (m, n) for c, s, m, n in SectionTotal.objects.values_list(
        "classroom_id", "section_id", "mastery_sum", "mastered")}
    for key in stored.keys() | expected.keys():
        have, want = stored.get(key, (0.0, 0)), expected.get(key, (0.0, 0))
        report.checked += 1
        diffs = [Difference("SectionTotal", key, name, h, w)
                 for name, h, w in zip(("mastery_sum", "mastered"), have, want) if not same(h, w)]
        if diffs:
            report.differences += diffs
            if fix:
                SectionTotal.objects.update_or_create(classroom_id=key[0], section_id=key[1],
                                                      defaults={"mastery_sum": want[0], "mastered": want[1]})
