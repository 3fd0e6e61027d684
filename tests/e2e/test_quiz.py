"""A learner signs up, takes a 5-question mixed quiz with the keyboard only, sees feedback swapped in
without a page reload, and reaches the summary. Elements are found by stable test ids, not by (translated)
text."""

import re

import pytest
from playwright.sync_api import expect

from quizapp.quizzes.models import Response

from .answers import right_keys


@pytest.fixture
def page_in(page, live_server, starter_bank):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.locator("main input[name=username]").fill("keyboard-learner")
    page.locator("main input[name=password1]").fill("a-long-unusual-passphrase-42")
    page.locator("main input[name=password2]").fill("a-long-unusual-passphrase-42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def answer_with_keyboard(page, type_name):
    form = page.get_by_test_id("question-form")
    if type_name in ("single", "multiple"):
        # The right choices' keys (choices are shuffled): a quiz of right answers asks no question twice.
        keys = right_keys()
        for key in keys:
            page.keyboard.press(key)
            expect(form.get_by_test_id(f"option-{key}")).to_be_checked()
        page.keyboard.press("Enter")
    elif type_name == "truefalse":
        page.keyboard.press("1")
    elif type_name == "fill":
        page.get_by_test_id("fill-text").focus()
        page.keyboard.type("QLoRA")
        page.keyboard.press("Enter")
    elif type_name == "ordering":
        first_down = form.locator("[data-move='down']").first
        first_down.focus()
        page.keyboard.press("Enter")  # move the first item one place down with the keyboard
        page.get_by_test_id("prompt").focus()
        page.keyboard.press("Enter")
    elif type_name == "matching":
        for select in form.locator("select").all():
            # The swapped-in question moves focus once it settles; a key pressed before that lands
            # elsewhere, so press again until this select has a value (as a person would).
            for _ in range(3):
                select.focus()
                page.keyboard.press("ArrowDown")
                if select.input_value():
                    break
            expect(select).not_to_have_value("")
        page.get_by_test_id("submit").focus()
        page.keyboard.press("Enter")


def test_keyboard_quiz_swaps_feedback_without_reload_and_reaches_summary(page_in, live_server):
    page = page_in
    page.goto(f"{live_server.url}/quiz/")
    page.get_by_test_id("start-form").locator("input[name=length]").fill("5")
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    page.evaluate("window.__sameDocument = true")
    types_seen = []
    for position in range(1, 6):
        form = page.get_by_test_id("question-form")
        expect(form).to_be_visible()
        type_name = form.get_attribute("data-type")
        types_seen.append(type_name)
        answer_with_keyboard(page, type_name)
        heading = page.get_by_test_id("feedback-heading")
        expect(heading, f"feedback after answering a {type_name} question").to_be_visible()
        expect(heading).to_be_focused()  # focus moved to the swapped-in feedback
        assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
        assert Response.objects.count() == position
        if position < 5:
            page.keyboard.press("n")
            expect(page.get_by_test_id("question-form")).to_be_visible()
            # Focus moved to the new question: its input when the answer is typed, else its prompt.
            expect(page.locator("#prompt, [data-autofocus=answer]").locator("visible=true").last).to_be_focused()
            assert page.evaluate("window.__sameDocument === true")
    page.screenshot(path="test-results/quiz-last-feedback.png", full_page=True)
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/quiz/\d+/summary/$"))
    expect(page.get_by_test_id("summary-heading")).to_be_visible()
    expect(page.get_by_test_id("score")).to_be_visible()
    page.screenshot(path="test-results/quiz-summary.png", full_page=True)
    assert len(set(types_seen)) >= 3, types_seen


def test_phone_width_question_page_has_no_horizontal_scroll(page_in, live_server):
    page = page_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/quiz/")
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path="test-results/quiz-phone.png", full_page=True)


def test_enter_on_leave_this_quiz_opens_its_question_and_records_nothing(page_in, live_server):
    page = page_in
    page.goto(f"{live_server.url}/quiz/")
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    form = page.get_by_test_id("question-form")
    if form.get_attribute("data-type") in ("single", "multiple"):
        page.keyboard.press("1")  # something picked, which Enter elsewhere on the page would submit
    leave = page.locator("details.confirm-post")
    leave.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(leave).to_have_attribute("open", "")
    expect(page.get_by_test_id("feedback-heading")).to_have_count(0)
    assert Response.objects.count() == 0


def test_the_short_quiz_notice_goes_once_the_first_question_is_answered(page_in, live_server):
    page = page_in
    page.goto(f"{live_server.url}/quiz/?section=history")  # 4 questions, fewer than the 10 asked for
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    notices = page.get_by_test_id("messages")
    expect(notices).to_contain_text("4")
    answer_with_keyboard(page, page.get_by_test_id("question-form").get_attribute("data-type"))
    expect(page.get_by_test_id("feedback-heading")).to_be_visible()
    expect(notices).to_be_empty()


def test_ordering_with_the_move_buttons_says_how_and_announces_each_move(page_in, live_server):
    page = page_in
    page.goto(f"{live_server.url}/quiz/?section=history")  # four questions, one of them an ordering
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    for _ in range(4):
        type_name = page.get_by_test_id("question-form").get_attribute("data-type")
        if type_name == "ordering":
            break
        answer_with_keyboard(page, type_name)
        expect(page.get_by_test_id("feedback-heading")).to_be_focused()
        page.keyboard.press("n")
        expect(page.get_by_test_id("prompt")).to_be_focused()
    assert type_name == "ordering"
    expect(page.locator("#ordering-help")).to_contain_text("↑")  # no place numbers to give: buttons
    items = page.locator(".ordering-item label [lang]")
    first = items.first.inner_text().strip()
    page.locator("[data-move='down']").first.focus()
    page.keyboard.press("Enter")
    status = page.get_by_test_id("ordering-status")
    expect(status).to_contain_text(first)
    expect(status).to_contain_text("2")
