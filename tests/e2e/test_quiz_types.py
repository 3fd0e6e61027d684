"""Answering each kind of question as a learner does, at a desk (1280 px) and on a phone (390 px): typed answers
start in their input and keep every key typed; ordering by dragging (SortableJS, loaded only where an ordering
question is shown) besides the ↑/↓ buttons, with feedback marking each item; matching answers shown whole; key
hints only where there is a keyboard; the section notes opening beside the quiz. Screenshots go to
test-results/."""

import re

import pytest
from playwright.sync_api import expect

from quizapp.catalog.models import MatchPair
from quizapp.quizzes import services
from quizapp.quizzes.models import Attempt, Response
from tests.factories import QuestionFactory, SectionFactory, UserFactory

PHONE = {"width": 390, "height": 844}
LONG_RIGHTS = [
    "把一个大模型按层切开,分到多张显卡上依次计算,前一张卡算完的激活值再传给下一张卡继续算",
    "把同一层里的大矩阵按列或按行切开,多张显卡同时各算一部分,最后把结果拼回完整的输出",
    "每张显卡都放一份完整的模型,各自处理不同的一批数据,再把梯度汇总平均后同步更新参数",
]


@pytest.fixture
def learner(db):
    return UserFactory(username="day-learner")


def quiz_of(learner, *questions, prepare=None) -> Attempt:
    """A section quiz over a fresh section holding exactly `questions` (made by `QuestionFactory` kwargs);
    `prepare(made)` adjusts the made questions before the quiz starts."""
    section = SectionFactory()
    made = [QuestionFactory(section=section, **spec) for spec in questions]
    if prepare:
        prepare(made)
    return services.attempt_start(learner=learner, kind=Attempt.Kind.SECTION, section_ids=[section.pk],
                                  length=5)  # the shortest quiz asked for: it has as many as the section holds


def open_quiz(page, live_server, login, learner, attempt):
    login(page, learner)
    page.goto(f"{live_server.url}{attempt.get_absolute_url()}")
    expect(page.get_by_test_id("question-form")).to_be_visible()


# --- 3. Typed answers ------------------------------------------------------------------------------------

def test_a_fill_in_question_starts_in_its_input_and_keeps_every_key_typed(page, live_server, login, learner):
    attempt = quiz_of(learner, {"type": "fill"}, {"type": "fill"})
    open_quiz(page, live_server, login, learner, attempt)
    box = page.get_by_test_id("fill-text")
    expect(box).to_be_focused()
    page.keyboard.type("N1 n2")  # N and digits are shortcuts elsewhere on the page, never in a text box
    expect(box).to_have_value("N1 n2")
    assert Response.objects.count() == 0
    box.fill("")
    page.keyboard.type("张量并行")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback-heading")).to_be_focused()
    page.keyboard.press("n")  # the next question comes in without a reload, and typing goes straight in
    box = page.get_by_test_id("fill-text")
    expect(box).to_be_focused()
    page.keyboard.type("TP")
    expect(box).to_have_value("TP")
    # No ordering question on this page: SortableJS is not fetched.
    assert page.evaluate("typeof window.Sortable") == "undefined"
    assert page.locator("script[src*='sortablejs']").count() == 0
    page.screenshot(path="test-results/day-fill-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path="test-results/day-fill-390.png", full_page=True)


def test_a_numerical_question_starts_in_its_input_and_digits_are_typed_not_chosen(page, live_server, login,
                                                                                    learner):
    attempt = quiz_of(learner, {"type": "numerical"}, prepare=lambda made: made[0].numerical_answers.create(
        value=3.14, tolerance=0.01, credit=1, order=0))
    open_quiz(page, live_server, login, learner, attempt)
    box = page.get_by_test_id("number-text")
    expect(box).to_be_focused()
    page.keyboard.type("3.14")
    expect(box).to_have_value("3.14")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback-heading")).to_be_visible()
    assert Response.objects.get().correct


# --- 5. Ordering and matching ----------------------------------------------------------------------------

def item_texts(page):
    return [t.strip() for t in page.locator(".ordering-item label [lang]").all_inner_texts()]


def drag(page, source, target):
    """Drag with the mouse in small steps, as a hand does (SortableJS follows the pointer)."""
    source.scroll_into_view_if_needed()
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + 30, a["y"] + a["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(a["x"] + 30, a["y"] + a["height"] / 2 + (b["y"] + b["height"] * .75 - a["y"] - a["height"] / 2)
                        * step / 10)
        page.wait_for_timeout(30)
    page.mouse.up()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_ordering_by_dragging_and_by_buttons_then_feedback_marks_each_place(page, live_server, login, learner,
                                                                             viewport):
    attempt = quiz_of(learner, {"type": "ordering"})
    page.set_viewport_size(viewport)
    open_quiz(page, live_server, login, learner, attempt)
    expect(page.locator("ol.ordering.js-sortable")).to_have_count(1)  # SortableJS came, from this site
    assert page.evaluate("typeof window.Sortable") == "function"
    expect(page.locator("#ordering-help")).to_contain_text("↑")
    before = item_texts(page)
    items = page.locator(".ordering-item")
    drag(page, items.nth(0), items.nth(2))
    after = item_texts(page)
    assert after != before and sorted(after) == sorted(before), (before, after)
    assert after.index(before[0]) > 0  # the first item went down
    # The hidden place selects (what the form sends) follow the drag, and a move is announced.
    places = page.locator(".ordering-item select").evaluate_all("els => els.map(e => e.value)")
    assert places == ["1", "2", "3", "4"]
    expect(page.get_by_test_id("ordering-status")).to_contain_text(before[0])
    # The buttons still work, from the keyboard.
    page.locator("[data-move='down']").first.focus()
    page.keyboard.press("Enter")
    moved = item_texts(page)
    assert moved[1] == after[0]
    page.screenshot(path=f"test-results/day-ordering-question-{viewport['width']}.png", full_page=True)

    final = moved
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("feedback-heading")).to_be_visible()
    rows = page.get_by_test_id("order-row")
    expect(rows).to_have_count(4)
    right = ["一", "二", "三", "四"]
    marks = rows.evaluate_all("rs => rs.map(r => r.dataset.inPlace)")
    assert marks == ["true" if mine == theirs else "false" for mine, theirs in zip(final, right)]
    assert Response.objects.get().correct is (final == right)
    if final != right:
        assert page.get_by_test_id("right-item").all_inner_texts() == right  # the right order beside
    page.screenshot(path=f"test-results/day-ordering-feedback-{viewport['width']}.png", full_page=True)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_matching_shows_long_answers_whole(page, live_server, login, learner, viewport):
    def lengthen(made):
        for pair, text in zip(MatchPair.objects.filter(question=made[0]).order_by("order"), LONG_RIGHTS):
            pair.right = text
            pair.save()

    attempt = quiz_of(learner, {"type": "matching"}, prepare=lengthen)
    page.set_viewport_size(viewport)
    open_quiz(page, live_server, login, learner, attempt)
    listed = page.get_by_test_id("match-answers").locator("li")
    expect(listed).to_have_count(3)
    for item in listed.all():
        expect(item).to_be_visible()
        text = item.locator("[lang]")
        # Whole: nothing cut off (no overflow hidden or scrolled), the long answer wraps onto more lines.
        assert text.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        assert text.inner_text().strip() in LONG_RIGHTS
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    for n in (1, 2, 3):
        page.get_by_test_id(f"match-{n}").select_option(index=n)
    page.screenshot(path=f"test-results/day-matching-question-{viewport['width']}.png", full_page=True)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("feedback-heading")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=f"test-results/day-matching-feedback-{viewport['width']}.png", full_page=True)


# --- 8. Key hints and the section notes ------------------------------------------------------------------

def test_key_hints_show_with_a_keyboard_and_not_on_a_touch_phone(browser, live_server, login, learner):
    attempt = quiz_of(learner, {"type": "fill"}, {"type": "fill"})
    desk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    open_quiz(desk, live_server, login, learner, attempt)
    expect(desk.locator(".kbd-hint")).to_be_visible()
    phone = browser.new_page(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True,
                             device_scale_factor=2)
    open_quiz(phone, live_server, login, learner, attempt)
    expect(phone.locator(".kbd-hint")).to_have_count(1)
    expect(phone.locator(".kbd-hint")).to_be_hidden()
    phone.get_by_test_id("fill-text").fill("张量并行")
    phone.get_by_test_id("submit").tap()
    expect(phone.get_by_test_id("feedback-heading")).to_be_visible()
    expect(phone.locator(".kbd-hint")).to_be_hidden()  # "Press N or Enter"
    phone.screenshot(path="test-results/day-touch-feedback-390.png", full_page=True)
    desk.close()
    phone.close()


def test_the_section_notes_open_beside_the_quiz(page, live_server, login, learner):
    attempt = quiz_of(learner, {"type": "fill"}, {"type": "fill"})
    open_quiz(page, live_server, login, learner, attempt)
    page.keyboard.type("张量并行")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback-heading")).to_be_visible()
    quiz_url = page.url
    link = page.get_by_test_id("notes-link")
    assert link.get_attribute("rel") == "noopener"
    with page.context.expect_page() as opened:
        link.click()
    notes = opened.value
    notes.wait_for_load_state()
    assert re.search(r"/sections/|/section/", notes.url) or notes.url != quiz_url
    expect(notes.locator("main h1")).to_be_visible()
    assert notes.evaluate("window.opener") is None
    # The quiz is where it was: same address, the feedback still showing, ready for the next question.
    assert page.url == quiz_url
    expect(page.get_by_test_id("feedback-heading")).to_be_visible()
    expect(page.get_by_test_id("next")).to_be_visible()
    page.screenshot(path="test-results/day-notes-link-1280.png")
