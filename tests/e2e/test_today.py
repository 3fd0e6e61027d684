"""Browser tests for issue 19, items 1, 2, 6 and 7: Today, one click to practise, custom study and the
04:00 edge. Screenshots at 390 and 1280 px go to test-results/."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quizapp.cards.models import CardState, Review, StudySettings
from quizapp.cards.services import card_start, review_record
from quizapp.catalog.models import Flashcard
from quizapp.quizzes.models import Attempt
from tests.factories import UserFactory
from tests.progress.helpers import answer_next

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def learner(starter_bank):
    """A learner a few days in: some answers (one section started), one card due for review today."""
    learner = UserFactory(username="today-learner")
    for right in (True, False, True):
        answer_next(learner, right=right)
    Attempt.objects.filter(learner=learner).update(status=Attempt.Status.FINISHED)
    card = card_start(learner=learner, flashcard=Flashcard.objects.get(key="history-c01"))
    past = timezone.now() - timedelta(days=10)
    review_record(card=card, rating=3, expected_reps=0, now=past)
    review_record(card=card, rating=3, expected_reps=1, now=past + timedelta(minutes=10))
    CardState.objects.filter(pk=card.pk).update(due=timezone.now() - timedelta(hours=1))
    return learner


def shoot(page, name):
    for size, label in ((PHONE, "390"), (DESKTOP, "1280")):
        page.set_viewport_size(size)
        page.screenshot(path=f"test-results/{name}-{label}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} {label}"


def test_today_shows_the_day_and_each_next_section_starts_in_one_click(page, live_server, login, learner):
    login(page, learner)
    today = page.get_by_test_id("today")
    expect(today).to_be_visible()
    expect(page.get_by_test_id("today-due")).to_have_text("1")
    expect(page.get_by_test_id("done-today")).to_contain_text("今天")
    expect(page.get_by_test_id("today-next").locator("li")).to_have_count(3)
    shoot(page, "today")

    page.set_viewport_size(DESKTOP)
    first = page.get_by_test_id("today-next").locator("li").first
    key = first.get_attribute("data-testid").removeprefix("next-")
    first.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    attempt = Attempt.objects.get(learner=learner, status=Attempt.Status.OPEN)
    assert [s.key for s in attempt.sections.all()] == [key]

    page.goto(f"{live_server.url}/")
    page.get_by_test_id("resume-quiz").click()
    page.wait_for_url(re.compile(rf"/quiz/{attempt.pk}/$"))
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("study-cards").click()
    expect(page.get_by_test_id("card")).to_have_attribute("data-card", "history-c01")


def test_a_visitor_keeps_the_course_overview(page, live_server, starter_bank):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("today")).to_have_count(0)
    expect(page.locator(".hero")).to_be_visible()


def test_the_section_pages_button_starts_a_quiz_and_the_form_takes_one_or_many(page, live_server, login,
                                                                                learner):
    login(page, learner)
    page.goto(f"{live_server.url}/sections/lora/")
    shoot(page, "section-practise")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("practise-lora").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    attempt = Attempt.objects.get(learner=learner, status=Attempt.Status.OPEN)
    assert attempt.kind == "section" and [s.key for s in attempt.sections.all()] == ["lora"]

    # The start form: one section by radio for a section quiz, boxes for a mixed quiz.
    page.goto(f"{live_server.url}/quiz/?section=lora")
    expect(page.get_by_test_id("section-lora")).to_be_checked()
    expect(page.get_by_test_id("picker-many")).to_be_hidden()
    shoot(page, "start-section")
    page.set_viewport_size(DESKTOP)
    page.locator("input[name=kind][value=mixed]").check()
    expect(page.get_by_test_id("picker-one")).to_be_hidden()
    page.get_by_test_id("mixed-lora").uncheck()
    page.get_by_test_id("mixed-tuning").check()  # a part's box ticks its sections
    expect(page.get_by_test_id("mixed-lora")).to_be_checked()
    expect(page.get_by_test_id("mixed-parallel")).to_be_checked()
    page.get_by_test_id("mixed-parallel").uncheck()
    assert page.get_by_test_id("mixed-tuning").evaluate("box => box.indeterminate && !box.checked")
    shoot(page, "start-mixed")

    # A section quiz with no section chosen: the error is above the list, and takes focus.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/quiz/")
    page.locator("input[name=kind][value=section]").check()
    page.get_by_test_id("start-quiz").click()
    error = page.get_by_test_id("sections-error")
    expect(error).to_be_focused()
    assert error.bounding_box()["y"] < page.get_by_test_id("picker-one").bounding_box()["y"]
    shoot(page, "start-error")


def test_the_part_box_works_without_javascript(browser, live_server, learner):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    from tests.factories import PASSWORD
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("main input[name=username]").fill(learner.username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/quiz/")
    page.locator("input[name=kind][value=mixed]").check()
    page.get_by_test_id("mixed-tuning").check()
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    attempt = Attempt.objects.get(learner=learner, status=Attempt.Status.OPEN)
    assert sorted(s.key for s in attempt.sections.all()) == ["lora", "parallel"]
    context.close()


def test_custom_study_more_new_cards_and_review_ahead(page, live_server, login, learner):
    StudySettings.objects.create(learner=learner, new_per_day=0)
    login(page, learner)
    page.goto(f"{live_server.url}/cards/")
    page.get_by_test_id("custom-study-link").click()
    expect(page.get_by_test_id("custom-new")).to_be_visible()
    shoot(page, "custom-study")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("custom-new").locator("input[name=extra]").fill("2")
    page.get_by_test_id("custom-new").get_by_role("button").click()
    page.wait_for_url(f"{live_server.url}/cards/review/")
    expect(page.get_by_test_id("count-new")).to_have_text("2")

    # Review ahead: a card due in two days comes up now, and is answered through FSRS.
    card = CardState.objects.get(learner=learner, flashcard__key="history-c01")
    CardState.objects.filter(pk=card.pk).update(due=timezone.now() + timedelta(days=2))
    page.goto(f"{live_server.url}/cards/custom/")
    page.get_by_test_id("custom-ahead").locator("input[name=ahead]").fill("3")
    page.get_by_test_id("custom-ahead").get_by_role("button").click()
    expect(page.get_by_test_id("custom-scope")).to_be_visible()
    expect(page.get_by_test_id("card")).to_have_attribute("data-card", "history-c01")
    page.get_by_test_id("reveal").click()
    expect(page.get_by_test_id("back")).to_be_visible()
    shoot(page, "review-ahead")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("rate-3").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    assert Review.objects.filter(card=card).count() == 3


def test_buttons_from_before_0400_are_refused_and_the_card_shown_again(page, live_server, login, learner):
    login(page, learner)
    page.goto(f"{live_server.url}/cards/review/")
    expect(page.get_by_test_id("card")).to_have_attribute("data-card", "history-c01")
    page.get_by_test_id("reveal").click()
    expect(page.get_by_test_id("back")).to_be_visible()
    # As if the buttons had been drawn yesterday: the study day has rolled over since.
    page.evaluate("""() => { const f = document.querySelector('input[name=intervals_at]');
                             f.value = String(Number(f.value) - 86400000); }""")
    page.get_by_test_id("rate-3").click()
    expect(page.locator("#review-status")).to_contain_text("04:00")
    expect(page.get_by_test_id("back")).to_be_visible()  # the same card, its back, fresh buttons
    expect(page.get_by_test_id("card")).to_have_attribute("data-card", "history-c01")
    assert Review.objects.filter(learner=learner).count() == 2
    shoot(page, "rollover-refused")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("rate-3").click()  # the fresh buttons record
    expect(page.get_by_test_id("card").or_(page.get_by_test_id("done"))).to_be_visible()
    expect(page.locator("#review-status")).to_contain_text("良好")
    assert Review.objects.filter(learner=learner).count() == 3
