"""An LMS link to a class assignment: the instructor picks one of their course class's assignments in deep
linking; a learner's launch opens it where their class list shows it, the instructor's its completion page; an
assignment deleted, or of another class, gives a clear page and changes nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from quizapp.catalog.models import Section
from quizapp.classes import services as class_services
from quizapp.classes.models import Assignment, Membership
from quizapp.lti.models import CourseClass, LinkTarget
from tests.factories import ClassroomFactory

from .platform import INSTRUCTOR, LEARNER
from .test_deep_linking import DL, deep_link_request, returned_jwt, verify_with_tool_jwks

User = get_user_model()


def course_assignment(classroom, *, questions=10):
    leaf = Section.objects.leaves().order_by("order").first()
    now = timezone.now()
    assignment, _created = class_services.assignment_create(
        classroom=classroom, kind=Assignment.Kind.QUIZ, sections=[leaf], questions=questions,
        opens_at=now - timedelta(hours=1), due_at=now + timedelta(days=3))
    return assignment


@pytest.fixture
def course_class(client, platform, starter_bank):
    """The instructor's class for the test course, made by their first launch."""
    platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
    client.logout()
    return CourseClass.objects.get()


def test_round_trip_assignment_link(client, platform, course_class):
    assignment = course_assignment(course_class.classroom)
    deep_link_request(client, platform)
    form = client.get("/lti/deep-link/").content.decode()
    assert "A quiz of 10 questions" in form or "10 道题" in form
    assert f'<option value="{assignment.pk}"' in form

    answer = client.post("/lti/deep-link/", {"kind": "assignment", "assignment": assignment.pk})
    [item] = verify_with_tool_jwks(client, returned_jwt(answer.content.decode())[1])[DL + "content_items"]
    assert item["custom"] == {"quizapp_target": f"assignment:{assignment.pk}"}
    assert course_class.classroom.name in item["title"]
    assert "lineItem" not in item

    # A learner launches the new link: they join the class and land on the assignment in their class list.
    client.logout()
    opened, _ = platform.launch(client, sub="learner-1", roles=[LEARNER], custom=item["custom"],
                                resource_link_id="assignment-link")
    assert opened["Location"] == f"/classes/#assignment-{assignment.pk}"
    learner = User.objects.get(pk=client.session["_auth_user_id"])
    assert Membership.objects.filter(classroom=course_class.classroom, learner=learner).exists()
    page = client.get("/classes/").content.decode()
    assert f'id="assignment-{assignment.pk}"' in page and 'data-testid="start-assignment"' in page
    assert LinkTarget.objects.get(resource_link__id_on_platform="assignment-link").assignment == assignment

    # The instructor's launch of the same link opens its completion page, with that learner in it.
    client.logout()
    teacher_opened, _ = platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR], custom=item["custom"],
                                        resource_link_id="assignment-link")
    url = f"/classes/{course_class.classroom.pk}/assignments/{assignment.pk}/"
    assert teacher_opened["Location"] == url
    completion = client.get(url)
    assert completion.status_code == 200 and 'data-testid="completion-row"' in completion.content.decode()


def test_a_class_without_assignments_says_so_and_links_to_make_one(client, platform, course_class):
    deep_link_request(client, platform)
    form = client.get("/lti/deep-link/").content.decode()
    assert f"/classes/{course_class.classroom.pk}/assignments/new/" in form
    answer = client.post("/lti/deep-link/", {"kind": "assignment"})
    assert answer.status_code == 200 and 'data-testid="deep-link-form"' in answer.content.decode()


def test_the_form_refuses_another_class_s_assignment(client, platform, course_class):
    foreign = course_assignment(ClassroomFactory())
    mine = course_assignment(course_class.classroom)
    deep_link_request(client, platform)
    form = client.get("/lti/deep-link/").content.decode()
    assert f'<option value="{foreign.pk}"' not in form and f'<option value="{mine.pk}"' in form
    answer = client.post("/lti/deep-link/", {"kind": "assignment", "assignment": foreign.pk})
    assert answer.status_code == 200 and 'data-testid="deep-link-form"' in answer.content.decode()


def test_a_launch_of_another_class_s_assignment_is_refused_and_creates_nothing(client, platform, course_class):
    foreign = course_assignment(ClassroomFactory())
    users, links = User.objects.count(), LinkTarget.objects.count()
    response, _ = platform.launch(client, sub="learner-9", roles=[LEARNER],
                                  custom={"quizapp_target": f"assignment:{foreign.pk}"})
    assert response.status_code == 404
    assert 'data-testid="lti-unavailable"' in response.content.decode()
    assert User.objects.count() == users and LinkTarget.objects.count() == links
    assert "_auth_user_id" not in client.session


def test_a_deleted_assignment_s_link_shows_a_clear_page(client, platform, course_class):
    assignment = course_assignment(course_class.classroom)
    custom = {"quizapp_target": f"assignment:{assignment.pk}"}
    first, _ = platform.launch(client, sub="learner-1", roles=[LEARNER], custom=custom)
    assert first["Location"] == f"/classes/#assignment-{assignment.pk}"
    class_services.assignment_delete(classroom=course_class.classroom, assignment_id=assignment.pk)
    client.logout()
    again, _ = platform.launch(client, sub="learner-1", roles=[LEARNER], custom=custom)
    assert again.status_code == 404 and 'data-testid="lti-unavailable"' in again.content.decode()
    # The LMS no longer sending the parameter changes nothing: the link still opens a deleted assignment.
    without, _ = platform.launch(client, sub="learner-1", roles=[LEARNER])
    assert without.status_code == 404
    assert LinkTarget.objects.get().assignment is None


def test_another_instructor_of_the_course_gets_a_clear_page(client, platform, course_class):
    assignment = course_assignment(course_class.classroom)
    response, _ = platform.launch(client, sub="teacher-2", roles=[INSTRUCTOR],
                                  custom={"quizapp_target": f"assignment:{assignment.pk}"})
    assert response.status_code == 404 and 'data-testid="lti-unavailable"' in response.content.decode()
    assert CourseClass.objects.count() == 1  # rolled back: the second instructor's class was not made


@pytest.mark.parametrize("value", ["assignment:", "assignment:abc", "assignment:²", "assignment:" + "9" * 30])
def test_a_malformed_assignment_parameter_is_ignored(client, platform, course_class, value):
    response, _ = platform.launch(client, sub="learner-1", roles=[LEARNER], custom={"quizapp_target": value})
    assert response.status_code == 302 and response["Location"] == "/"
