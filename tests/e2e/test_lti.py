"""An LMS shows quizapp in an iframe of its own page, on another origin: the whole LTI launch (OIDC login
initiation, the platform's signed id_token posted back, the session) happens inside the frame, and the
learner lands on what the link opens. The test LMS (tests/lti/platform.py) serves the course page.

Both origins are on `localhost` (different ports): cross-origin, so the frame needs frame-ancestors to name the
LMS, but same-site, so this runs over plain HTTP; the SameSite=None cookies a real LMS on another site needs
are only sent under HTTPS (settings, tests/test_settings.py)."""

from urllib.parse import urlencode

import pytest
from lti_tool.models import LtiDeployment, LtiRegistration

from quizapp.catalog.models import Section
from quizapp.lti import tool
from tests.lti.platform import INSTRUCTOR, LEARNER, Platform

SHOTS = "test-results/lti"


@pytest.fixture
def lms(live_server, starter_bank):
    platform = Platform(host="localhost")
    registration = LtiRegistration.objects.create(**platform.registration_values())
    LtiDeployment.objects.create(registration=registration, deployment_id=platform.deployment_id, is_active=True)
    tool.key_ensure()
    login = f"{live_server.url}/lti/login/?" + urlencode({
        "iss": platform.issuer, "login_hint": "hint", "client_id": platform.client_id,
        "target_link_uri": f"{live_server.url}/lti/launch/"})
    platform.page_html = ('<!doctype html><meta charset="utf-8"><title>Test LMS course</title>'
                          '<h1>AI101 on the test LMS</h1>'
                          f'<iframe name="tool" title="quizapp" src="{login}" style="width:100%;height:80vh"></iframe>')
    yield platform
    platform.close()


def tool_frame(page):
    return next(f for f in page.frames if f.name == "tool")


def test_a_learner_launches_a_section_quiz_inside_the_lms_iframe(page, live_server, lms):
    leaf = Section.objects.leaves().order_by("order").first()
    lms.next_launch = {"sub": "learner-1", "roles": [LEARNER], "resource_link_id": "quiz-link",
                       "custom": {"quizapp_target": f"section_quiz:{leaf.key}"}}
    page.goto(lms.url("/course"))
    frame = tool_frame(page)
    frame.wait_for_url(f"{live_server.url}/quiz/?section={leaf.key}")
    frame.wait_for_load_state()
    assert frame.locator("main").is_visible()
    assert leaf.title in frame.locator("main").inner_text()
    # Signed in inside the frame: the header names the new LMS account by the LMS's name, not its username.
    assert frame.locator(".user-name").inner_text() == "林 小"
    page.screenshot(path=f"{SHOTS}/iframe-learner-1280.png", full_page=True)


def test_an_instructor_picks_what_a_new_activity_opens(page, live_server, lms):
    leaf = Section.objects.leaves().order_by("order").first()
    lms.next_launch = {"sub": "teacher-1", "roles": [INSTRUCTOR], "message_type": "LtiDeepLinkingRequest"}
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(lms.url("/course"))
    frame = tool_frame(page)
    frame.wait_for_url(f"{live_server.url}/lti/deep-link/")
    frame.get_by_role("radio", name="章节测验").check()
    frame.locator("#id_section").select_option(leaf.key)
    page.screenshot(path=f"{SHOTS}/deep-link-390.png", full_page=True)
    with page.expect_request(lambda request: request.url == lms.url("/deep-link-return")) as sent:
        frame.get_by_role("button", name="添加到课程").click()
    assert sent.value.method == "POST" and "JWT=" in (sent.value.post_data or "")


def test_the_deep_linking_form_is_accessible(page, live_server, lms, axe):
    lms.next_launch = {"sub": "teacher-1", "roles": [INSTRUCTOR], "message_type": "LtiDeepLinkingRequest"}
    page.goto(lms.url("/course"))
    tool_frame(page).wait_for_url(f"{live_server.url}/lti/deep-link/")
    page.goto(f"{live_server.url}/lti/deep-link/")  # the same session, as a page of its own for axe
    axe(page, "deep-linking form")


def test_a_refused_launch_shows_its_page_in_the_frame(page, live_server, lms):
    LtiDeployment.objects.update(is_active=False)
    page.goto(lms.url("/course"))
    frame = tool_frame(page)
    frame.wait_for_selector("[data-testid=lti-refused]")
    assert "部署" in frame.locator("[data-testid=lti-refused]").inner_text()
    page.screenshot(path=f"{SHOTS}/refused-1280.png", full_page=True)


def test_the_teacher_sees_scores_and_their_state_at_390_px(page, live_server, lms, axe):
    from django.utils import timezone
    from lti_tool.models import LtiResourceLink

    from quizapp.lti.models import LinkTarget, ScorePost
    from quizapp.quizzes import services
    from tests.factories import UserFactory

    leaf = Section.objects.leaves().order_by("order").first()
    lms.next_launch = {"sub": "teacher-1", "roles": [INSTRUCTOR], "resource_link_id": "quiz-link",
                       "custom": {"quizapp_target": f"section_quiz:{leaf.key}"}}
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(lms.url("/course"))
    frame = tool_frame(page)
    frame.wait_for_url(f"{live_server.url}/quiz/?section={leaf.key}")
    link = LinkTarget.objects.get(resource_link=LtiResourceLink.objects.get(id_on_platform="quiz-link"))
    learner = UserFactory(username="lms-learner", lms_name="小林")
    attempt = services.attempt_start(learner=learner, kind="section", section_ids=[leaf.pk], length=5)
    for state, error in (("sent", ""), ("pending", "HTTP response [https://lms.example/lineitems/7/scores]: 500 - down")):
        ScorePost.objects.create(link=link, learner=learner, lms_user_id="s1", attempt=attempt, score_given=80,
                                 change=f"quiz:{attempt.pk}",
                                 score_maximum=100, timestamp=timezone.now(), next_try_at=timezone.now(),
                                 state=state, tries=2, last_error=error)
        attempt = services.attempt_start(learner=learner, kind="section", section_ids=[leaf.pk], length=5)
    frame.goto(f"{live_server.url}/lti/courses/")
    rows = frame.locator("[data-testid=score-posts] tbody tr")
    assert rows.count() == 2
    assert "等待发送" in frame.locator("[data-testid=score-posts]").inner_text()
    page.screenshot(path=f"{SHOTS}/courses-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=f"{SHOTS}/courses-1280.png", full_page=True)
    page.goto(f"{live_server.url}/lti/courses/")
    axe(page, "LMS courses")


def test_an_assignment_link_from_deep_linking_to_the_learner(page, live_server, lms):
    from datetime import timedelta

    from django.utils import timezone

    from quizapp.classes import services as class_services
    from quizapp.lti.models import CourseClass

    leaf = Section.objects.leaves().order_by("order").first()
    lms.next_launch = {"sub": "teacher-1", "roles": [INSTRUCTOR], "message_type": "LtiDeepLinkingRequest"}
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(lms.url("/course"))
    frame = tool_frame(page)
    frame.wait_for_url(f"{live_server.url}/lti/deep-link/")
    assert "还没有作业" in frame.locator("[data-testid=deep-link-assignments]").inner_text()
    classroom = CourseClass.objects.get().classroom
    assignment, _created = class_services.assignment_create(
        classroom=classroom, kind="quiz", sections=[leaf], questions=10,
        opens_at=timezone.now() - timedelta(hours=1), due_at=timezone.now() + timedelta(days=2))
    frame.goto(f"{live_server.url}/lti/deep-link/")  # the instructor set one in another window, and reloads
    frame.get_by_role("radio", name="你班级的一项作业").check()
    frame.get_by_label("你班级“" + classroom.name + "”的作业").select_option(str(assignment.pk))
    frame.locator("#id_assignment").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/deep-link-assignment-390.png", full_page=True)
    with page.expect_request(lambda request: request.url == lms.url("/deep-link-return")) as sent:
        frame.get_by_role("button", name="添加到课程").click()
    assert "JWT=" in (sent.value.post_data or "")

    page.context.clear_cookies()
    lms.next_launch = {"sub": "learner-1", "roles": [LEARNER], "resource_link_id": "assignment-link",
                       "custom": {"quizapp_target": f"assignment:{assignment.pk}"}}
    page.goto(lms.url("/course"))
    frame = tool_frame(page)
    frame.wait_for_url(f"{live_server.url}/classes/#assignment-{assignment.pk}")
    row = frame.locator(f"#assignment-{assignment.pk}")
    row.get_by_role("button", name="开始").wait_for()
    page.screenshot(path=f"{SHOTS}/assignment-learner-390.png", full_page=True)
