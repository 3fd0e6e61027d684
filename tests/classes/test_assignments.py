"""Class assignments (issue 20 item 1): done is computed from recorded answers and reviews, in the class's time
zone, and editing or deleting an assignment never touches a learner's work."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from quizapp.cards import services as cards
from quizapp.cards.models import Review
from quizapp.catalog.models import Flashcard, Section
from quizapp.classes import services
from quizapp.classes.assignments import (DONE, IN_PROGRESS, LATE, MISSED, NOT_STARTED, UPCOMING, assignments_due,
                                         completions, status_of)
from quizapp.classes.models import Assignment, Membership
from quizapp.quizzes.models import Attempt, Response
from tests.factories import ClassroomFactory, UserFactory
from tests.progress.helpers import moment, practise

OPENS = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 on Monday in Shanghai
DUE = datetime(2026, 3, 6, 15, 59, tzinfo=UTC)  # 23:59 on Friday in Shanghai


@pytest.fixture
def classroom(teacher):
    return ClassroomFactory(teacher=teacher, name="周五 AI 班", time_zone="Asia/Shanghai")


def join(classroom, *learners):
    for learner in learners:
        Membership.objects.create(classroom=classroom, learner=learner)


def assign(classroom, keys, *, kind="quiz", questions=4, opens=OPENS, due=DUE):
    assignment, _created = services.assignment_create(
        classroom=classroom, kind=kind, sections=list(Section.objects.filter(key__in=keys)),
        questions=questions if kind == "quiz" else None, opens_at=opens, due_at=due)
    return Assignment.objects.prefetch_related("sections").get(pk=assignment.pk)


def status(assignment, learner, now):
    return completions([assignment], [learner.pk], now=now)[(assignment.pk, learner.pk)]


# --- the status, at its edges ------------------------------------------------------------------------------

def test_done_exactly_at_the_due_time_is_on_time_and_a_second_later_is_late():
    kw = {"opens_at": OPENS, "due_at": DUE, "started": True}
    assert status_of(now=DUE + timedelta(days=1), done_at=DUE, **kw) == DONE
    assert status_of(now=DUE + timedelta(days=1), done_at=DUE + timedelta(seconds=1), **kw) == LATE


def test_not_done_is_missed_only_once_the_due_time_has_passed():
    kw = {"opens_at": OPENS, "due_at": DUE, "done_at": None}
    assert status_of(now=DUE, started=True, **kw) == IN_PROGRESS
    assert status_of(now=DUE, started=False, **kw) == NOT_STARTED
    assert status_of(now=DUE + timedelta(seconds=1), started=True, **kw) == MISSED
    assert status_of(now=OPENS - timedelta(seconds=1), started=False, **kw) == UPCOMING


# --- quiz of N questions ---------------------------------------------------------------------------------

def test_a_finished_quiz_of_n_answers_in_the_sections_after_opening_is_done(classroom, learner, starter_bank):
    join(classroom, learner)
    assignment = assign(classroom, ["history"], questions=4)
    practise(learner, "history", [True, False, True, True], at=OPENS + timedelta(days=1))
    done = status(assignment, learner, now=OPENS + timedelta(days=2))
    assert (done.status, done.count, done.needed) == (DONE, 4, 4)


def test_a_quiz_from_before_the_open_time_does_not_count(classroom, learner, starter_bank):
    join(classroom, learner)
    assignment = assign(classroom, ["history"], questions=4)
    practise(learner, "history", [True] * 4, at=OPENS - timedelta(hours=1))
    assert status(assignment, learner, now=OPENS + timedelta(hours=1)).status == NOT_STARTED


def test_a_quiz_left_unfinished_is_in_progress_not_done(classroom, learner, starter_bank):
    join(classroom, learner)
    assignment = assign(classroom, ["history"], questions=4)
    practise(learner, "history", [True, True], at=OPENS + timedelta(hours=1))  # 2 of its 4 questions
    assert status(assignment, learner, now=OPENS + timedelta(hours=3)).status == IN_PROGRESS
    assert status(assignment, learner, now=DUE + timedelta(minutes=1)).status == MISSED


def test_the_due_edge_is_the_class_time_zones_midnight_not_utcs(classroom, learner, other_learner, starter_bank):
    """Due 23:59 on Friday in Shanghai is 15:59 UTC: a quiz finished at 23:58 there is on time, and one
    finished at 00:30 on Saturday there (16:30 UTC, still Friday in UTC) is late."""
    join(classroom, learner, other_learner)
    assignment = assign(classroom, ["history"], questions=4)
    practise(learner, "history", [True] * 4, at=DUE - timedelta(minutes=5))  # finished 23:58 in Shanghai
    practise(other_learner, "history", [True] * 4, at=DUE + timedelta(minutes=27))  # 00:30 on Saturday there
    done = completions([assignment], [learner.pk, other_learner.pk], now=DUE + timedelta(days=1))
    assert done[(assignment.pk, learner.pk)].status == DONE
    assert done[(assignment.pk, other_learner.pk)].status == LATE


# --- reach mastery, flashcard deck -------------------------------------------------------------------------

def test_mastery_is_done_when_every_assigned_leaf_is_mastered(classroom, learner, starter_bank):
    join(classroom, learner)
    assignment = assign(classroom, ["tuning", "history"], kind="mastery")  # a part (its two leaves) and a leaf
    practise(learner, "history", [True, True], at=OPENS + timedelta(hours=1))
    halfway = status(assignment, learner, now=OPENS + timedelta(hours=2))
    assert (halfway.status, halfway.count, halfway.needed) == (IN_PROGRESS, 0, 3)
    assignment = assign(classroom, ["history"], kind="mastery")
    practise(learner, "history", [True, True, True], at=DUE + timedelta(hours=1))  # mastered after the due time
    late = status(assignment, learner, now=DUE + timedelta(hours=2))
    assert (late.status, late.count, late.needed) == (LATE, 1, 1) and late.done_at > DUE


def test_mastery_reached_on_time_stays_on_time_when_practised_after_the_due_time(classroom, learner, starter_bank):
    join(classroom, learner)
    assignment = assign(classroom, ["history"], kind="mastery")
    practise(learner, "history", [True, True, True], at=OPENS + timedelta(hours=1))
    assert status(assignment, learner, now=OPENS + timedelta(hours=2)).status == DONE
    practise(learner, "history", [True], at=DUE + timedelta(days=1))  # still mastered: the time it was reached stands
    assert status(assignment, learner, now=DUE + timedelta(days=2)).status == DONE


def test_a_deck_is_done_when_every_card_was_reviewed_since_it_opened(classroom, learner, starter_bank):
    join(classroom, learner)
    assignment = assign(classroom, ["history"], kind="deck")
    first, second = Flashcard.objects.filter(section__key="history").order_by("key")
    cards.review_record(card=cards.card_start(learner=learner, flashcard=first), rating=3, expected_reps=0,
                        now=OPENS - timedelta(days=1))  # before it opened: does not count
    progress = status(assignment, learner, now=OPENS + timedelta(hours=1))
    assert (progress.status, progress.count, progress.needed) == (NOT_STARTED, 0, 2)
    assert progress.next_section.key == "history"
    card = cards.card_start(learner=learner, flashcard=second)
    cards.review_record(card=card, rating=3, expected_reps=0, now=OPENS + timedelta(hours=2))
    assert status(assignment, learner, now=OPENS + timedelta(hours=3)).status == IN_PROGRESS
    card = cards.card_start(learner=learner, flashcard=first)
    cards.review_record(card=card, rating=3, expected_reps=card.reps, now=OPENS + timedelta(days=3))
    done = status(assignment, learner, now=OPENS + timedelta(days=3, hours=1))
    assert (done.status, done.count, done.done_at) == (DONE, 2, OPENS + timedelta(days=3))


# --- editing and deleting keep the learners' work ----------------------------------------------------------

def test_editing_recomputes_done_and_deleting_removes_only_the_assignment(classroom, learner, starter_bank):
    join(classroom, learner)
    assignment = assign(classroom, ["history"], questions=4)
    practise(learner, "history", [True] * 4, at=OPENS + timedelta(hours=1))
    card = cards.card_start(learner=learner, flashcard=Flashcard.objects.filter(section__key="history").first())
    cards.review_record(card=card, rating=3, expected_reps=0, now=OPENS + timedelta(hours=2))
    work = (Response.objects.count(), Attempt.objects.count(), Review.objects.count())
    assert status(assignment, learner, now=OPENS + timedelta(days=1)).status == DONE

    services.assignment_update(assignment=assignment, kind="quiz", sections=list(assignment.sections.all()),
                               questions=10, opens_at=OPENS, due_at=DUE)
    again = status(assignment, learner, now=OPENS + timedelta(days=1))
    assert (again.status, again.count) == (IN_PROGRESS, 4)  # the same 4 answers, now of 10
    services.assignment_update(assignment=assignment, kind="quiz", sections=list(assignment.sections.all()),
                               questions=3, opens_at=OPENS, due_at=DUE)
    assert status(assignment, learner, now=OPENS + timedelta(days=1)).status == DONE

    assert services.assignment_delete(classroom=classroom, assignment_id=assignment.pk) is True
    assert services.assignment_delete(classroom=classroom, assignment_id=assignment.pk) is False  # twice: harmless
    assert (Response.objects.count(), Attempt.objects.count(), Review.objects.count()) == work


def test_the_same_form_sent_twice_sets_one_assignment(classroom, starter_bank):
    kw = {"classroom": classroom, "kind": "mastery", "sections": list(Section.objects.filter(key="lora")),
          "questions": None, "opens_at": OPENS, "due_at": DUE, "form_key": "a" * 32}
    first, created = services.assignment_create(**kw)
    second, created_again = services.assignment_create(**kw)
    assert created and not created_again and first.pk == second.pk
    assert classroom.assignments.count() == 1


# --- views: the teacher's ------------------------------------------------------------------------------------

def form_data(**overrides):
    data = {"kind": "quiz", "sections": [str(Section.objects.get(key="history").pk)], "questions": "4",
            "opens_at": "2026-03-02T08:00", "due_at": "2026-03-06T23:59", "form_key": "b" * 32}
    data.update(overrides)
    return data


def test_a_teacher_sets_an_assignment_in_the_class_time_zone_and_a_double_submit_sets_one(
        client, teacher, classroom, starter_bank):
    client.force_login(teacher)
    url = reverse("classes:assignment_create", args=[classroom.pk])
    assert client.get(url).status_code == 200
    first = client.post(url, form_data())
    second = client.post(url, form_data())
    assert first.status_code == second.status_code == 302
    assignment = classroom.assignments.get()
    assert (assignment.opens_at, assignment.due_at) == (OPENS, DUE)  # typed in Shanghai, stored in UTC
    html = client.get(classroom.get_absolute_url()).content.decode()
    assert 'data-testid="assignment"' in html and "Asia/Shanghai" in html


@pytest.mark.parametrize("overrides, field_error", [
    ({"due_at": "2026-03-02T07:00"}, "due_at"),
    ({"questions": "0"}, "questions"),
    ({"questions": "51"}, "questions"),
    ({"sections": []}, "sections"),
])
def test_the_assignment_form_refuses_what_cannot_be_done(client, teacher, classroom, starter_bank, overrides,
                                                         field_error):
    client.force_login(teacher)
    response = client.post(reverse("classes:assignment_create", args=[classroom.pk]), form_data(**overrides))
    assert response.status_code == 400 and field_error in response.context["form"].errors
    assert not classroom.assignments.exists()


def test_another_teachers_class_and_its_assignments_are_404(client, classroom, starter_bank):
    assignment = assign(classroom, ["history"])
    stranger = UserFactory(username="other-teacher")
    from quizapp.accounts.roles import teacher_role_grant
    teacher_role_grant(stranger)
    client.force_login(stranger)
    mine = ClassroomFactory(teacher=stranger)
    for url in (reverse("classes:assignment_create", args=[classroom.pk]),
                reverse("classes:assignment", args=[classroom.pk, assignment.pk]),
                reverse("classes:assignment_edit", args=[classroom.pk, assignment.pk]),
                reverse("classes:assignment", args=[mine.pk, assignment.pk])):  # my class, their assignment
        assert client.get(url).status_code == 404
    assert client.post(reverse("classes:assignment_delete", args=[classroom.pk, assignment.pk])).status_code == 404
    assert client.post(reverse("classes:assignment_delete", args=[mine.pk, assignment.pk])).status_code == 404
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_deleting_is_post_only_and_twice_is_harmless(client, teacher, classroom, starter_bank):
    assignment = assign(classroom, ["history"])
    client.force_login(teacher)
    url = reverse("classes:assignment_delete", args=[classroom.pk, assignment.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302 and client.post(url).status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_the_edit_form_shows_the_times_in_the_class_time_zone(client, teacher, classroom, starter_bank):
    assignment = assign(classroom, ["history"])
    client.force_login(teacher)
    html = client.get(reverse("classes:assignment_edit", args=[classroom.pk, assignment.pk])).content.decode()
    assert 'name="opens_at" value="2026-03-02T08:00"' in html and 'name="due_at" value="2026-03-06T23:59"' in html


def test_editing_from_a_stale_form_twice_gives_the_same_assignment(client, teacher, classroom, starter_bank):
    assignment = assign(classroom, ["history"])
    client.force_login(teacher)
    url = reverse("classes:assignment_edit", args=[classroom.pk, assignment.pk])
    for _ in range(2):
        assert client.post(url, form_data(questions="7")).status_code == 302
    assignment.refresh_from_db()
    assert assignment.questions == 7 and Assignment.objects.count() == 1


def test_the_completion_page_grid_and_csv_mark_each_learner(client, teacher, classroom, learner, other_learner,
                                                            starter_bank, django_assert_max_num_queries):
    join(classroom, learner, other_learner)
    now = datetime.now(UTC)
    quiz = assign(classroom, ["history"], questions=4, opens=now - timedelta(days=1), due=now + timedelta(days=1))
    assign(classroom, ["tuning"], kind="mastery", opens=now - timedelta(days=1), due=now + timedelta(days=1))
    assign(classroom, ["history"], kind="deck", opens=now - timedelta(days=1), due=now + timedelta(days=1))
    practise(learner, "history", [True] * 4, at=now - timedelta(hours=1))
    client.force_login(teacher)

    page = client.get(reverse("classes:assignment", args=[classroom.pk, quiz.pk])).content.decode()
    statuses = dict(re.findall(r'data-learner="(\w+)" data-status="(\w+)"', page))
    assert statuses == {learner.username: DONE, other_learner.username: NOT_STARTED}

    client.get(classroom.get_absolute_url())
    # The grid's 14 (test_grid), and the assignments: theirs, sections, members, leaves, answers, rollups,
    # mastered-since, cards, reviews: 23, whatever the history.
    with django_assert_max_num_queries(23):
        html = client.get(classroom.get_absolute_url()).content.decode()
    assert html.count('data-testid="assignment-col"') == 3
    assert html.count('data-testid="assignment-done-count"') == 3  # each column's own footer cell
    row = re.search(rf'{learner.username}</a>.*?</tr>', html, re.S).group(0)
    assert re.findall(r'data-testid="assignment-cell" data-status="(\w+)"', row)[0] == DONE

    raw = client.get(reverse("classes:grid_csv", args=[classroom.pk])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    column = next(i for i, name in enumerate(rows[0]) if name.startswith("作业 1") or name.startswith("Assignment 1"))
    by_learner = {r[0]: r[column] for r in rows[1:]}
    assert by_learner == {learner.username: DONE, other_learner.username: NOT_STARTED}


# --- the learner's side ------------------------------------------------------------------------------------

def test_today_lists_open_assignments_and_starts_one_in_one_click(client, classroom, learner, starter_bank):
    join(classroom, learner)
    now = datetime.now(UTC)
    assign(classroom, ["tuning"], questions=3, opens=now - timedelta(hours=1), due=now + timedelta(days=2))
    assign(classroom, ["history"], questions=3, opens=now + timedelta(days=1), due=now + timedelta(days=2))
    client.force_login(learner)
    html = client.get("/").content.decode()
    box = re.search(r'data-testid="assignments-due".*?</section>', html, re.S).group(0)
    assert box.count('data-testid="my-assignment"') == 1  # the other is not open yet
    form = re.search(r'(<form[^>]*quiz[^>]*>.*?</form>)', box, re.S).group(1)
    fields = re.findall(r'name="(\w+)" value="([^"]*)"', form)
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    assert sorted(data["sections"]) == ["lora", "parallel"] and data["length"] == ["5"]  # 3 wanted; a quiz is 5+
    for _ in range(2):  # a double click starts one quiz
        response = client.post(reverse("quizzes:start"), data)
    attempt = Attempt.objects.get(learner=learner)
    assert response["Location"] == attempt.get_absolute_url()
    assert sorted(s.key for s in attempt.sections.all()) == ["lora", "parallel"]
    assert 'data-status="in_progress"' not in client.get("/").content.decode()  # nothing answered yet


def test_the_learners_class_list_shows_each_assignment_with_its_status(client, classroom, learner, starter_bank):
    join(classroom, learner)
    now = datetime.now(UTC)
    assign(classroom, ["history"], questions=4, opens=now - timedelta(days=3), due=now - timedelta(days=1))
    client.force_login(learner)
    html = client.get(reverse("classes:list")).content.decode()
    assert re.search(r'data-testid="my-assignment" data-status="missed"', html)


def test_today_keeps_to_its_budget_with_assignments(client, classroom, learner, starter_bank,
                                                    django_assert_max_num_queries):
    join(classroom, learner, *[UserFactory() for _ in range(5)])
    other = ClassroomFactory()
    join(other, learner)
    now = datetime.now(UTC)
    for room in (classroom, other):
        for kind in ("quiz", "mastery", "deck"):
            assign(room, ["history", "tuning"], kind=kind, opens=now - timedelta(days=1), due=now + timedelta(days=1))
    for day in range(3):
        practise(learner, "history", [True, False, True, True], at=now - timedelta(hours=20 - day))
    client.force_login(learner)
    client.get("/")
    # 14 without assignments (test_today), and: assignments, their sections, leaves, answers, rollups,
    # mastered-since, cards, reviews: 22, whatever the number of classes, assignments or answers.
    with django_assert_max_num_queries(22):
        html = client.get("/").content.decode()
    assert html.count('data-testid="my-assignment"') == 6
    assert len(assignments_due(learner)) == 6


def test_a_class_takes_its_time_zone_from_a_list_and_keeps_it_when_a_form_leaves_it_out(client, teacher,
                                                                                     starter_bank):
    client.force_login(teacher)
    assert 'name="time_zone"' in client.get(reverse("classes:create")).content.decode()
    client.post(reverse("classes:create"), {"name": "东八区班", "time_zone": "Asia/Shanghai"})
    classroom = teacher.classes_taught.get()
    assert classroom.time_zone == "Asia/Shanghai"
    client.post(reverse("classes:settings", args=[classroom.pk]), {"name": "改名"})  # no zone sent
    classroom.refresh_from_db()
    assert (classroom.name, classroom.time_zone) == ("改名", "Asia/Shanghai")
    client.post(reverse("classes:create"), {"name": "默认班"})
    assert teacher.classes_taught.get(name="默认班").time_zone == "UTC"  # settings.TIME_ZONE


def test_an_archived_class_takes_no_new_or_changed_assignments(client, teacher, classroom, starter_bank):
    assignment = assign(classroom, ["history"])
    services.classroom_archive(classroom=classroom)
    client.force_login(teacher)
    assert 'data-testid="new-assignment"' not in client.get(classroom.get_absolute_url()).content.decode()
    client.post(reverse("classes:assignment_create", args=[classroom.pk]), form_data())
    client.post(reverse("classes:assignment_edit", args=[classroom.pk, assignment.pk]), form_data(questions="9"))
    client.post(reverse("classes:assignment_delete", args=[classroom.pk, assignment.pk]))
    assert list(classroom.assignments.values_list("questions", flat=True)) == [4]


def test_a_deck_assignment_on_today_opens_the_cards_of_its_first_section_not_yet_reviewed(
        client, classroom, learner, starter_bank):
    join(classroom, learner)
    now = datetime.now(UTC)
    assign(classroom, ["history", "lora"], kind="deck", opens=now - timedelta(hours=1), due=now + timedelta(days=1))
    for flashcard in Flashcard.objects.filter(section__key="history"):
        cards.review_record(card=cards.card_start(learner=learner, flashcard=flashcard), rating=3, expected_reps=0,
                            now=now - timedelta(minutes=5))
    client.force_login(learner)
    html = client.get("/").content.decode()
    row = re.search(r'data-testid="my-assignment".*?</li>', html, re.S).group(0)
    assert 'data-status="in_progress"' in row
    assert f'{reverse("cards:review")}?section=lora&amp;every=1' in row
