"""What a teacher sees of the class pages' layout, in a real browser (Debian's Chromium, Chinese UI): table
headers that stay on one line however many columns there are, no page wider than a 390 px phone, and a
"Remove …" link that stays where it was when its question opens.

It used to live outside tests/e2e/ and start its own Playwright after making its data, so that the test thread
never touched the database while Playwright's event loop ran. Here it shares the session's browser like every
browser test (so the Content-Security-Policy guard watches it too), and tests/e2e/conftest.py's
DJANGO_ALLOW_ASYNC_UNSAFE lets `crowded_class` write while that loop runs."""

import io

import pytest
from django.core.management import call_command

from quizapp.accounts.roles import teacher_role_grant
from quizapp.classes.models import Membership
from tests.classes.helpers import first_answer
from tests.factories import ClassroomFactory, QuestionFactory, SectionFactory, UserFactory

WIDTHS = (1280, 390)

# How many lines an element's visible text takes (screen-reader-only text is left out): the distinct tops of the boxes its (non-blank) text is laid out in.
LINES = """el => {
  const tops = new Set(), walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || node.parentElement.closest('.visually-hidden')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) tops.add(Math.round(box.top));
  }
  return tops.size;
}"""


SHOTS = "test-results"


@pytest.fixture
def crowded_class(live_server, transactional_db):
    """A class studying 24 sections with long Chinese titles in three parts, learners (one with a long name,
    one with answers in two sections), and a question report with long prompts."""
    teacher = UserFactory(username="layout-teacher")
    teacher_role_grant(teacher)
    classroom = ClassroomFactory(teacher=teacher, name="高一(3)班 AI 入门")
    parts = [SectionFactory(key=f"layout-part-{p}", title=f"第{p}部分 大模型工作流程(Prompt 与 RAG)", order=p * 100)
             for p in range(1, 4)]
    sections = [SectionFactory(key=f"layout-{n}", title=f"大模型工作流程(Prompt)的第{n}个核心概念与应用场景",
                               parent=parts[n // 8], order=parts[n // 8].order + n) for n in range(24)]
    classroom.sections.set(parts)
    learners = [UserFactory(username=name) for name in ("学生张三丰来自遥远的北方", "stu_wang", "stu_li")]
    for learner in learners:
        Membership.objects.create(classroom=classroom, learner=learner)
    for n in range(4):
        question = QuestionFactory(section=sections[n], key=f"layout-q{n}",
                                   prompt="在没有接入外部记忆系统时，大模型之所以能记住用户在对话中提供的信息，靠的主要是什么？" * 2)
        for learner in learners:
            first_answer(learner, question, correct=learner.username == "stu_li")
    call_command("rebuild_progress", stdout=io.StringIO())
    return {"url": live_server.url, "teacher": teacher, "classroom": classroom, "parts": parts}


@pytest.fixture
def teacher_page(crowded_class, browser, login, width):
    """The class's teacher, logged in, in a Chinese browser window `width` pixels wide."""
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, crowded_class["teacher"])
    yield page
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_grid_reads_on_a_phone_and_a_desk(crowded_class, teacher_page, width):
    page = teacher_page
    page.goto(crowded_class["url"] + crowded_class["classroom"].get_absolute_url())
    headers = page.locator("table.mastery-grid thead th")
    assert headers.count() == 4 + 24
    for n in range(headers.count()):  # "学员", "最近活动", "1.1" ...: one line each, nothing rotated
        assert headers.nth(n).evaluate(LINES) == 1, headers.nth(n).inner_text()
        assert headers.nth(n).evaluate("el => getComputedStyle(el.querySelector('a')).writingMode") == "horizontal-tb"
    assert page.locator("thead .section-col abbr").first.get_attribute("title").startswith("大模型工作流程")
    assert page.locator("[data-testid=section-legend] li").count() == 24
    # The learner column is narrow; the page never scrolls sideways, the grid does, inside its box.
    learner_col = page.locator("tbody .learner-col").first.bounding_box()
    assert learner_col["width"] <= 130
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator(".grid-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    page.screenshot(path=f"{SHOTS}/class-grid-{width}.png", full_page=True)
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    # The first column stays put while the sections scroll under it.
    assert page.locator("tbody .learner-col").first.bounding_box()["x"] == pytest.approx(learner_col["x"], abs=1)
    page.screenshot(path=f"{SHOTS}/class-grid-scrolled-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [1280])
def test_grid_headers_sort_from_the_keyboard_and_the_part_filter_narrows(crowded_class, teacher_page, width):
    page = teacher_page
    page.goto(crowded_class["url"] + crowded_class["classroom"].get_absolute_url())
    answers = page.locator("thead th a", has_text="作答数")
    answers.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=answers**")
    assert page.locator("thead th[aria-sort=descending]").inner_text().startswith("作答数")
    assert page.locator("tbody .learner-col a").first.inner_text() == "stu_li"  # equal answers: by name
    page.select_option("#part-select", crowded_class["parts"][1].key)
    page.locator("[data-testid=part-filter] button").click()
    page.wait_for_url("**part=layout-part-2**")
    assert page.locator("thead .section-col").count() == 8
    assert page.locator("thead .section-col abbr").first.inner_text() == "2.1"
    assert "sort=answers" in page.url  # the filter keeps the sort
    page.screenshot(path=f"{SHOTS}/class-grid-part-{width}.png", full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_question_statistics_are_a_page_table(crowded_class, teacher_page, width):
    page = teacher_page
    page.goto(crowded_class["url"] + f"/classes/{crowded_class['classroom'].pk}/items/")
    rows = page.locator("[data-testid=item-row]")
    assert rows.count() == 4
    # No box of its own: nothing between the table and the page scrolls.
    scrollers = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(el => {
        const s = getComputedStyle(el); return /(auto|scroll)/.test(s.overflowY + s.overflowX) &&
          (el.scrollHeight > el.clientHeight || el.scrollWidth > el.clientWidth); }).length""")
    assert scrollers == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width >= 1280:
        headers = page.locator("table.items-table thead th")
        assert headers.count() == 7
        for n in range(headers.count()):  # "作答数", "首次作答数", "最常选的错误答案"...
            assert headers.nth(n).evaluate(LINES) == 1, headers.nth(n).inner_text()
    page.locator("thead th a", has_text="得分率").click()
    page.wait_for_url("**sort=facility**")
    assert page.locator("th[aria-sort]").count() == 1
    page.select_option("#section-select", "layout-1")
    page.locator("[data-testid=items-filter] button").click()
    page.wait_for_url("**section=layout-1**")
    assert rows.count() == 1 and "sort=facility" in page.url
    page.goto(crowded_class["url"] + f"/classes/{crowded_class['classroom'].pk}/items/")
    page.screenshot(path=f"{SHOTS}/class-items-{width}.png", full_page=True)


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


@pytest.mark.parametrize("width", WIDTHS)
def test_the_new_class_form_ticks_a_parts_sections(crowded_class, teacher_page, width):
    page = teacher_page
    page.goto(crowded_class["url"] + "/classes/new/")
    tree = page.locator("[data-testid=section-tree]")
    assert "—" not in tree.inner_text()
    assert tree.locator("label.tree-top").first.evaluate("el => getComputedStyle(el).fontWeight") != "700"
    page.locator("[data-testid=section-layout-part-2]").check()
    assert page.locator("input[data-in-part]:checked").count() == 8  # the part's eight sections
    page.locator("[data-testid=section-layout-9]").uncheck()
    assert page.locator("[data-testid=section-layout-part-2]").evaluate("el => el.indeterminate")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"{SHOTS}/class-form-{width}.png", full_page=True)
    page.locator("#id_name").fill("树形班")
    page.locator("[data-testid=section-layout-9]").check()
    page.locator("[data-testid=class-form] button[type=submit]").click()
    page.wait_for_url("**/classes/*/")
    assert page.locator(".stat-value").nth(2).inner_text() == "8"  # sections studied: leaves only
