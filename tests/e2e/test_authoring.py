import re

import pytest
from playwright.sync_api import expect

from quizapp.catalog.models import Question, Status
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
