"""The class totals (`SectionTotal`) behind the grid's column figures stay equal to a recomputation from
the members' section rollups through answers, joins, departures and deleted accounts."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.classes import services
from quizapp.classes.grid import class_grid
from quizapp.classes.models import Membership, SectionTotal
from quizapp.classes.rollups import expected_totals, on_membership_deleted
from quizapp.progress.models import SectionProgress
from quizapp.progress.rebuild import progress_rebuild
from tests.factories import ClassroomFactory, UserFactory
from tests.progress.helpers import answer_next


def stored_totals():
    return {(t.classroom_id, t.section_id): (t.mastery_sum, t.mastered) for t in SectionTotal.objects.all()
            if t.mastery_sum or t.mastered}


def assert_totals_in_step():
    expected = expected_totals()
    stored = stored_totals()
    assert stored.keys() <= expected.keys() | {k for k, v in stored.items() if abs(v[0]) < 1e-9 and not v[1]}
    for key, (mastery, mastered) in expected.items():
        have = stored.get(key, (0.0, 0))
        assert have[0] == pytest.approx(mastery, abs=1e-9) and have[1] == mastered, key


def test_answers_move_the_totals_of_every_class_the_learner_is_in(starter_bank, learner, teacher):
    first, second = ClassroomFactory(teacher=teacher), ClassroomFactory(teacher=teacher)
    services.classroom_join(learner=learner, code=first.join_code)
    services.classroom_join(learner=learner, code=second.join_code)
    for _ in range(6):
        answer_next(learner, right=True)
    section_ids = set(SectionProgress.objects.filter(learner=learner).values_list("section_id", flat=True))
    for classroom in (first, second):
        for section_id in section_ids:
            progress = SectionProgress.objects.get(learner=learner, section_id=section_id)
            total = SectionTotal.objects.get(classroom=classroom, section_id=section_id)
            assert total.mastery_sum == pytest.approx(progress.mastery)
            assert total.mastered == (progress.state == "mastered")
    assert_totals_in_step()


def test_the_grid_columns_follow_joins_and_departures(starter_bank, learner, other_learner, teacher):
    for _ in range(5):
        answer_next(learner, right=True)  # before joining: the join brings this progress with it
    classroom = ClassroomFactory(teacher=teacher)
    services.classroom_join(learner=learner, code=classroom.join_code)
    services.classroom_join(learner=other_learner, code=classroom.join_code)
    progress = SectionProgress.objects.filter(learner=learner).order_by("-mastery").first()
    column = next(c for c in class_grid(classroom).columns if c.section.pk == progress.section_id)
    # Two members, one with progress: the mean is over the one who started, and says so.
    assert column.mean == pytest.approx(progress.mastery) and column.started == 1
    services.classroom_leave(classroom=classroom, learner=learner)
    column = next(c for c in class_grid(classroom).columns if c.section.pk == progress.section_id)
    assert column.mean == 0 and column.mastered == 0 and column.started == 0
    assert_totals_in_step()


def test_a_deleted_account_leaves_its_classes_totals(starter_bank, learner, teacher):
    classroom = ClassroomFactory(teacher=teacher)
    services.classroom_join(learner=learner, code=classroom.join_code)
    for _ in range(4):
        answer_next(learner, right=True)
    assert stored_totals()
    learner.delete()
    assert all(abs(m) < 1e-9 and n == 0 for m, n in SectionTotal.objects.values_list("mastery_sum", "mastered"))


def test_deleting_a_class_leaves_the_other_classes_totals(starter_bank, learner, teacher, django_assert_max_num_queries):
    kept, dropped = ClassroomFactory(teacher=teacher), ClassroomFactory(teacher=teacher)
    for classroom in (kept, dropped):
        services.classroom_join(learner=learner, code=classroom.join_code)
    for _ in range(4):
        answer_next(learner, right=True)
    # No per-member recount for a class that is going away; the sixth query deletes its assignments, the seventh
    # its tie to an LMS course (lti.CourseClass), if any.
    with django_assert_max_num_queries(7):
        dropped.delete()
    assert not SectionTotal.objects.filter(classroom_id=dropped.pk).exists()
    assert_totals_in_step()
    assert stored_totals()


def test_a_membership_edited_in_place_moves_its_totals(starter_bank, learner, other_learner, teacher):
    first, second = ClassroomFactory(teacher=teacher), ClassroomFactory(teacher=teacher)
    for who in (learner, other_learner):
        for _ in range(3):
            answer_next(who, right=True)
    membership = Membership.objects.create(classroom=first, learner=learner)
    membership.learner = other_learner  # as the admin's inline can do
    membership.save()
    assert_totals_in_step()
    membership.classroom = second
    membership.save()
    assert_totals_in_step()
    assert not [key for key in stored_totals() if key[0] == first.pk]  # nothing left where no one is


def test_a_second_removal_of_the_same_membership_subtracts_nothing(starter_bank, learner, teacher):
    """Two requests removing one membership both find it before either deletes it (a double click, or the
    teacher removing while the learner leaves): the second's pre_delete must not subtract again."""
    classroom = ClassroomFactory(teacher=teacher)
    services.classroom_join(learner=learner, code=classroom.join_code)
    for _ in range(4):
        answer_next(learner, right=True)
    seen_by_second_request = Membership.objects.get(classroom=classroom, learner=learner)
    services.membership_remove(classroom=classroom, learner_id=learner.pk)
    on_membership_deleted(sender=Membership, instance=seen_by_second_request, origin=seen_by_second_request)
    assert_totals_in_step()
    assert all(abs(m) < 1e-9 and n == 0 for m, n in SectionTotal.objects.values_list("mastery_sum", "mastered"))


def test_rebuild_reports_and_corrects_a_tampered_class_total(starter_bank, learner, teacher):
    classroom = ClassroomFactory(teacher=teacher)
    services.classroom_join(learner=learner, code=classroom.join_code)
    answer_next(learner, right=True)
    assert progress_rebuild(fix=False).differences == []
    SectionTotal.objects.filter(classroom=classroom).update(mastered=7)
    out = StringIO()
    call_command("rebuild_progress", stdout=out)
    assert "SectionTotal" in out.getvalue() and "mastered stored 7, history says 0" in out.getvalue()
    assert progress_rebuild(fix=False).differences == []


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.booleans()),
        st.tuples(st.sampled_from(["join", "leave"]), st.integers(min_value=0, max_value=1)),
    ),
    min_size=1, max_size=20,
)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_class_totals_equal_a_recomputation(starter_bank, learner, teacher, actions):
    with transaction.atomic():
        classes = [ClassroomFactory(teacher=teacher), ClassroomFactory(teacher=teacher)]
        classmate = UserFactory()
        Membership.objects.create(classroom=classes[0], learner=classmate)
        for action, value in actions:
            if action == "answer":
                answer_next(learner, right=value)
                answer_next(classmate, right=not value)
            elif action == "join":
                services.classroom_join(learner=learner, code=classes[value].join_code)
            else:
                services.classroom_leave(classroom=classes[value], learner=learner)
        assert_totals_in_step()
        assert progress_rebuild(fix=False).differences == []
        transaction.set_rollback(True)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs real parallel writers: SQLite runs one writing transaction at a time")
@pytest.mark.django_db(transaction=True)
def test_parallel_answers_joins_and_departures_keep_the_totals(starter_bank, teacher):
    """Classmates answer at the same time while others join or leave mid-quiz: every change lands once."""
    classroom = ClassroomFactory(teacher=teacher)
    members = [UserFactory() for _ in range(4)]
    for learner in members:
        services.classroom_join(learner=learner, code=classroom.join_code)
    joiner, leaver = UserFactory(), members[0]
    barrier = threading.Barrier(len(members) + 1, timeout=30)
    errors = []

    def work(learner):
        try:
            barrier.wait()
            for n in range(6):
                answer_next(learner, right=n % 3 != 0)
                if learner == joiner and n == 2:
                    services.classroom_join(learner=joiner, code=classroom.join_code)
                if learner == leaver and n == 3:
                    services.classroom_leave(classroom=classroom, learner=leaver)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(learner,)) for learner in [*members, joiner]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert Membership.objects.filter(classroom=classroom).count() == 4  # 4 - leaver + joiner
    assert_totals_in_step()
    assert progress_rebuild(fix=False).differences == []
