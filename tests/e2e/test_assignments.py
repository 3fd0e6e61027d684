"""Class assignments in a real browser (issue 20 item 1): a teacher sets a quiz assignment from the class page
with the keyboard-usable form (section tree, date pickers), the learner sees it on Today, starts it in one click
and finishes it with the keyboard, and the teacher's grid marks it done. Screenshots at 390 and 1280 px go to
test-results/ (looked at by hand)."""

import re

import pytest
from playwright.sync_api import expect

from quizapp.classes.models import Assignment, Membership
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_classes import answer_right_with_keyboard
from tests.factories import ClassroomFactory, QuestionFactory, SectionFactory

SHOTS = "test-results"
WIDTHS = (1280, 390)


@pytest.fixture
def section(db):
    leaf = SectionFactory(key="e2e-assign-leaf", title="提示词工程入门")
    for n in range(3):
        QuestionFactory(section=leaf, key=f"e2e-assign-q{n}", prompt=f"作业问题 {n}?")
    return leaf


def shoot(page, name):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/assignment-{name}-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_teacher_sets_an_assignment_the_learner_does_it_from_today_and_the_grid_marks_it_done(
    browser, live_server, login, teacher, learner, section
):
    classroom = ClassroomFactory(teacher=teacher, name="周五 AI 班", time_zone="Asia/Shanghai")
    Membership.objects.create(classroom=classroom, learner=learner)

    # The teacher opens the class page and sets a quiz of 3 questions in the section, due in a week.
    teacher_page = browser.new_context(locale="zh-CN").new_page()
    login(teacher_page, teacher)
    teacher_page.goto(f"{live_server.url}{classroom.get_absolute_url()}")
    teacher_page.get_by_test_id("new-assignment").click()
    form = teacher_page.get_by_test_id("assignment-form")
    expect(form.locator("input[name=opens_at]")).to_have_attribute("type", "datetime-local")
    expect(form.locator("input[name=opens_at]")).not_to_have_value("")  # prefilled: now, in the class's zone
    form.locator("input[name=kind][value=quiz]").check()
    form.locator("input[name=questions]").fill("3")
    form.locator(f"input[name=sections][value='{section.pk}']").focus()
    teacher_page.keyboard.press("Space")
    shoot(teacher_page, "form")
    assert_accessible(teacher_page, "assignment form")
    form.get_by_test_id("save-assignment").click()
    teacher_page.wait_for_url(re.compile(r"/classes/\d+/#assignments$"))
    expect(teacher_page.get_by_test_id("assignment")).to_have_count(1)
    assignment = Assignment.objects.get(classroom=classroom)
    assert (assignment.kind, assignment.questions, [s.key for s in assignment.sections.all()]) == (
        "quiz", 3, [section.key])

    # The learner sees it on Today, not started, and starts it in one click.
    learner_page = browser.new_context(locale="zh-CN").new_page()
    login(learner_page, learner)
    mine = learner_page.get_by_test_id("my-assignment")
    expect(mine).to_have_attribute("data-status", "not_started")
    shoot(learner_page, "today")
    assert_accessible(learner_page, "Today with an assignment")
    mine.get_by_test_id("start-assignment").click()
    learner_page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    for position in range(1, 4):
        answer_right_with_keyboard(learner_page)
        expect(learner_page.get_by_test_id("feedback")).to_have_class(re.compile(r"is-right"))
        learner_page.keyboard.press("n")
        if position < 3:
            expect(learner_page.get_by_test_id("question-form")).to_be_visible()
    learner_page.wait_for_url(re.compile(r"/quiz/\d+/summary/$"))

    # Back on Today: done, with no Start button left.
    learner_page.goto(f"{live_server.url}/")
    expect(mine).to_have_attribute("data-status", "done")
    expect(mine.get_by_test_id("start-assignment")).to_have_count(0)
    shoot(learner_page, "today-done")
    learner_page.goto(f"{live_server.url}/classes/")  # the class page: the same row, under the class
    expect(learner_page.get_by_test_id("class-assignments").get_by_test_id("my-assignment")).to_have_attribute(
        "data-status", "done")
    shoot(learner_page, "class-list")

    # The teacher's class page: the grid's assignment column says done, its footer counts 1.
    teacher_page.goto(f"{live_server.url}{classroom.get_absolute_url()}")
    row = teacher_page.locator("table.mastery-grid tbody tr").filter(
        has=teacher_page.locator("th.learner-col a", has_text=re.compile(rf"^{re.escape(learner.username)}$")))
    expect(row.get_by_test_id("assignment-cell")).to_have_attribute("data-status", "done")
    expect(teacher_page.get_by_test_id("assignment-done-count")).to_have_text(re.compile(r"^1\D"))
    shoot(teacher_page, "class")
    assert_accessible(teacher_page, "class page with an assignment")
    teacher_page.get_by_test_id("assignment").locator("a").first.click()
    expect(teacher_page.locator(f"[data-testid=completion-row][data-learner='{learner.username}']")).to_have_attribute(
        "data-status", "done")
    shoot(teacher_page, "completion")
