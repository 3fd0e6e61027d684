"""What a teacher sees of the class pages' layout, in a real browser (Debian's Chromium, Chinese UI): table
headers that stay on one line however many columns there are, no page wider than a 390 px phone, and a
"Remove …" link that stays where it was when its question opens.

It used to live outside tests/e2e/ and start its own Playwright after making its data, so that the test thread
never touched the database while Playwright's event loop ran. Here it shares the session's browser like every
browser test (so the Content-Security-Policy guard watches it too), and tests/e2e/conftest.py's
DJANGO_ALLOW_ASYNC_UNSAFE lets `crowded_class` write while that loop runs."""

import pytest

from quizapp.accounts.roles import teacher_role_grant
from quizapp.classes.models import Membership
from tests.classes.helpers import first_answer
from tests.factories import ClassroomFactory, QuestionFactory, SectionFactory, UserFactory

WIDTHS = (1280, 390)

# How many lines an element's text takes: the distinct tops of the boxes its (non-blank) text is laid out in.
LINES = """el => {
  const tops = new Set(), walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) tops.add(Math.round(box.top));
  }
  return tops.size;
}"""


@pytest.fixture
def crowded_class(live_server, transactional_db):
    """A class studying 24 sections, with learners, and a question report with long prompts."""
    teacher = UserFactory(username="layout-teacher")
    teacher_role_grant(teacher)
    classroom = ClassroomFactory(teacher=teacher, name="高一(3)班 AI 入门")
    sections = [SectionFactory(key=f"layout-{n}", title=f"大模型的第{n}个核心概念与应用场景", order=n) for n in range(24)]
    classroom.sections.set(sections)
    learners = [UserFactory(username=name) for name in ("学生张三", "stu_wang", "stu_li")]
    for learner in learners:
        Membership.objects.create(classroom=classroom, learner=learner)
    for n in range(4):
        question = QuestionFactory(section=sections[n], key=f"layout-q{n}",
                                   prompt="在没有接入外部记忆系统时，大模型之所以能记住用户在对话中提供的信息，靠的主要是什么？" * 2)
        for learner in learners:
            first_answer(learner, question, correct=learner.username == "stu_li")
    return {"url": live_server.url, "teacher": teacher, "classroom": classroom}


@pytest.fixture
def teacher_page(crowded_class, browser, login, width):
    """The class's teacher, logged in, in a Chinese browser window `width` pixels wide."""
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, crowded_class["teacher"])
    yield page
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_headers_stay_on_one_line_and_pages_fit_the_screen(crowded_class, teacher_page, width):
    page = teacher_page
    page.goto(crowded_class["url"] + crowded_class["classroom"].get_absolute_url())
    overall = page.locator("table.mastery-grid thead th:not(.section-col)")
    assert overall.count() == 2
    for n in range(overall.count()):  # "学员", "总体"
        assert overall.nth(n).evaluate(LINES) == 1, overall.nth(n).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(crowded_class["url"] + f"/classes/{crowded_class['classroom'].pk}/items/")
    headers = page.locator("table.items-table thead th")
    assert headers.count() == 6
    for n in range(headers.count()):  # "作答数", "首次作答数", "最常选的错误答案"...
        assert headers.nth(n).evaluate(LINES) == 1, headers.nth(n).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_a_remove_link_stays_in_place_when_its_question_opens(crowded_class, teacher_page, width):
    page = teacher_page
    page.goto(crowded_class["url"] + crowded_class["classroom"].get_absolute_url())
    page.locator("details.roster-box > summary").click()
    link = page.locator(".roster details.confirm-post > summary").first
    where = "el => { const b = el.getBoundingClientRect(); return [b.left + scrollX, b.top + scrollY]; }"
    before = link.evaluate(where)
    link.click()
    assert page.locator(".roster details.confirm-post[open] button[type=submit]").is_visible()
    after = link.evaluate(where)
    assert after == pytest.approx(before, abs=1), (before, after)
