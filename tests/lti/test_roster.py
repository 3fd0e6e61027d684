"""Roster sync (NRPS): the teacher brings the class in line with the LMS course's members."""

from django.contrib.auth import get_user_model
from lti_tool.models import LtiUser

from quizapp.classes.models import Membership
from quizapp.lti.models import CourseClass

from .platform import INSTRUCTOR, LEARNER


def member(sub, roles=(LEARNER,), status="Active"):
    return {"user_id": sub, "roles": list(roles), "status": status, "name": f"学生 {sub}",
            "given_name": sub, "family_name": "学生"}


def teacher_launch(client, platform):
    platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
    return CourseClass.objects.get()


def test_roster_sync_adds_the_courses_learners(client, platform):
    course_class = teacher_launch(client, platform)
    platform.members = [member("teacher-1", (INSTRUCTOR,)), member("s1"), member("s2")]
    response = client.post(f"/lti/courses/{course_class.pk}/roster/", follow=True)
    assert response.status_code == 200
    learners = set(Membership.objects.filter(classroom=course_class.classroom)
                   .values_list("learner__lti_users__sub", flat=True))
    assert learners == {"s1", "s2"}
    # The NRPS request carried a token from the client-credentials exchange.
    gets = [h for method, path, h, _b in platform.received if method == "GET" and path.startswith("/memberships")]
    assert gets and gets[-1]["Authorization"].startswith("Bearer ")

    # A learner who then launches from the LMS is the same account.
    client.logout()
    platform.launch(client, sub="s1", roles=[LEARNER])
    assert LtiUser.objects.get(sub="s1").auth_user_id == int(client.session["_auth_user_id"])
    assert Membership.objects.filter(classroom=course_class.classroom).count() == 2


def test_a_second_sync_changes_nothing_and_inactive_learners_leave(client, platform):
    course_class = teacher_launch(client, platform)
    platform.members = [member("s1"), member("s2")]
    client.post(f"/lti/courses/{course_class.pk}/roster/")
    users = get_user_model().objects.count()
    client.post(f"/lti/courses/{course_class.pk}/roster/")
    assert get_user_model().objects.count() == users
    assert Membership.objects.count() == 2
    platform.members = [member("s1"), member("s2", status="Inactive")]
    client.post(f"/lti/courses/{course_class.pk}/roster/")
    assert list(Membership.objects.values_list("learner__lti_users__sub", flat=True)) == ["s1"]


def test_another_teachers_course_is_a_404(client, platform, teacher):
    course_class = teacher_launch(client, platform)
    client.force_login(teacher)
    assert client.post(f"/lti/courses/{course_class.pk}/roster/").status_code == 404
    assert not Membership.objects.exists()


def test_an_lms_that_does_not_answer_changes_nothing(client, platform):
    course_class = teacher_launch(client, platform)
    context = course_class.context
    context.memberships_url = "http://127.0.0.1:9/memberships"
    context.save()
    page = client.post(f"/lti/courses/{course_class.pk}/roster/", follow=True)
    assert page.status_code == 200 and not Membership.objects.exists()
