"""LMS accounts have hashed usernames; pages show the person's name as the LMS gives it instead."""

import pytest
from django.contrib.auth import get_user_model

from quizapp.lti.models import CourseClass

from .platform import INSTRUCTOR, LEARNER

User = get_user_model()


def header_name(client) -> str:
    page = client.get("/").content.decode()
    return page.split('<span class="user-name">')[1].split("</span>")[0]


@pytest.mark.parametrize("name", ["林小明", "林 小", "Ada Lovelace"])
def test_the_header_shows_the_lms_name_whole_in_its_own_order(client, platform, name):
    platform.launch(client, sub="learner-1", roles=[LEARNER], name=name)
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.username.startswith("lms-")
    assert header_name(client) == name  # "林 小" stays family first, never "小 林"


def test_a_changed_name_in_the_lms_shows_at_the_next_launch(client, platform):
    platform.launch(client, sub="learner-1", roles=[LEARNER], name="林 小")
    client.logout()
    platform.launch(client, sub="learner-1", roles=[LEARNER], name="林 小红")
    assert header_name(client) == "林 小红"


def test_without_a_name_claim_the_username_shows(client, platform):
    platform.launch(client, sub="learner-1", roles=[LEARNER], name="x", extra={"name": "", "given_name": "",
                                                                              "family_name": ""})
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert header_name(client) == user.username


def test_the_teacher_sees_learners_by_their_lms_names(client, platform, starter_bank):
    platform.launch(client, sub="learner-1", roles=[LEARNER], name="王 芳")
    client.logout()
    platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR], name="陈 老师")
    classroom = CourseClass.objects.get().classroom
    grid = client.get(classroom.get_absolute_url()).content.decode()
    assert "王 芳" in grid and "lms-" not in grid
    client.logout()
    platform.launch(client, sub="learner-1", roles=[LEARNER], name="王 芳")
    assert "陈 老师" in client.get("/classes/").content.decode()  # "taught by"


def test_other_accounts_keep_showing_their_username(client, db):
    user = User.objects.create_user("lin", password="x" * 12, first_name="小", last_name="林")
    client.force_login(user)
    assert header_name(client) == "lin"


def test_learners_synced_from_the_roster_show_their_lms_names(client, platform):
    platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
    course_class = CourseClass.objects.get()
    platform.members = [{"user_id": "s1", "roles": [LEARNER], "status": "Active", "name": "学生 甲",
                         "given_name": "甲", "family_name": "学生"}]
    client.post(f"/lti/courses/{course_class.pk}/roster/")
    assert "学生 甲" in client.get(course_class.classroom.get_absolute_url()).content.decode()


def test_the_grid_sorts_learners_by_the_names_it_shows(client, platform, starter_bank):
    for sub, name in (("s1", "Chen Yi"), ("s2", "Ann Lee"), ("s3", "Bo Zhao"), ("s4", "陈 一")):
        platform.launch(client, sub=sub, roles=[LEARNER], name=name)
        client.logout()
    platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
    grid = client.get(CourseClass.objects.get().classroom.get_absolute_url()).content.decode()
    assert grid.index("Ann Lee") < grid.index("Bo Zhao") < grid.index("Chen Yi")  # not the usernames' hash order
    csv = client.get(CourseClass.objects.get().classroom.get_absolute_url() + "mastery.csv")
    assert "陈 一" in csv.content.decode("utf-8-sig") and "lms-" not in csv.content.decode("utf-8-sig")
