import re

import pytest
from playwright.sync_api import expect

from quizapp.catalog.models import Question, Status
from tests.e2e.accessibility import FAILING_IMPACTS, describe, run_axe
from tests.factories import SectionFactory

PROMPT = "把一层的矩阵切开、分到多张 GPU 上并行计算,这叫 ____。"


@pytest.fixture
def leaf(db):
    top = SectionFactory(key="e2e-top", title="端到端")
    return SectionFactory(key="e2e-parallel", title="并行练习", parent=top)


def test_teacher_authors_previews_and_publishes_a_fill_in_question_that_a_learner_then_meets(
    browser, live_server, login, teacher, learner, leaf, output_path
):
    teacher_page = browser.new_page(locale="zh-CN")
    login(teacher_page, teacher)

    # Author a fill-in question, as a draft, in the admin.
    teacher_page.goto(f"{live_server.url}/admin/catalog/question/add/")
    teacher_page.locator("#id_key").fill("e2e-parallel-q01")
    teacher_page.locator("#id_section").select_option(str(leaf.pk))
    teacher_page.locator("#id_type").select_option("fill")
    expect(teacher_page.locator("#choices-group")).to_be_hidden()  # only the rows a fill-in question uses
    expect(teacher_page.locator("#accepted_answers-group")).to_be_visible()
    teacher_page.locator("#id_status").select_option("draft")
    teacher_page.locator("#id_difficulty").select_option("2")
    teacher_page.locator("#id_prompt").fill(PROMPT)
    teacher_page.locator("#id_explanation").fill("张量并行(TP)在层内切分计算。")
    teacher_page.locator("input[name='accepted_answers-0-text']").fill("张量并行")
    teacher_page.locator("input[name='accepted_answers-1-text']").fill("TP")
    teacher_page.locator("input[name='_continue']").click()
    expect(teacher_page.locator("[data-testid=version]")).to_be_visible()
    question = Question.objects.get(key="e2e-parallel-q01")
    assert question.status == Status.DRAFT
    assert sorted(a.text for a in question.accepted_answers.all()) == ["TP", "张量并行"]

    # Preview it: answerable, marked by the real checker, and nothing recorded.
    teacher_page.locator("[data-testid=preview-link]").click()
    expect(teacher_page.locator("[data-testid=prompt]")).to_contain_text("这叫 ____")
    teacher_page.locator("[data-testid=fill-text]").fill("ｔｐ")  # full-width, lower case: still right
    teacher_page.locator("[data-testid=submit]").click()
    expect(teacher_page.locator("[data-testid=verdict]")).to_have_attribute("data-correct", "true")
    expect(teacher_page.locator("#result")).to_be_focused()
    expect(teacher_page.locator("[data-testid=explanation]")).to_contain_text("层内切分")
    teacher_page.screenshot(path=f"{output_path}/authoring-preview.png", full_page=True)

    # Publish it from the question list, with the keyboard-reachable action form.
    teacher_page.goto(f"{live_server.url}/admin/catalog/question/?q=e2e-parallel-q01")
    teacher_page.locator(f"input[name=_selected_action][value='{question.pk}']").check()
    teacher_page.locator("select[name=action]").select_option("publish")
    teacher_page.locator("button[name=index]").click()
    expect(teacher_page.locator("#result_list")).to_be_visible()
    question.refresh_from_db()
    assert question.status == Status.PUBLISHED

    # A learner meets it in a section quiz and answers it.
    learner_page = browser.new_context(locale="zh-CN").new_page()
    login(learner_page, learner)
    learner_page.goto(f"{live_server.url}/quiz/?section={leaf.key}")
    learner_page.locator("[data-testid=start-quiz]").click()
    expect(learner_page).to_have_url(re.compile(r"/quiz/\d+/$"))
    expect(learner_page.locator("[data-testid=prompt]")).to_contain_text("这叫 ____")
    learner_page.locator("[data-testid=fill-text]").fill("TP")
    learner_page.locator("[data-testid=submit]").click()
    expect(learner_page.locator("[data-testid=feedback]")).to_have_class(re.compile(r"is-right"))
    learner_page.screenshot(path=f"{output_path}/authoring-learner.png", full_page=True)


# --- Draft first, the question list at 1280 px, and a GIFT import as Moodle writes it (issue 20 items 5, 6) ---

SHOTS = "test-results"
WIDTHS = (1280, 390)
# How many lines an element's text is laid out in (as tests/e2e/test_class_layout.py counts them).
LINES = """el => {
  const tops = new Set(), walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) if (box.bottom <= el.getBoundingClientRect().bottom + 1) tops.add(Math.round(box.top));
  }
  return tops.size;
}"""
LONG_PROMPT = "在没有接入外部记忆系统时，大模型之所以能记住用户在对话中提供的信息，靠的主要是什么？请选出最准确的一项。"
MOODLE_GIFT = """// Exported from Moodle
$CATEGORY: $course$/top/并行练习

::Transformer 架构::大模型的主流架构是 {=Transformer =transformer =ＴＲＡＮＳＦＯＲＭＥＲ}。

::Tensor parallel::张量并行在哪里切分计算? {
  =层内 #对：把一层的矩阵切开。
  ~层间 #那是流水线并行。
  ~数据之间
}

::TP true or false::张量并行需要 GPU 之间高速互联。{T}

::GPU count::一台 DGX 服务器通常有几张 GPU? {#8}

::Essay::谈谈你对并行训练的理解。{}
"""


def accessible(page, selector):
    """No serious or critical axe-core violation in what this work adds to a page (`selector`). The admin's own
    parts fail some rules (the inline rows' unlabelled inputs, the breadcrumbs' contrast): Django's, not ours."""
    bad = [v for v in run_axe(page, selector) if v["impact"] in FAILING_IMPACTS]
    assert not bad, describe(bad)


def shoot(page, name):
    """Screenshots of the page as it is at each width (full page), for a person to look at."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        # Nothing makes the page itself wider than the window (wide tables scroll in their own box).
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def crowded_leaf(leaf):
    """A section whose title is long, with enough questions with long prompts to fill the list."""
    from tests.factories import QuestionFactory

    leaf.title = "大模型工作流程(Prompt、分词、嵌入、Transformer 层、续写)"
    leaf.save()
    for n in range(12):
        QuestionFactory(section=leaf, key=f"e2e-parallel-long-{n:02d}", prompt=f"{LONG_PROMPT}（{n}）")
    return leaf


def test_a_new_question_is_a_draft_until_save_and_publish_after_its_preview(
    browser, live_server, login, teacher, crowded_leaf
):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(page, teacher)
    page.goto(f"{live_server.url}/admin/catalog/question/add/")
    expect(page.locator("#id_status")).to_have_value("draft")  # nobody has to remember to pick it
    expect(page.locator("[data-testid=save-and-publish]")).to_have_count(0)
    shoot(page, "authoring-add-form")
    page.locator("#id_key").fill("e2e-parallel-q02")
    page.locator("#id_section").select_option(str(crowded_leaf.pk))
    page.locator("#id_type").select_option("fill")
    page.locator("#id_prompt").fill(PROMPT)
    page.locator("#id_explanation").fill("张量并行(TP)在层内切分计算。")
    page.locator("input[name='accepted_answers-0-text']").fill("张量并行")
    page.locator("input[name='_continue']").click()

    # The saved draft says what it is, links the preview, and offers Save and publish right after Save.
    note = page.locator("[data-testid=draft-note]")
    expect(note).to_contain_text("草稿：学员暂时看不到。")
    question = Question.objects.get(key="e2e-parallel-q02")
    assert question.status == Status.DRAFT
    page.locator("input[name=_save]").focus()
    page.keyboard.press("Tab")
    expect(page.locator("[data-testid=save-and-publish]")).to_be_focused()
    shoot(page, "authoring-draft-change-form")
    # (No axe run here: on Django's change form axe-core's own checks inject a <style> the site's policy
    # refuses, which the CSP guard would report.)

    page.locator("[data-testid=draft-preview-link]").click()
    expect(page.locator("[data-testid=prompt]")).to_contain_text("这叫 ____")
    page.go_back()

    page.locator("[data-testid=save-and-publish]").click()
    expect(page.locator("ul.messagelist")).to_contain_text("已发布：从现在起学员会遇到它。")
    question.refresh_from_db()
    assert question.status == Status.PUBLISHED


def test_the_question_list_reads_at_1280_px(browser, live_server, login, teacher, crowded_leaf):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(page, teacher)
    page.goto(f"{live_server.url}/admin/catalog/question/?section__id__exact={crowded_leaf.pk}")
    results = page.locator("#changelist-form .results")
    # Every column in view: no inner horizontal scroll, the last column (Preview) inside the window.
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth")
    preview = page.locator("#result_list thead th.column-preview_link")
    box = preview.bounding_box()
    assert box["x"] + box["width"] <= 1280
    for column in ("key", "asked", "in_section", "type", "status", "version", "answers", "facility"):
        expect(page.locator(f"#result_list thead th.column-{column}")).to_be_visible()
    # The prompt keeps to two lines, cut with an ellipsis, its whole text on hover; the section to one.
    prompt = page.locator("#result_list td.field-asked .one-line").first
    expect(prompt).to_have_attribute("title", f"{LONG_PROMPT}（0）")
    assert prompt.evaluate("el => el.scrollHeight > el.clientHeight")
    assert prompt.evaluate(LINES) == 2
    section = page.locator("#result_list td.field-in_section .one-line").first
    expect(section).to_have_attribute("title", crowded_leaf.title)
    assert section.evaluate("el => el.scrollWidth > el.clientWidth") and section.evaluate(LINES) == 1
    shoot(page, "authoring-question-list")
    accessible(page, "#result_list")


def test_a_moodle_gift_import_asks_for_the_status_and_its_plan_names_each_type(
    browser, live_server, login, teacher, leaf
):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(page, teacher)
    page.goto(f"{live_server.url}/admin/catalog/question/import/")
    expect(page.locator("input[name=status][value=draft]")).to_be_checked()
    shoot(page, "authoring-import-form")
    accessible(page, "[data-testid=import-form]")
    page.locator("input[name=file]").set_input_files(
        {"name": "moodle.gift", "mimeType": "text/plain", "buffer": MOODLE_GIFT.encode("utf-8")})
    page.locator("input[type=submit]").click()

    plan = page.locator("[data-testid=import-plan]")
    expect(plan.locator("[data-testid=import-counts]")).to_contain_text("将新建 4 项")
    kinds = plan.locator("[data-testid=import-kind]")
    expect(kinds).to_have_count(4)
    assert kinds.all_inner_texts()[:3] == ["填空题", "单选题", "判断题"]
    expect(plan.locator("[data-testid=import-row]").nth(1)).to_contain_text("e2e-parallel-tensor-parallel")
    expect(plan).to_contain_text("“transformer”与“Transformer”在忽略大小写、全半角和标点后是同一个答案：已合并为一个")
    expect(plan.locator("[data-testid=import-skipped]")).to_contain_text("第 16 行：不支持问答题")
    expect(plan).to_contain_text("新内容将保存为草稿。")
    shoot(page, "authoring-import-plan")
    accessible(page, "[data-testid=import-plan]")
    page.locator("[data-testid=confirm-import]").click()
    expect(page.locator("ul.messagelist")).to_contain_text("导入完成")
    imported = Question.objects.filter(section=leaf)
    assert imported.count() == 4
    assert set(imported.values_list("status", flat=True)) == {Status.DRAFT}
    assert imported.filter(key="e2e-parallel-tp-true-or-false", title="TP true or false").exists()


def test_a_new_flashcard_is_a_draft_until_save_and_publish_and_the_card_list_reads_at_1280_px(
    browser, live_server, login, teacher, crowded_leaf
):
    from quizapp.catalog.models import Flashcard

    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    login(page, teacher)
    page.goto(f"{live_server.url}/admin/catalog/flashcard/add/")
    expect(page.locator("#id_status")).to_have_value("draft")
    page.locator("#id_key").fill("e2e-parallel-c01")
    page.locator("#id_section").select_option(str(crowded_leaf.pk))
    page.locator("#id_front").fill(f"{LONG_PROMPT}（卡片）")
    page.locator("#id_back").fill("上下文窗口：对话内容作为输入再次送入模型。")
    page.locator("input[name='_continue']").click()
    expect(page.locator("[data-testid=draft-note]")).to_contain_text("草稿：学员暂时看不到。")
    expect(page.locator("[data-testid=draft-preview-link]")).to_have_attribute(
        "href", re.compile(r"/admin/catalog/flashcard/\d+/preview/$"))
    shoot(page, "authoring-flashcard-draft-form")
    page.locator("[data-testid=save-and-publish]").click()
    expect(page.locator("ul.messagelist")).to_contain_text("已发布：从现在起学员会遇到它。")
    assert Flashcard.objects.get(key="e2e-parallel-c01").status == Status.PUBLISHED

    # The card list: every column in view, the front cut to two lines with its whole text on hover.
    assert page.locator("#changelist-form .results").evaluate("el => el.scrollWidth <= el.clientWidth")
    front = page.locator("#result_list td.field-shown_front .one-line").first
    expect(front).to_have_attribute("title", f"{LONG_PROMPT}（卡片）")
    expect(page.locator("#result_list thead th.column-preview_link")).to_be_in_viewport()
    shoot(page, "authoring-flashcard-list")
    accessible(page, "#result_list")
