"""A teacher creates a class and hands out its join code; a learner joins with it and answers a section quiz
with the keyboard; the teacher reloads the class grid and sees the learner's mastery in that section change.
Teacher and learner each have their own browser context (own cookies), as two people on two machines.

The class pages have no test ids yet, so elements are found by their form names, links and the grid's
structure, never by (translated) text."""

import re

import pytest
from playwright.sync_api import expect

from quizapp.classes.models import Membership
from quizapp.progress.models import SectionProgress
from tests.factories import QuestionFactory, SectionFactory

RIGHT = "对的"  # the right choice of every QuestionFactory question; the others are 错的一, 错的二


@pytest.fixture
def section(db):
    leaf = SectionFactory(key="e2e-class-leaf", title="课堂练习")
    for n in range(3):
        QuestionFactory(section=leaf, key=f"e2e-class-q{n}", prompt=f"课堂问题 {n}?")
    return leaf


def grid_cell(page, username):
    """The learner's row in the class grid and, in it, the mastery cell of the class's only section."""
    row = page.locator("table.mastery-grid tbody tr").filter(
        has=page.locator("th.learner-col a", has_text=re.compile(rf"^{re.escape(username)}$"))
    )
    return row, row.locator('td[class^="m"]').first  # the section cells (m0-m3), after the learner's figures


def answer_right_with_keyboard(page):
    """Press the number of the option that reads RIGHT, then Enter, as a learner who knows the answer."""
    form = page.get_by_test_id("question-form")
    expect(form).to_have_attribute("data-type", "single")
    options = form.locator("label.option")
    number = next(i for i in range(1, options.count() + 1) if RIGHT in options.nth(i - 1).inner_text())
    page.keyboard.press(str(number))
    expect(form.get_by_test_id(f"option-{number}")).to_be_checked()
    page.keyboard.press("Enter")


def test_teacher_sees_a_learner_who_joined_with_the_code_in_the_class_grid(
    browser, live_server, login, teacher, learner, section, output_path
):
    # The teacher creates a class for the section, from the Classes page.
    teacher_page = browser.new_context(locale="zh-CN").new_page()
    login(teacher_page, teacher)
    teacher_page.locator("nav.site-nav a[href='/classes/']").click()
    teacher_page.locator("main a[href='/classes/new/']").click()
    teacher_page.locator("main input[name=name]").fill("周五 AI 班")
    teacher_page.locator(f"main input[name=sections][value='{section.pk}']").focus()
    teacher_page.keyboard.press("Space")
    expect(teacher_page.locator(f"main input[name=sections][value='{section.pk}']")).to_be_checked()
    teacher_page.locator("main form button[type=submit]").click()
    teacher_page.wait_for_url(re.compile(r"/classes/\d+/$"))
    dashboard_url = teacher_page.url
    code = teacher_page.locator("code.join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4,16}", code), code
    expect(teacher_page.locator("table.mastery-grid")).to_have_count(0)  # nobody has joined yet

    # The learner, in another browser, joins with the code typed by hand.
    learner_page = browser.new_context(locale="zh-CN").new_page()
    login(learner_page, learner)
    learner_page.locator("nav.site-nav a[href='/classes/']").click()
    learner_page.locator("main a[href='/classes/join/']").click()
    learner_page.locator("main input[name=code]").focus()
    learner_page.keyboard.type(code)
    learner_page.keyboard.press("Enter")
    learner_page.wait_for_url(f"{live_server.url}/classes/")
    expect(learner_page.locator("main")).to_contain_text("周五 AI 班")

    # The teacher reloads: the learner is in the grid, not started in the section.
    teacher_page.reload()
    row, cell = grid_cell(teacher_page, learner.username)
    expect(row).to_have_count(1)
    expect(cell).to_have_text("–未开始")  # a dash on screen, the state in words for screen readers
    expect(cell).to_have_class("m0")
    teacher_page.screenshot(path=f"{output_path}/class-grid-before.png", full_page=True)

    # The learner answers the section's questions with the keyboard, all of them right.
    learner_page.goto(f"{live_server.url}/quiz/?section={section.key}")
    learner_page.get_by_test_id("start-quiz").click()
    learner_page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    for position in range(1, 4):
        answer_right_with_keyboard(learner_page)
        expect(learner_page.get_by_test_id("feedback")).to_have_class(re.compile(r"is-right"))
        learner_page.keyboard.press("n")
        if position < 3:
            expect(learner_page.get_by_test_id("question-form")).to_be_visible()
    learner_page.wait_for_url(re.compile(r"/quiz/\d+/summary/$"))
    progress = SectionProgress.objects.get(learner=learner, section=section)
    assert (progress.answers, progress.correct) == (3, 3)

    # The teacher reloads the grid: the cell shows the evidence (3 of 3 right) and the call, no percentage.
    teacher_page.goto(dashboard_url)
    row, cell = grid_cell(teacher_page, learner.username)
    mastered = progress.state == "mastered"
    expect(cell).to_have_text("3/3" + ("✓已掌握" if mastered else ""))
    expect(cell).not_to_have_class("m0")
    expect(row.locator("td.total")).to_have_text(re.compile(rf"^{int(mastered)}"))
    expect(row).not_to_have_class(re.compile(r"\battention\b"))  # active today: no longer needs attention
    teacher_page.screenshot(path=f"{output_path}/class-grid-after.png", full_page=True)

    # The learner leaves the class with the keyboard: the first press only asks, the second leaves.
    learner_page.goto(f"{live_server.url}/classes/")
    learner_page.locator("main details.confirm-post > summary").focus()
    learner_page.keyboard.press("Enter")
    confirm = learner_page.locator("main details.confirm-post[open] button[type=submit]")
    expect(confirm).to_be_visible()
    assert Membership.objects.filter(learner=learner).exists()  # asking changed nothing
    confirm.focus()
    learner_page.keyboard.press("Enter")
    expect(learner_page.locator("main details.confirm-post")).to_have_count(0)
    assert not Membership.objects.filter(learner=learner).exists()
