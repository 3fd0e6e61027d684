"""Reviewing flashcards with the keyboard alone, in a real browser (Chromium)."""

from playwright.sync_api import expect

from quizapp.cards.models import Review
from tests.factories import UserFactory


def counts(page):
    return tuple(page.get_by_test_id(f"count-{name}").inner_text() for name in ("new", "learning", "due"))


def expect_counts(page, new, learning, due="0"):
    for name, value in (("new", new), ("learning", learning), ("due", due)):
        expect(page.get_by_test_id(f"count-{name}")).to_have_text(str(value))


def test_review_three_cards_with_the_keyboard_and_undo(page, live_server, login, starter_bank):
    learner = UserFactory(username="keyboard")
    login(page, learner)
    page.goto(f"{live_server.url}/cards/review/")
    expect_counts(page, 4, 0)

    seen = []
    for key, (new, learning) in (("3", (3, 1)), ("3", (2, 2)), ("1", (1, 3))):
        card = page.get_by_test_id("card")
        seen.append(card.get_attribute("data-card"))
        expect(page.get_by_test_id("back")).to_have_count(0)
        page.keyboard.press("Space")
        expect(page.get_by_test_id("back")).to_be_visible()
        expect(page.get_by_test_id(f"rate-{key}")).to_be_visible()
        expect(page.locator("#study")).to_be_focused()  # focus follows the swapped-in answer
        page.keyboard.press(key)
        expect_counts(page, new, learning)
        expect(page.locator("#study")).to_be_focused()
    assert len(set(seen)) == 3
    assert Review.objects.filter(learner=learner).count() == 3

    page.keyboard.press("u")
    expect_counts(page, 2, 2)
    expect(page.get_by_test_id("card")).to_have_attribute("data-card", seen[-1])
    expect(page.locator("#review-status")).not_to_be_empty()
    assert Review.objects.filter(learner=learner).count() == 2

    page.keyboard.press("-")  # bury the card shown, then take that back: U undoes the latest action
    expect(page.get_by_test_id("card")).not_to_have_attribute("data-card", seen[-1])
    page.keyboard.press("u")
    expect(page.get_by_test_id("card")).to_have_attribute("data-card", seen[-1])
    expect_counts(page, 2, 2)
    assert Review.objects.filter(learner=learner).count() == 2  # the answers before it are untouched


def test_review_works_without_javascript(browser, live_server, starter_bank):
    from tests.factories import PASSWORD

    learner = UserFactory(username="nojs")
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("main input[name=username]").fill(learner.username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/cards/review/?section=tuning")
    expect_counts(page, 2, 0)
    page.get_by_test_id("reveal").click()
    page.get_by_test_id("rate-3").click()
    expect_counts(page, 1, 1)
    context.close()
