import re

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.test import Client
from django.urls import reverse
from django.utils.text import capfirst

from quizapp.catalog import authoring
from quizapp.catalog.admin import QuestionAdmin
from quizapp.catalog.models import Flashcard, Question, QuestionVersion, Section, Status
from quizapp.quizzes import services as quizzes
from quizapp.quizzes.models import AttemptItem
from tests.catalog.admin_posts import ADD_URL, act, change_url, edit_data, question_data
from tests.factories import QuestionFactory, SectionFactory, UserFactory
from tests.progress.helpers import given_for


def preview_url(question):
    return reverse("admin:catalog_question_preview", args=[question.pk])


# --- Who may author --------------------------------------------------------------------------------


def test_admin_pages_load_for_a_teacher(teacher_client, starter_bank):
    question = Question.objects.get(key="lora-q01")
    card = Flashcard.objects.get(key="lora-c01")
    for url in [
        reverse("admin:index"),
        reverse("admin:catalog_question_changelist"),
        ADD_URL,
        change_url(question),
        preview_url(question),
        reverse("admin:catalog_question_import"),
        reverse("admin:catalog_question_export"),
        reverse("admin:catalog_flashcard_changelist"),
        reverse("admin:catalog_flashcard_add"),
        reverse("admin:catalog_flashcard_change", args=[card.pk]),
        reverse("admin:catalog_flashcard_preview", args=[card.pk]),
        reverse("admin:catalog_section_changelist"),
        reverse("admin:catalog_section_change", args=[Section.objects.get(key="lora").pk]),
    ]:
        assert teacher_client.get(url).status_code == 200, url


def test_a_learner_is_refused_every_authoring_page(client, learner, starter_bank):
    client.force_login(learner)
    question = Question.objects.get(key="lora-q01")
    for url in [
        reverse("admin:catalog_question_changelist"),
        change_url(question),
        preview_url(question),
        reverse("admin:catalog_question_import"),
        reverse("admin:catalog_question_export"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert client.post(preview_url(question), {"choice": "1"}).status_code == 302


def test_a_teacher_cannot_manage_users_or_groups(teacher_client):
    assert teacher_client.get("/admin/accounts/user/").status_code == 403
    assert teacher_client.get("/admin/auth/group/").status_code == 403
    html = teacher_client.get(reverse("admin:index")).content.decode()
    assert "/admin/accounts/user/" not in html and "/admin/auth/group/" not in html


@pytest.mark.django_db
def test_question_list_queries_do_not_grow_with_the_bank(teacher_client, django_assert_max_num_queries):
    leaf = SectionFactory()
    QuestionFactory.create_batch(3, section=leaf)
    with django_assert_max_num_queries(12) as few:
        assert teacher_client.get(reverse("admin:catalog_question_changelist")).status_code == 200
    QuestionFactory.create_batch(40, section=SectionFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert teacher_client.get(reverse("admin:catalog_question_changelist")).status_code == 200


def test_flashcard_and_section_lists_have_a_fixed_number_of_queries(
    teacher_client, starter_bank, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert teacher_client.get(reverse("admin:catalog_flashcard_changelist")).status_code == 200
    with django_assert_max_num_queries(12):
        assert teacher_client.get(reverse("admin:catalog_section_changelist")).status_code == 200


# --- Validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "qtype, rows, message",
    [
        (
            "single",
            {"choices": [("甲", True), ("乙", True), ("丙", False)]},
            "单选题必须恰好有一个正确选项（现有 2 个）",
        ),
        ("single", {"choices": [("甲", False), ("乙", False)]}, "单选题必须恰好有一个正确选项（现有 0 个）"),
        ("truefalse", {"choices": [("true", True), ("false", True)]}, "判断题必须恰好有一个正确选项（现有 2 个）"),
        ("truefalse", {"choices": [("可能", True), ("错", False)]}, "判断题恰好有两个选项：“true”和“false”"),
        (
            "multiple",
            {"choices": [("甲", True), ("乙", False), ("丙", False)]},
            "多选题至少需要两个正确选项和一个错误选项（现有 3 个选项，其中 1 个正确）",
        ),
        (
            "multiple",
            {"choices": [("甲", True), ("乙", True)]},
            "多选题至少需要两个正确选项和一个错误选项（现有 2 个选项，其中 2 个正确）",
        ),
        ("ordering", {"items": ["一", "二"]}, "排序题需要 3 到 6 项（现有 2 项）"),
        ("ordering", {"items": list("一二三四五六七")}, "排序题需要 3 到 6 项（现有 7 项）"),
        ("matching", {"pairs": [("甲", "A"), ("乙", "B")]}, "匹配题需要 3 到 6 组配对（现有 2 组）"),
        ("fill", {}, "填空题至少需要一个可接受的答案"),
    ],
)
def test_invalid_answer_rows_are_refused_with_a_clear_message(
    teacher_client, starter_bank, qtype, rows, message
):
    data = question_data(section=Section.objects.get(key="lora"), qtype=qtype, **rows)
    response = teacher_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.filter(key="lora-new").exists()


def test_answer_row_problems_follow_the_teachers_language(teacher_client, starter_bank):
    data = question_data(section=Section.objects.get(key="lora"), qtype="ordering", items=["一", "二"])
    html = teacher_client.post(ADD_URL, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "An ordering question needs 3 to 6 items (has 2)" in html


def test_ordering_items_without_positions_keep_the_order_they_were_entered_in(teacher_client, starter_bank):
    data = question_data(section=Section.objects.get(key="lora"), qtype="ordering", items=["一", "二", "三"])
    for i in range(3):
        del data[f"order_items-{i}-position"]  # left empty
    response = teacher_client.post(ADD_URL, data)
    assert response.status_code == 302
    question = Question.objects.get(key="lora-new")
    assert [(i.text, i.position) for i in question.order_items.all()] == [("一", 1), ("二", 2), ("三", 3)]


def test_two_ordering_items_in_one_place_are_refused(teacher_client, starter_bank):
    data = question_data(section=Section.objects.get(key="lora"), qtype="ordering", items=["一", "二", "三"])
    data["order_items-1-position"] = data["order_items-0-position"]
    html = teacher_client.post(ADD_URL, data).content.decode()
    assert "两项的位置都是" in html
    assert not Question.objects.filter(key="lora-new").exists()


def test_a_true_false_question_may_be_typed_with_chinese_words(teacher_client, starter_bank):
    data = question_data(section=Section.objects.get(key="lora"), qtype="truefalse",
                         choices=[("对", False), ("错", True)])
    assert teacher_client.post(ADD_URL, data).status_code == 302
    question = Question.objects.get(key="lora-new")
    assert {(c.text, c.is_correct) for c in question.choices.all()} == {("true", False), ("false", True)}


def test_difficulty_must_be_1_to_5(teacher_client, starter_bank):
    data = question_data(
        section=Section.objects.get(key="lora"), qtype="fill", answers=["QLoRA"], difficulty=6
    )
    response = teacher_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert not Question.objects.filter(key="lora-new").exists()


def test_a_fill_in_prompt_without_a_blank_is_refused_in_the_loaders_words(teacher_client, starter_bank):
    prompt = "在 4-bit 量化模型上做 LoRA 的方法叫什么?"
    lora = Section.objects.get(key="lora")
    data = question_data(section=lora, qtype="fill", answers=["QLoRA"], prompt=prompt)
    response = teacher_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert not Question.objects.filter(key="lora-new").exists()
    errors = response.context["adminform"].form.errors["prompt"]
    # One rule, one message: the same file line the YAML loader (and so the import page) reports.
    yaml_text = (
        "section: tuning\nsections:\n  - key: lora\n    questions:\n"
        "      - key: lora-new\n        type: fill\n        difficulty: 2\n"
        f"        prompt: {prompt}\n        answers: [QLoRA]\n"
    )
    loader = [str(p.message) for p in authoring.import_read(yaml_text, format="yaml").problems]
    assert loader == ["填空题的题干须用 ____ 标出空格"] and errors == loader
    data["prompt"] = "在 4-bit 量化模型上做 LoRA 的方法叫 ____。"
    assert teacher_client.post(ADD_URL, data).status_code == 302


@pytest.mark.parametrize("key", ["Lora-Q1", "lora_q1", "lora--q1", "-lora"])
def test_keys_the_loader_refuses_are_refused(teacher_client, starter_bank, key):
    data = question_data(section=Section.objects.get(key="lora"), qtype="truefalse", key=key,
                         choices=[("true", True), ("false", False)])
    response = teacher_client.post(ADD_URL, data)
    assert response.status_code == 200 and "key" in response.context["adminform"].form.errors
    assert not Question.objects.filter(key=key).exists()
    card = {"key": key, "section": Section.objects.get(key="lora").pk, "status": "published",
            "front": "正面", "back": "背面", "hint": ""}
    response = teacher_client.post(reverse("admin:catalog_flashcard_add"), card)
    assert response.status_code == 200 and not Flashcard.objects.filter(key=key).exists()
    section = {"key": key, "title": "新章节", "order": 9, "notes": ""}
    response = teacher_client.post(reverse("admin:catalog_section_add"), section)
    assert response.status_code == 200 and not Section.objects.filter(key=key).exists()


def test_every_type_authored_in_the_admin_exports_and_imports_again(teacher_client, starter_bank, tmp_path):
    """What the admin accepts, the loader accepts: export, import and export again give the same file, also
    for a two-choice question and one without an explanation (allowed in the admin and in GIFT files)."""
    lora = Section.objects.get(key="lora")
    authored = {
        "single": dict(choices=[("甲", True), ("乙", False)], explanation=""),
        "multiple": dict(choices=[("甲", True), ("乙", True), ("丙", False)]),
        "truefalse": dict(choices=[("对", True), ("错", False)]),
        "fill": dict(answers=["QLoRA", "4-bit LoRA"], prompt="在量化模型上做 LoRA 叫 ____。"),
        "ordering": dict(items=["一", "二", "三"]),
        "matching": dict(pairs=[("甲", "A"), ("乙", "B"), ("丙", "C")]),
    }
    for qtype, rows in authored.items():
        data = question_data(section=lora, qtype=qtype, key=f"lora-admin-{qtype}", **rows)
        assert teacher_client.post(ADD_URL, data).status_code == 302, qtype
    exported = authoring.export_yaml_section(Section.objects.get(key="tuning"))
    parsed = authoring.import_read(exported, format="yaml")
    assert parsed.problems == []
    Question.objects.filter(key__startswith="lora-admin-").delete()
    authoring.import_apply(parsed=parsed, update=True)
    assert authoring.export_yaml_section(Section.objects.get(key="tuning")) == exported


def test_a_section_holding_questions_cannot_get_subsections(teacher_client, starter_bank):
    lora = Section.objects.get(key="lora")
    data = {"key": "lora-more", "title": "更多", "parent": lora.pk, "order": 9, "notes": ""}
    response = teacher_client.post(reverse("admin:catalog_section_add"), data)
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    # Nor can a section with subsections go under another: content/sections.yaml is two levels deep.
    tuning = Section.objects.get(key="tuning")
    data = {"key": "tuning", "title": "微调", "parent": Section.objects.get(key="history").pk, "order": 2,
            "notes": ""}
    response = teacher_client.post(reverse("admin:catalog_section_change", args=[tuning.pk]), data)
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    assert Section.objects.get(key="tuning").parent is None
    data = {"key": "lora-more", "title": "更多", "parent": tuning.pk, "order": 9, "notes": ""}
    assert teacher_client.post(reverse("admin:catalog_section_add"), data).status_code == 302


def test_a_valid_question_is_created_and_logged(teacher_client, teacher, starter_bank):
    data = question_data(
        section=Section.objects.get(key="lora"),
        qtype="matching",
        pairs=[("甲", "A"), ("乙", "B"), ("丙", "C")],
    )
    response = teacher_client.post(ADD_URL, data)
    assert response.status_code == 302
    question = Question.objects.get(key="lora-new")
    assert question.match_pairs.count() == 3 and question.version == 1
    assert LogEntry.objects.filter(user=teacher, object_id=str(question.pk), action_flag=ADDITION).exists()


def test_tags_are_typed_as_words_separated_by_commas(teacher_client, starter_bank):
    data = question_data(section=Section.objects.get(key="lora"), qtype="fill", answers=["QLoRA"])
    data["tags"] = "LoRA，量化, 微调"
    assert teacher_client.post(ADD_URL, data).status_code == 302
    assert Question.objects.get(key="lora-new").tags == ["LoRA", "量化", "微调"]
    html = teacher_client.get(change_url(Question.objects.get(key="lora-new"))).content.decode()
    assert "LoRA, 量化, 微调" in html


def test_rows_of_another_type_are_dropped_on_save(teacher_client, starter_bank):
    section = Section.objects.get(key="lora")
    data = question_data(
        section=section, qtype="fill", answers=["QLoRA"], choices=[("甲", True), ("乙", False)]
    )
    assert teacher_client.post(ADD_URL, data).status_code == 302
    question = Question.objects.get(key="lora-new")
    assert question.choices.count() == 0 and question.accepted_answers.count() == 1


# --- Sanitized Markdown ------------------------------------------------------------------------------

UNSAFE_PROMPT = "**注意** <script>alert(1)</script> <img src=x onerror=alert(1)> [链接](javascript:alert(1))"


def warnings_of(response):
    return [str(m) for m in response.wsgi_request._messages if m.level_tag == "warning"]


def test_saving_markdown_that_sanitizing_cuts_warns_and_names_the_field(teacher_client, starter_bank):
    question = Question.objects.get(key="history-q01")
    data = edit_data(question, prompt=UNSAFE_PROMPT, explanation="**安全** [文档](https://a.cn)")
    response = teacher_client.post(change_url(question), data, follow=True)
    assert response.status_code == 200
    [warning] = warnings_of(response)
    assert str(capfirst(Question._meta.get_field("prompt").verbose_name)) in warning
    assert "<script>" in warning and "<img>" in warning and 'href="javascript:alert(1)"' in warning
    assert Question.objects.get(pk=question.pk).prompt == UNSAFE_PROMPT  # kept as typed; cut when shown
    card = Flashcard.objects.get(key="lora-c01")
    data = {"key": card.key, "section": card.section_id, "status": card.status, "front": card.front,
            "back": "<iframe src=https://evil.example></iframe>背面", "hint": ""}
    url = reverse("admin:catalog_flashcard_change", args=[card.pk])
    response = teacher_client.post(url, data, follow=True)
    [warning] = warnings_of(response)
    assert str(capfirst(Flashcard._meta.get_field("back").verbose_name)) in warning and "<iframe>" in warning
    # Safe Markdown (bold, an https link, a table with aligned columns) saves without a word.
    safe = "**粗体** [文档](https://a.cn)\n\n| a | b |\n|:--|--:|\n| 1 | 2 |"
    response = teacher_client.post(change_url(question), edit_data(question, prompt=safe), follow=True)
    assert warnings_of(response) == []


def test_lists_show_prompts_and_card_fronts_as_the_plain_text_learners_read(teacher_client, starter_bank):
    Question.objects.filter(key="history-q01").update(prompt=UNSAFE_PROMPT + " 哪一年?")
    Flashcard.objects.filter(key="lora-c01").update(front="**LoRA** <script>x()</script>训练什么?")
    response = changelist(teacher_client, q="history-q01")
    assert cells(response, "asked") == {"history-q01": "注意 链接 哪一年?"}
    cards = teacher_client.get(reverse("admin:catalog_flashcard_changelist"), {"q": "lora-c01"})
    html = cards.content.decode()
    assert re.search(r'class="field-shown_front"><a [^>]*><span class="one-line" title="LoRA 训练什么\?">'
                     r'LoRA 训练什么\?</span></a>', html)
    assert "**" not in html.split('id="result_list"')[1] and "&lt;script" not in html


# --- Draft first: the add form, "Save and publish" -------------------------------------------------


def selected_status(html):
    return re.search(r'<select name="status"[^>]*>.*?<option value="(\w+)" selected>', html, re.S).group(1)


@pytest.mark.parametrize("model", ["question", "flashcard"])
def test_a_new_question_or_flashcard_starts_as_a_draft(teacher_client, starter_bank, model):
    html = teacher_client.get(reverse(f"admin:catalog_{model}_add")).content.decode()
    assert selected_status(html) == "draft"
    assert 'name="_publish"' not in html  # nothing to preview yet: Save, then preview, then publish


def test_a_question_saved_from_the_add_form_as_it_comes_is_a_draft_learners_do_not_meet(
    teacher_client, starter_bank
):
    data = question_data(section=Section.objects.get(key="lora"), qtype="truefalse", status="draft",
                         choices=[("true", True), ("false", False)])
    assert teacher_client.post(ADD_URL, data).status_code == 302
    assert Question.objects.get(key="lora-new").status == Status.DRAFT
    assert not Question.objects.published().filter(key="lora-new").exists()


def test_a_drafts_change_form_links_the_preview_and_offers_save_and_publish(teacher_client, starter_bank):
    question = Question.objects.get(key="lora-q02")
    Question.objects.filter(pk=question.pk).update(status=Status.DRAFT)
    html = teacher_client.get(change_url(question)).content.decode()
    assert 'data-testid="draft-note"' in html and "草稿：学员暂时看不到。" in html
    assert f'<a href="{preview_url(question)}" data-testid="draft-preview-link">' in html
    save, publish = html.index('name="_save"'), html.index('name="_publish"')
    assert save < publish < html.index('name="_continue"')  # next to Save
    published = Question.objects.get(key="lora-q01")
    html = teacher_client.get(change_url(published)).content.decode()
    assert 'name="_publish"' not in html and 'data-testid="draft-note"' not in html


def test_save_and_publish_saves_the_edit_publishes_and_logs_it_once(teacher_client, teacher, starter_bank):
    question = Question.objects.get(key="lora-q02")
    Question.objects.filter(pk=question.pk).update(status=Status.DRAFT)
    data = {**edit_data(question, status="draft", explanation="改过的解析。"), "_publish": "保存并发布"}
    response = teacher_client.post(change_url(question), data)
    assert response.status_code == 302 and response["Location"] == reverse("admin:catalog_question_changelist")
    question.refresh_from_db()
    assert (question.status, question.explanation, question.version) == (Status.PUBLISHED, "改过的解析。", 1)
    assert "已发布：从现在起学员会遇到它。" in messages_of(response)
    entry = LogEntry.objects.filter(user=teacher, object_id=str(question.pk), action_flag=CHANGE).get()
    assert "状态" in entry.get_change_message()
    # The same form sent again (a double click, a second tab): nothing more changes.
    again = teacher_client.post(change_url(question), data)
    assert again.status_code == 302
    question.refresh_from_db()
    assert (question.status, question.version) == (Status.PUBLISHED, 1)


def test_save_and_publish_of_a_form_with_a_problem_publishes_nothing(teacher_client, starter_bank):
    question = Question.objects.get(key="lora-q02")
    Question.objects.filter(pk=question.pk).update(status=Status.DRAFT)
    data = {**edit_data(question, status="draft", prompt="没有空格的填空题"), "_publish": "保存并发布"}
    response = teacher_client.post(change_url(question), data)
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.status == Status.DRAFT


def test_save_and_publish_publishes_a_draft_flashcard(teacher_client, starter_bank):
    card = Flashcard.objects.get(key="lora-c01")
    Flashcard.objects.filter(pk=card.pk).update(status=Status.DRAFT)
    url = reverse("admin:catalog_flashcard_change", args=[card.pk])
    html = teacher_client.get(url).content.decode()
    preview = reverse("admin:catalog_flashcard_preview", args=[card.pk])
    assert f'<a href="{preview}" data-testid="draft-preview-link">' in html and 'name="_publish"' in html
    data = {"key": card.key, "section": card.section_id, "status": "draft", "front": card.front,
            "back": card.back, "hint": card.hint, "_publish": "保存并发布"}
    assert teacher_client.post(url, data).status_code == 302
    card.refresh_from_db()
    assert card.status == Status.PUBLISHED


def test_the_question_list_keeps_prompts_and_sections_to_one_line_with_the_whole_text_on_hover(
    teacher_client, starter_bank
):
    long = "在没有接入外部记忆系统时，大模型之所以能记住用户在对话中提供的信息，靠的主要是什么？" * 2
    Question.objects.filter(key="history-q01").update(prompt=long)
    html = changelist(teacher_client, q="history-q01").content.decode()
    assert f'<span class="one-line" title="{long}">{long}</span>' in html
    assert '<span class="one-line" title="发展历程">发展历程</span>' in html


# --- Versions --------------------------------------------------------------------------------------


def test_editing_the_prompt_makes_a_new_version_and_keeps_the_old_one(teacher_client, teacher, starter_bank):
    question = Question.objects.get(key="lora-q02")
    response = teacher_client.post(change_url(question), edit_data(question, prompt="改过的 ____ 问题。"))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.version == 2
    old = QuestionVersion.objects.get(question=question)
    assert old.number == 1 and old.replaced_by == teacher
    assert old.content["prompt"] == "在 4-bit 量化模型上做 LoRA 的方法叫 ____。"
    assert old.content["answers"] == ["QLoRA", "Quantized LoRA"]
    html = teacher_client.get(change_url(question)).content.decode()
    assert "在 4-bit 量化模型上做 LoRA 的方法叫 ____。" in html  # the earlier version, shown to the teacher
    assert 'data-testid="version"' in html


def test_changing_what_counts_as_right_makes_a_new_version(teacher_client, starter_bank):
    question = Question.objects.get(key="history-q01")
    response = teacher_client.post(
        change_url(question), edit_data(question, choices=[("2012", False), ("2006", True), ("2017", False)])
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.version == 2
    assert question.choices.get(is_correct=True).text == "2006"


def test_editing_only_the_explanation_or_difficulty_keeps_the_version(teacher_client, starter_bank):
    question = Question.objects.get(key="lora-q02")
    response = teacher_client.post(
        change_url(question), edit_data(question, explanation="新的解释。", difficulty=4)
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.version, question.explanation, question.difficulty) == (1, "新的解释。", 4)
    assert not QuestionVersion.objects.exists()


def test_every_edit_is_in_the_admin_log(teacher_client, teacher, starter_bank):
    question = Question.objects.get(key="lora-q02")
    teacher_client.post(change_url(question), edit_data(question, explanation="新的解释。"))
    assert LogEntry.objects.filter(user=teacher, object_id=str(question.pk), action_flag=CHANGE).exists()


# --- Preview ---------------------------------------------------------------------------------------


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.label not in ("sessions.Session",)
    }


def test_preview_marks_an_answer_and_records_nothing(teacher_client, starter_bank):
    question = Question.objects.get(key="history-q01")
    right = question.choices.get(is_correct=True)
    wrong = question.choices.filter(is_correct=False).first()
    before = row_counts()
    html = teacher_client.post(preview_url(question), {"choice": right.pk}).content.decode()
    assert 'data-correct="true"' in html
    html = teacher_client.post(preview_url(question), {"choice": wrong.pk}).content.decode()
    assert 'data-correct="false"' in html
    assert "AlexNet 在 2012 年取胜" in html  # the explanation, after answering
    assert row_counts() == before


def answer_for(question):
    """The right answer, as the preview form (the learner's form) posts it."""
    if question.type in ("single", "truefalse"):
        return {"choice": question.choices.get(is_correct=True).pk}
    if question.type == "multiple":
        return {"choice": [c.pk for c in question.choices.filter(is_correct=True)]}
    if question.type == "fill":
        return {"text": question.accepted_answers.first().text}
    if question.type == "ordering":
        return {f"pos_{item.pk}": n for n, item in enumerate(question.order_items.all(), 1)}
    return {f"match_{pair.pk}": pair.pk for pair in question.match_pairs.all()}


def test_every_type_can_be_answered_in_the_preview(teacher_client, starter_bank):
    types = set()
    for question in Question.objects.all():
        html = teacher_client.post(preview_url(question), answer_for(question)).content.decode()
        assert 'data-correct="true"' in html, question.key
        types.add(question.type)
    assert types == {"single", "multiple", "truefalse", "fill", "ordering", "matching"}


def learner_form_parts(html):
    """The answer inputs and the check button of a question page, as markup to compare: test ids (the
    tests' handles, not the learner's) and the whitespace between tags left out."""
    parts = re.findall(r"<fieldset.*?</fieldset>|<div class=\"actions\">.*?</div>", html, re.S)
    parts = [re.sub(r' data-testid="[^"]*"', "", part) for part in parts]
    return [re.sub(r"\s+", " ", re.sub(r">\s+<", "><", part)) for part in parts]


def test_preview_inputs_are_the_learners_inputs(teacher_client, learner, starter_bank):
    """For every type, the preview's inputs are exactly those of the learner's quiz page serving the same
    question in the same order: true/false as two buttons that answer at once, matching's "Choose…"."""
    client = Client()
    client.force_login(learner)
    types = set()
    for question in Question.objects.all():
        preview = teacher_client.get(preview_url(question))
        attempt = quizzes.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)
        AttemptItem.objects.filter(attempt=attempt).update(
            question=question, question_version=question.version, shown=preview.context["shown"]
        )
        page = client.get(reverse("quizzes:question", args=[attempt.pk])).content.decode()
        assert learner_form_parts(page), question.key
        assert learner_form_parts(preview.content.decode()) == learner_form_parts(page), question.key
        types.add(question.type)
    assert types == {"single", "multiple", "truefalse", "fill", "ordering", "matching"}


def test_a_true_false_preview_answers_with_one_click_on_its_buttons(teacher_client, starter_bank):
    question = Question.objects.get(type="truefalse")
    html = teacher_client.get(preview_url(question)).content.decode()
    buttons = re.findall(r'<button type="submit" class="button tf" name="choice" value="(\d+)"', html)
    assert sorted(map(int, buttons)) == sorted(c.pk for c in question.choices.all())
    assert 'type="radio"' not in html and 'data-testid="submit"' not in html
    html = teacher_client.post(preview_url(question), answer_for(question)).content.decode()
    assert 'data-correct="true"' in html


def test_a_partly_right_answer_is_shown_as_the_learner_sees_it(teacher_client, starter_bank):
    question = Question.objects.get(key="history-q03")  # matching, three pairs
    pairs = [p.pk for p in question.match_pairs.all()]
    given = {f"match_{pairs[0]}": pairs[0], f"match_{pairs[1]}": pairs[2], f"match_{pairs[2]}": pairs[1]}
    response = teacher_client.post(preview_url(question), given)
    assert response.context["partial"] and response.context["score_percent"] == 33
    html = response.content.decode()
    assert 'class="feedback is-partial"' in html and 'data-correct="false"' in html
    # What was chosen stays chosen, so another pairing can be tried from there.
    assert html.count(" selected lang=") == 3


def test_an_incomplete_answer_is_explained_not_marked(teacher_client, starter_bank):
    question = Question.objects.get(key="history-q02")
    items = list(question.order_items.all())
    html = teacher_client.post(preview_url(question), {f"pos_{i.pk}": 1 for i in items}).content.decode()
    assert 'data-testid="verdict"' not in html
    assert 'class="message error"' in html


def test_preview_answers_in_place_for_htmx(teacher_client, starter_bank):
    question = Question.objects.get(key="lora-q02")
    response = teacher_client.post(preview_url(question), {"text": "qlora"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="result"' in html and 'data-correct="true"' in html


def test_a_flashcard_preview_shows_the_hint_as_learners_get_it(teacher_client, starter_bank):
    card = Flashcard.objects.get(key="lora-c01")
    Flashcard.objects.filter(pk=card.pk).update(hint="想想 **低秩**")  # plain text on the review page
    html = teacher_client.get(reverse("admin:catalog_flashcard_preview", args=[card.pk])).content.decode()
    assert '<div data-testid="hint" lang="zh-Hans">想想 **低秩**</div>' in html


def test_drafts_can_be_previewed(teacher_client, starter_bank):
    question = Question.objects.get(key="lora-q02")
    Question.objects.filter(pk=question.pk).update(status=Status.DRAFT)
    assert teacher_client.get(preview_url(question)).status_code == 200


# --- Deleting: answers are history ------------------------------------------------------------------


def delete_url(obj):
    return reverse(f"admin:catalog_{obj._meta.model_name}_delete", args=[obj.pk])


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def answer_once(learner, question):
    """`learner` answers `question` (the only question of its section) in a section quiz."""
    attempt = quizzes.attempt_start(
        learner=learner, kind="section", section_ids=[question.section_id], length=5)
    question = Question.objects.prefetch_related("choices").get(pk=question.pk)
    quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=1, question_id=question.pk,
                          given=given_for(question, right=False))


@pytest.fixture
def answered(db, learner):
    question = QuestionFactory(section=SectionFactory(key="answered-leaf"), key="answered-q")
    answer_once(learner, question)
    return question


def test_an_answered_question_offers_no_delete_and_says_why(teacher_client, answered):
    html = teacher_client.get(change_url(answered)).content.decode()
    assert delete_url(answered) not in html
    assert 'data-testid="undeletable"' in html and 'data-testid="unpublish"' in html
    # An old link or a hand-typed URL: a plain message on the question's page, not a permission error.
    response = teacher_client.get(delete_url(answered), follow=True)
    assert response.redirect_chain == [(change_url(answered), 302)]
    assert messages_of(response) == [str(QuestionAdmin.undeletable_message)]
    assert teacher_client.post(delete_url(answered), {"post": "yes"}).status_code == 302
    assert Question.objects.filter(pk=answered.pk).exists()


def test_the_unpublish_button_of_an_answered_question_unpublishes_it(teacher_client, answered):
    html = teacher_client.get(change_url(answered)).content.decode()
    form = re.search(r'<div class="undeletable-note".*?</div>', html, re.S).group()
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    teacher_client.post(reverse("admin:catalog_question_changelist"), data)
    assert Question.objects.get(pk=answered.pk).status == Status.DRAFT
    html = teacher_client.get(change_url(answered)).content.decode()
    assert 'data-testid="undeletable"' in html and 'data-testid="unpublish"' not in html


def test_bulk_delete_with_an_answered_question_deletes_nothing_and_names_it(teacher_client, answered):
    draft = QuestionFactory(section=answered.section, key="never-asked", status=Status.DRAFT)
    for confirmed in ({}, {"post": "yes"}):
        response = act(teacher_client, "delete_selected", [answered, draft], follow=True, **confirmed)
        [message] = messages_of(response)
        assert "answered-q" in message and "never-asked" not in message
        assert Question.objects.filter(pk__in=[answered.pk, draft.pk]).count() == 2


def test_an_unanswered_draft_can_still_be_deleted(teacher_client, answered):
    draft = QuestionFactory(section=answered.section, key="never-asked", status=Status.DRAFT)
    html = teacher_client.get(change_url(draft)).content.decode()
    assert delete_url(draft) in html and 'data-testid="undeletable"' not in html
    assert teacher_client.post(delete_url(draft), {"post": "yes"}).status_code == 302
    assert not Question.objects.filter(pk=draft.pk).exists()
    other = QuestionFactory(section=answered.section, key="never-asked-2", status=Status.DRAFT)
    response = act(teacher_client, "delete_selected", [other])
    assert response.status_code == 200 and "post" in response.content.decode()  # Django's confirmation page
    act(teacher_client, "delete_selected", [other], post="yes")
    assert not Question.objects.filter(pk=other.pk).exists()


def test_a_studied_flashcard_cannot_be_deleted_either(teacher_client, learner, starter_bank):
    from quizapp.cards import services as cards

    studied, fresh = Flashcard.objects.filter(section__key="history").order_by("key")
    cards.card_start(learner=learner, flashcard=studied)
    assert delete_url(studied) not in teacher_client.get(
        reverse("admin:catalog_flashcard_change", args=[studied.pk])).content.decode()
    url = reverse("admin:catalog_flashcard_changelist")
    response = act(teacher_client, "delete_selected", [studied, fresh], url=url, post="yes", follow=True)
    assert studied.key in messages_of(response)[0] and Flashcard.objects.filter(pk=fresh.pk).exists()
    act(teacher_client, "delete_selected", [fresh], url=url, post="yes")
    assert not Flashcard.objects.filter(pk=fresh.pk).exists()
    assert Flashcard.objects.filter(pk=studied.pk).exists()


# --- Item statistics: the attempts and facility columns, the "flagged by item analysis" filter ---------


def answer_section_quiz(learner, section, *, right):
    """A learner takes a section quiz through the quiz service, answering every question it serves right or
    wrong as `right` (question key -> bool) says, so the progress rollups change as they do for real."""
    attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[section.pk], length=5)
    item = attempt.items.get(position=1)
    while item is not None:
        question = Question.objects.prefetch_related("choices").get(pk=item.question_id)
        recorded = quizzes.answer_record(
            learner=learner,
            attempt_id=attempt.pk,
            position=item.position,
            question_id=question.pk,
            given=given_for(question, right=right[question.key]),
        )
        item = recorded.next_item


@pytest.fixture
def answered_section(db):
    """Six learners answer two questions: `easy` right every time (facility 1.0), `normal` right for half
    of them (0.5). A third question in another section is untouched."""
    section = SectionFactory(key="stats-leaf")
    QuestionFactory(section=section, key="easy")
    QuestionFactory(section=section, key="normal")
    QuestionFactory(section=SectionFactory(key="stats-other"), key="untouched")
    for i in range(6):
        right = {"easy": True, "normal": i % 2 == 0}
        answer_section_quiz(UserFactory(username=f"stats-{i}"), section, right=right)
    return section


def changelist(client, **params):
    response = client.get(reverse("admin:catalog_question_changelist"), params)
    assert response.status_code == 200
    return response


def cells(response, field):
    """{question key: text of the `field` column} for the rows on the page, as the teacher reads them."""
    html = response.content.decode()
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        key = re.search(r'class="field-key"><a [^>]*>([^<]+)</a>', row)
        value = re.search(rf'class="field-{field}"[^>]*>(.*?)</td>', row, re.S)
        if key and value:
            found[key.group(1)] = re.sub(r"<[^>]+>", "", value.group(1)).strip()
    return found


def test_question_list_shows_attempts_and_facility_of_the_current_version(teacher_client, answered_section):
    response = changelist(teacher_client)
    assert cells(response, "answers") == {"easy": "6", "normal": "6", "untouched": "0"}
    assert cells(response, "facility") == {"easy": "1.00", "normal": "0.50", "untouched": "-"}
    # A new version of what is asked starts its statistics afresh.
    Question.objects.filter(key="easy").update(version=2)
    response = changelist(teacher_client)
    assert cells(response, "answers")["easy"] == "0" and cells(response, "facility")["easy"] == "-"


def test_facility_counts_partly_right_answers_as_the_item_statistics_do(teacher_client, db):
    """Six learners each pair one of a matching question's three pairs right: facility is their mean score,
    1/3 (Moodle's facility index), not the 0 of "share right", and it is not flagged as too hard."""
    question = QuestionFactory(section=SectionFactory(key="match-leaf"), key="match", type="matching")
    pairs = [p.pk for p in question.match_pairs.all()]
    for i in range(6):
        learner = UserFactory(username=f"match-{i}")
        attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[question.section_id],
                                        length=5)
        quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=1, question_id=question.pk,
                              given={pairs[0]: pairs[0], pairs[1]: pairs[2], pairs[2]: pairs[1]})
    assert cells(changelist(teacher_client), "facility") == {"match": "0.33"}
    assert list(changelist(teacher_client, flagged="yes").context["cl"].result_list) == []


def test_question_list_sorts_by_attempts_and_facility(teacher_client, answered_section):
    columns = changelist(teacher_client).context["cl"].list_display
    by_facility = changelist(teacher_client, o=f"-{columns.index('facility')}")
    assert [q.key for q in by_facility.context["cl"].result_list] == ["easy", "normal", "untouched"]
    by_facility = changelist(teacher_client, o=str(columns.index("facility")))
    assert [q.key for q in by_facility.context["cl"].result_list] == ["normal", "easy", "untouched"]
    Question.objects.filter(key="normal").update(version=2)
    by_attempts = changelist(teacher_client, o=f"{columns.index('answers')}.{columns.index('key')}")
    assert [q.key for q in by_attempts.context["cl"].result_list] == ["normal", "untouched", "easy"]


def test_flagged_filter_lists_a_too_easy_question_and_not_a_normal_one(teacher_client, answered_section):
    flagged = changelist(teacher_client, flagged="yes")
    assert [q.key for q in flagged.context["cl"].result_list] == ["easy"]
    not_flagged = changelist(teacher_client, flagged="no")
    assert {q.key for q in not_flagged.context["cl"].result_list} == {"normal", "untouched"}
    assert 'href="?flagged=yes"' in changelist(teacher_client).content.decode()  # offered in the filters


def test_flagged_filter_waits_for_five_first_answers(teacher_client, db):
    section = SectionFactory()
    QuestionFactory(section=section, key="easy")
    QuestionFactory(section=section, key="normal")
    for i in range(4):
        answer_section_quiz(UserFactory(username=f"few-{i}"), section, right={"easy": True, "normal": i < 2})
    assert list(changelist(teacher_client, flagged="yes").context["cl"].result_list) == []


def test_question_list_queries_do_not_grow_with_the_history(
    teacher_client, answered_section, django_assert_max_num_queries
):
    columns = changelist(teacher_client).context["cl"].list_display
    pages = [{}, {"flagged": "yes"}, {"flagged": "no"}, {"o": f"-{columns.index('facility')}"}]
    counts = []
    for params in pages:
        with django_assert_max_num_queries(16) as few:
            changelist(teacher_client, **params)
        counts.append(len(few.captured_queries))
    more = SectionFactory()
    QuestionFactory.create_batch(3, section=more)
    for i in range(7):
        right = {q.key: (i + n) % 3 > 0 for n, q in enumerate(Question.objects.filter(section=more))}
        answer_section_quiz(UserFactory(), more, right=right)
    for params, count in zip(pages, counts):
        with django_assert_max_num_queries(count):
            changelist(teacher_client, **params)


def test_the_bank_overview_shows_each_cue_figure_beside_its_bound(
    teacher_client, starter_bank, django_assert_max_num_queries
):
    """A teacher writing a bank sees what its choices give away, as content_report --json computes it."""
    leaf = Section.objects.get(key="history")
    for n in range(3):  # 对的 beside 错的一 and 错的二: the right option is the shortest
        QuestionFactory(section=leaf, key=f"history-short-{n}")
    changelist = teacher_client.get(reverse("admin:catalog_question_changelist")).content.decode()
    assert reverse("admin:catalog_question_overview") in changelist
    with django_assert_max_num_queries(12):
        page = teacher_client.get(reverse("admin:catalog_question_overview"))
    assert page.status_code == 200
    html = page.content.decode()
    row = html.split('data-testid="cue-single_right_shortest"')[1].split("</tr>")[0]
    # 3 of the 5 single-choice questions have the shortest right option: 60%, over the 35% bound, said in words.
    assert "60%" in row and "35%" in row and "✗" in row
    tf = html.split('data-testid="cue-truefalse_true_share"')[1].split("</tr>")[0]
    assert "40%" in tf and "60%" in tf
    gloss = html.split('data-testid="cue-gloss_only_right"')[1].split("</tr>")[0]
    assert "<td>0</td>" in gloss and "✓" in gloss
    assert 'data-testid="coverage"' in html and "发展历程" in html


def test_the_bank_overview_needs_the_question_view_permission(client, starter_bank):
    client.force_login(UserFactory(username="plain", is_staff=True))
    assert client.get(reverse("admin:catalog_question_overview")).status_code == 403
