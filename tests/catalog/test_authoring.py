"""The authoring use cases (quizapp/catalog/authoring.py) as teachers reach them through the admin: the
bank's one write path for the question and flashcard forms (and what happens when another tab got there
first), the publish, duplicate, move and export actions, and imports held between preview and confirm."""

import csv
import io
import json
import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from quizapp.catalog import authoring
from quizapp.catalog.models import Flashcard, Question, QuestionVersion, Section, Status
from tests.catalog.admin_posts import ADD_URL, INLINES, act, change_url, edit_data, question_data
from tests.factories import QuestionFactory, UserFactory


# --- One write path: the admin writes a question as an import with update does ------------------------


def written(question):
    """All a later reader can notice of a question after a write: its fields, its answer rows with their
    order and positions, and its kept versions (who replaced each)."""
    question = authoring.with_answer_rows(Question.objects.filter(pk=question.pk)).get()
    fields = [getattr(question, name) for name in (
        "key", "title", "section_id", "type", "prompt", "explanation", "difficulty", "tags", "status",
        "origin", "version")]
    rows = {name: [[getattr(row, f) for f in columns] for row in getattr(question, name).all()]
            for name, columns in INLINES.items()}
    versions = [(v.number, v.content, v.replaced_by_id)
                for v in QuestionVersion.objects.filter(question=question)]
    return fields, rows, versions


class Undone(Exception):
    """Rolls the admin's write back, so the import starts from the same bank."""


PROMPTS = {"history-q01": "哪一年 AlexNet 在 ImageNet 上取胜?", "history-q02": "按先后排列 AI 的发展阶段。"}


@pytest.mark.parametrize("key, file_edit, form_edit", [
    ("history-q01",
     ("- text: '2012'\n            correct: true\n          - '2006'",
      "- '2012'\n          - text: '2006'\n            correct: true"),
     dict(choices=[("2012", False), ("2006", True), ("2017", False)])),
    ("history-q02",
     ("- 符号主义\n          - 统计机器学习", "- 统计机器学习\n          - 符号主义"),
     dict(items=["统计机器学习", "符号主义", "深度学习", "大模型"])),
])
def test_an_admin_edit_writes_exactly_what_the_same_edit_imported_with_update_writes(
    teacher_client, teacher, starter_bank, key, file_edit, form_edit
):
    question = Question.objects.get(key=key)
    with pytest.raises(Undone), transaction.atomic():
        data = edit_data(question, prompt="改过的问题?", explanation="新的解释。", **form_edit)
        assert teacher_client.post(change_url(question), data).status_code == 302
        by_admin = written(question)
        raise Undone
    assert written(question)[0][-1] == 1  # undone: the import below starts from version 1

    text = authoring.export_yaml_section(question.section, questions=Question.objects.filter(pk=question.pk))
    for old, new in [file_edit, (PROMPTS[key], "改过的问题?")]:
        assert old in text
        text = text.replace(old, new)
    text = re.sub(r"explanation: .*", "explanation: 新的解释。", text)
    parsed = authoring.import_read(text, format="yaml")
    authoring.import_apply(parsed=parsed, update=True, user=teacher)
    by_import = written(question)

    assert by_admin == by_import
    fields, _rows, versions = by_admin
    assert fields[-1] == 2 and [(number, who) for number, _content, who in versions] == [(1, teacher.pk)]


def in_place(question, **texts):
    """The change form as the browser sends it: every row kept under its id, the texts changed in place."""
    data = question_data(section=question.section, qtype=question.type, key=question.key,
                         prompt=question.prompt, explanation=question.explanation,
                         difficulty=question.difficulty, status=question.status)
    rows = list(question.choices.all())
    data.update({"choices-TOTAL_FORMS": len(rows), "choices-INITIAL_FORMS": len(rows)})
    for i, row in enumerate(rows):
        data.update({f"choices-{i}-id": row.pk, f"choices-{i}-question": question.pk,
                     f"choices-{i}-text": texts.get(row.text, row.text), f"choices-{i}-order": row.order})
        if row.is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    return data


def test_a_change_form_sent_twice_records_one_version_and_saves_both_times(
    teacher_client, teacher, starter_bank
):
    """A double click on Save: the second POST names rows the first replaced; it changes nothing more."""
    question = Question.objects.get(key="history-q01")
    data = in_place(question, **{"2017": "2018"})
    first = teacher_client.post(change_url(question), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    second = teacher_client.post(change_url(question), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert first.redirect_chain and second.redirect_chain  # both saved, neither shows the form again
    question.refresh_from_db()
    assert question.version == 2 and QuestionVersion.objects.filter(question=question).count() == 1
    assert [c.text for c in question.choices.all()] == ["2012", "2006", "2018"]
    said = [[str(m) for m in response.wsgi_request._messages] for response in (first, second)]
    assert [any("this is now version 2" in m for m in messages) for messages in said] == [True, False]
    # Both edits are in the admin log; the first says which choice changed.
    entries = LogEntry.objects.filter(user=teacher, object_id=str(question.pk), action_flag=CHANGE)
    assert entries.count() == 2
    first_message = json.loads(entries.order_by("action_time", "pk").first().change_message)
    assert {"changed": {"name": "choice", "object": "2018", "fields": ["Text"]}} in first_message


def test_a_new_version_is_announced_once_with_its_number(teacher_client, starter_bank):
    question = Question.objects.get(key="lora-q02")
    response = teacher_client.post(change_url(question), edit_data(question, prompt="改过的 ____ 问题。"),
                                   follow=True, HTTP_ACCEPT_LANGUAGE="en")
    said = [str(m) for m in response.wsgi_request._messages]
    assert [m for m in said if "this is now version" in m] == [
        "What is asked changed: this is now version 2. Answers given to version 1 keep pointing at what was "
        "asked then."]


def test_changing_a_key_in_the_admin_changes_that_question_not_a_new_one(
    teacher_client, teacher, starter_bank
):
    question = Question.objects.get(key="lora-q02")
    data = edit_data(question, key="lora-q02-renamed", prompt="改过的 ____ 问题。")
    assert teacher_client.post(change_url(question), data).status_code == 302
    assert not Question.objects.filter(key="lora-q02").exists()
    renamed = Question.objects.get(pk=question.pk)
    assert (renamed.key, renamed.version) == ("lora-q02-renamed", 2)
    assert QuestionVersion.objects.get(question=renamed).replaced_by == teacher


def meanwhile(monkeypatch, write):
    """Another tab's save lands between this form's checks and its write: `write()` runs (and commits, as far
    as this request can tell) just before the pipeline writes."""
    real = authoring.question_write

    def racing(**kwargs):
        write()
        return real(**kwargs)

    monkeypatch.setattr(authoring, "question_write", racing)


def test_a_key_taken_meanwhile_is_a_form_error_not_a_server_error(teacher_client, starter_bank, monkeypatch):
    lora = Section.objects.get(key="lora")
    meanwhile(monkeypatch, lambda: QuestionFactory(key="lora-new", section=lora))
    data = question_data(section=lora, qtype="fill", answers=["答案"])
    response = teacher_client.post(ADD_URL, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "errornote" in html and "lora-new" in html and "saved a question with this key" in html
    # Nothing of this form was written (the stand-in for the other tab ran in this request's transaction, so
    # it is rolled back with it: the key is free again, as it would not be in life).
    assert not Question.objects.filter(key="lora-new").exists()


def test_a_new_key_taken_meanwhile_on_the_change_form_is_a_form_error(teacher_client, starter_bank, monkeypatch):
    question = Question.objects.get(key="lora-q02")
    meanwhile(monkeypatch, lambda: QuestionFactory(key="lora-q02-renamed", section=question.section))
    data = edit_data(question, key="lora-q02-renamed", prompt="改过的 ____ 问题。")
    response = teacher_client.post(change_url(question), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    question.refresh_from_db()
    assert (question.key, question.version) == ("lora-q02", 1)


def test_a_question_deleted_meanwhile_is_a_form_error(teacher_client, starter_bank, monkeypatch):
    question = QuestionFactory(key="lora-gone", section=Section.objects.get(key="lora"))
    data = edit_data(question, prompt="改过的问题?")
    meanwhile(monkeypatch, lambda: Question.objects.filter(pk=question.pk).delete())
    response = teacher_client.post(change_url(question), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "deleted" in response.content.decode()


def test_two_tabs_editing_one_question_make_two_versions(teacher_client, teacher, starter_bank):
    """Both tabs opened version 1; each save re-reads the question, so the first tab's prompt is kept as a
    version when the second saves over it, and neither is lost."""
    question = Question.objects.get(key="lora-q02")
    first, second = (edit_data(question, prompt=p) for p in ("第一个 ____ 标签页。", "第二个 ____ 标签页。"))
    assert teacher_client.post(change_url(question), first).status_code == 302
    assert teacher_client.post(change_url(question), second).status_code == 302
    question.refresh_from_db()
    kept = QuestionVersion.objects.filter(question=question).order_by("number")
    assert [v.number for v in kept] == [1, 2] and kept[1].content["prompt"] == "第一个 ____ 标签页。"
    assert (question.version, question.prompt) == (3, "第二个 ____ 标签页。")


def card_data(card, **changes):
    return {"key": card.key, "section": card.section_id, "status": card.status, "front": card.front,
            "back": card.back, "hint": card.hint, **changes}


def test_the_flashcard_form_writes_through_the_pipeline_key_and_all(teacher_client, starter_bank, monkeypatch):
    card = Flashcard.objects.get(key="lora-c01")
    calls = []
    real = authoring.flashcard_write
    monkeypatch.setattr(authoring, "flashcard_write", lambda **kw: calls.append(kw["spec"].key) or real(**kw))
    url = reverse("admin:catalog_flashcard_change", args=[card.pk])
    assert teacher_client.post(url, card_data(card, key="lora-c01-renamed", back="新的背面")).status_code == 302
    assert calls == ["lora-c01-renamed"]
    renamed = Flashcard.objects.get(pk=card.pk)
    assert (renamed.key, renamed.back) == ("lora-c01-renamed", "新的背面")
    assert not Flashcard.objects.filter(key="lora-c01").exists()
    added = card_data(card, key="lora-c99", front="新卡片?")
    assert teacher_client.post(reverse("admin:catalog_flashcard_add"), added).status_code == 302
    assert calls[-1] == "lora-c99" and Flashcard.objects.get(key="lora-c99").front == "新卡片?"


def test_a_flashcard_key_taken_meanwhile_is_a_form_error(teacher_client, starter_bank, monkeypatch):
    card = Flashcard.objects.get(key="lora-c01")
    real = authoring.flashcard_write

    def racing(**kwargs):
        Flashcard.objects.create(key="lora-c98", section=card.section, front="别人的", back="卡片")
        return real(**kwargs)

    monkeypatch.setattr(authoring, "flashcard_write", racing)
    response = teacher_client.post(reverse("admin:catalog_flashcard_add"), card_data(card, key="lora-c98"),
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "errornote" in response.content.decode() and "saved a flashcard with this key" in response.content.decode()


def test_an_unchanged_form_writes_nothing(teacher_client, starter_bank):
    question = Question.objects.get(key="history-q03")
    pairs = list(question.match_pairs.values_list("pk", flat=True))
    data = edit_data(question)
    for i, pk in enumerate(pairs):  # the rows as they are, under their ids
        data.pop(f"match_pairs-{i}-DELETE")
    data.update({"match_pairs-TOTAL_FORMS": len(pairs)})
    assert teacher_client.post(change_url(question), data).status_code == 302
    assert list(question.match_pairs.values_list("pk", flat=True)) == pairs  # not rewritten
    assert Question.objects.get(pk=question.pk).version == 1


# --- Actions ---------------------------------------------------------------------------------------


def test_unpublish_and_publish_are_logged(teacher_client, teacher, starter_bank):
    questions = list(Question.objects.filter(section__key="lora"))
    act(teacher_client, "unpublish", questions)
    assert set(Question.objects.filter(section__key="lora").values_list("status", flat=True)) == {
        Status.DRAFT
    }
    act(teacher_client, "publish", questions)
    assert set(Question.objects.filter(section__key="lora").values_list("status", flat=True)) == {
        Status.PUBLISHED
    }
    assert (
        LogEntry.objects.filter(user=teacher, action_flag=CHANGE, change_message="已取消发布。").count() == 2
    )
    assert LogEntry.objects.filter(user=teacher, action_flag=CHANGE, change_message="已发布。").count() == 2


def test_publishing_twice_changes_and_logs_once(teacher_client, teacher, starter_bank):
    question = Question.objects.get(key="lora-q01")
    Question.objects.filter(pk=question.pk).update(status=Status.DRAFT)
    act(teacher_client, "publish", [question])
    act(teacher_client, "publish", [question])
    assert LogEntry.objects.filter(user=teacher, change_message="已发布。").count() == 1


def test_duplicate_makes_a_draft_copy_with_its_answers(teacher_client, teacher, starter_bank):
    original = Question.objects.get(key="history-q03")
    act(teacher_client, "duplicate", [original])
    copy = Question.objects.get(key="history-q03-copy")
    assert copy.status == Status.DRAFT and copy.version == 1
    assert [(p.left, p.right) for p in copy.match_pairs.all()] == [
        (p.left, p.right) for p in original.match_pairs.all()
    ]
    act(teacher_client, "duplicate", [original])
    assert Question.objects.filter(key="history-q03-copy-2").exists()
    assert LogEntry.objects.filter(user=teacher, action_flag=ADDITION, object_id=str(copy.pk)).exists()


def test_move_asks_for_the_section_then_moves(teacher_client, teacher, starter_bank):
    questions = list(Question.objects.filter(section__key="lora"))
    response = act(teacher_client, "move", questions)
    assert response.status_code == 200 and 'name="section"' in response.content.decode()
    parallel = Section.objects.get(key="parallel")
    response = act(teacher_client, "move", questions, apply="1", section=parallel.pk)
    assert response.status_code == 302
    assert Question.objects.filter(section__key="lora").count() == 0
    assert all(q.version == 1 for q in Question.objects.filter(pk__in=[q.pk for q in questions]))
    assert LogEntry.objects.filter(user=teacher, change_message="已移动到章节 parallel。").count() == 2


def test_move_refuses_a_section_with_subsections(teacher_client, starter_bank):
    questions = list(Question.objects.filter(section__key="lora"))
    act(teacher_client, "move", questions, apply="1", section=Section.objects.get(key="tuning").pk)
    assert Question.objects.filter(section__key="lora").count() == 2


def test_export_selected(teacher_client, starter_bank):
    questions = list(Question.objects.filter(section__key="lora"))
    response = act(teacher_client, "export_gift", questions)
    assert response["Content-Disposition"] == 'attachment; filename="questions.gift"'
    assert "::lora-q01::" in response.content.decode()
    response = act(teacher_client, "export_yaml", questions)
    assert response.content.decode().startswith("section: tuning\n")
    response = act(teacher_client, "export_yaml", list(Question.objects.all()), follow=True)
    assert "只包含一个顶级章节" in response.content.decode()


def test_flashcard_actions(teacher_client, starter_bank):
    cards = list(Flashcard.objects.filter(section__key="lora"))
    url = reverse("admin:catalog_flashcard_changelist")
    act(teacher_client, "unpublish", cards, url=url)
    assert Flashcard.objects.get(key="lora-c01").status == Status.DRAFT
    act(teacher_client, "duplicate", cards, url=url)
    assert Flashcard.objects.filter(key="lora-c01-copy", status=Status.DRAFT).exists()
    response = act(teacher_client, "export_csv", cards, url=url)
    assert "LoRA 训练什么?" in response.content.decode("utf-8-sig")


def test_flashcard_csv_downloads_neutralise_formulas(teacher_client, starter_bank):
    card = Flashcard.objects.get(key="lora-c01")
    card.front, card.back = "=1+1", "+SUM(1,2)"
    card.save()
    url = reverse("admin:catalog_flashcard_changelist")
    action = act(teacher_client, "export_csv", [card], url=url).content.decode("utf-8-sig")
    page = teacher_client.get(reverse("admin:catalog_question_export"),
                              {"format": "csv", "section": card.section_id}).content.decode("utf-8-sig")
    for text in (action, page):
        row = next(r for r in csv.reader(io.StringIO(text)) if r[-1] == "lora-c01")
        assert row[:2] == ["'=1+1", "'+SUM(1,2)"]


def test_export_page_downloads(teacher_client, starter_bank):
    url = reverse("admin:catalog_question_export")
    lora = Section.objects.get(key="lora")
    assert (
        teacher_client.get(url, {"format": "yaml", "section": lora.pk})
        .content.decode()
        .startswith("section: tuning")
    )
    assert teacher_client.get(url, {"format": "yaml"})["Content-Type"] == "application/zip"
    assert (
        "$CATEGORY: lora" in teacher_client.get(url, {"format": "gift", "section": lora.pk}).content.decode()
    )


def test_sections_can_be_reordered_from_the_list(teacher_client, starter_bank):
    sections = list(Section.objects.order_by("order"))
    data = {"form-TOTAL_FORMS": len(sections), "form-INITIAL_FORMS": len(sections), "_save": "Save"}
    for i, section in enumerate(sections):
        data[f"form-{i}-id"] = section.pk
        data[f"form-{i}-order"] = 100 - i
    assert teacher_client.post(reverse("admin:catalog_section_changelist"), data).status_code == 302
    assert list(Section.objects.order_by("order")) == sections[::-1]


# --- Import from the admin -------------------------------------------------------------------------

GIFT_TEXT = "::lora-admin-1::LoRA 冻结原权重吗?{T}\n\n::lora-admin-2::QLoRA 用几位量化?{=4 =4-bit}\n"


def upload(client, text, name="bank.gift", **options):
    return client.post(
        reverse("admin:catalog_question_import"),
        {"file": SimpleUploadedFile(name, text.encode("utf-8")), "section": "lora", **options},
    )


def confirm(client, response):
    form = response.context["confirm"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:catalog_question_import"), {**data, "confirm": "1"})


def test_admin_import_previews_then_creates_on_confirm(teacher_client, teacher, starter_bank):
    response = upload(teacher_client, GIFT_TEXT, status="published")
    html = response.content.decode()
    assert "将新建 2 项，更新 0 项，0 项不变，0 项不导入。" in html
    assert 'data-testid="confirm-import"' in html and '<h2 id="plan-heading">bank.gift</h2>' in html
    assert not Question.objects.filter(key__startswith="lora-admin").exists()
    response = confirm(teacher_client, response)
    assert response.status_code == 302
    assert Question.objects.filter(key__startswith="lora-admin", status=Status.PUBLISHED).count() == 2
    assert (
        LogEntry.objects.filter(
            user=teacher, action_flag=ADDITION, change_message="从 bank.gift 导入。"
        ).count()
        == 2
    )


def test_admin_import_preview_names_sections_by_their_titles(teacher_client, starter_bank):
    Section.objects.filter(key="lora").update(title="LoRA 与 QLoRA")
    html = upload(teacher_client, GIFT_TEXT).content.decode()
    cells = re.findall(r'<td data-testid="import-section">(.*?)</td>', html, re.S)
    assert len(cells) == 2
    for cell in cells:
        # The title as teachers know it, the key beside it in small type.
        title, key = '<span lang="zh-Hans">LoRA 与 QLoRA</span>', '<span class="quiet section-key">lora</span>'
        assert cell.strip() == f"{title} {key}"


def test_confirming_twice_imports_once(teacher_client, starter_bank):
    preview = upload(teacher_client, GIFT_TEXT)
    confirm(teacher_client, preview)
    response = confirm(teacher_client, preview)
    assert response.status_code == 302
    assert Question.objects.filter(key__startswith="lora-admin").count() == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("没有可导入的内容" in m for m in messages)


def test_admin_import_as_drafts(teacher_client, starter_bank):
    confirm(teacher_client, upload(teacher_client, GIFT_TEXT, status="draft"))
    assert set(Question.objects.filter(key__startswith="lora-admin").values_list("status", flat=True)) == {
        Status.DRAFT
    }


def test_the_import_form_asks_for_the_status_with_draft_preselected(teacher_client, starter_bank):
    html = teacher_client.get(reverse("admin:catalog_question_import")).content.decode()
    assert re.search(r'<input type="radio" name="status" value="draft"[^>]* checked>', html)
    assert re.search(r'<input type="radio" name="status" value="published"(?![^>]*checked)[^>]*>', html)
    # A form sent without the status (a script, an older page) imports drafts too.
    response = upload(teacher_client, GIFT_TEXT)
    assert "新内容将保存为草稿。" in response.content.decode()
    confirm(teacher_client, response)
    assert set(Question.objects.filter(key__startswith="lora-admin").values_list("status", flat=True)) == {
        Status.DRAFT}
    assert not Question.objects.published().filter(key__startswith="lora-admin").exists()


def test_a_csv_import_of_flashcards_is_drafts_unless_published_is_chosen(teacher_client, starter_bank):
    confirm(teacher_client, upload(teacher_client, "front,back\n草稿正面,背面\n", name="cards.csv"))
    confirm(teacher_client, upload(teacher_client, "front,back\n发布正面,背面\n", name="cards.csv",
                                   status="published"))
    assert Flashcard.objects.get(front="草稿正面").status == Status.DRAFT
    assert Flashcard.objects.get(front="发布正面").status == Status.PUBLISHED


def test_the_import_plan_names_each_questions_type(teacher_client, starter_bank):
    text = ("::a::单选?{=对 ~错}\n\n::b::判断?{T}\n\n::c::填空 {=词}。\n\n"
            "::d::配对?{=甲 -> 1 =乙 -> 2 =丙 -> 3}\n\n::e::数值?{#3}\n")
    html = upload(teacher_client, text).content.decode()
    kinds = re.findall(r'<td data-testid="import-kind">(.*?)</td>', html)
    assert kinds == ["单选题", "判断题", "填空题", "匹配题", "数值题"]
    cards = upload(teacher_client, "front,back\n正面,背面\n", name="cards.csv").content.decode()
    assert re.findall(r'<td data-testid="import-kind">(.*?)</td>', cards) == ["闪卡"]


def test_admin_import_of_a_bad_file_lists_problems_and_offers_no_confirm(teacher_client, starter_bank):
    html = upload(teacher_client, "::a::好?{=对 ~错}\n\n::b::坏?{=对 ~错\n").content.decode()
    assert "第 3 行：以“{”开始的答案块没有结束：请用“}”结束它" in html
    assert 'data-testid="confirm-import"' not in html
    assert not Question.objects.filter(title__in=["a", "b"]).exists()


def test_admin_import_of_a_bad_yaml_file_lists_its_problems_in_chinese(teacher_client, starter_bank):
    text = (
        "section: tuning\n"
        "sections:\n"
        "  - key: lora\n"
        "    questions:\n"
        "      - key: lora-new\n"
        "        type: single\n"
        "        difficulty: 9\n"
        "        prompt: 问题?\n"
        "        choices: [甲, 乙, 丙]\n"
        "        explanation: 因为。\n"
        "        hint: 多余\n"
    )
    response = teacher_client.post(
        reverse("admin:catalog_question_import"), {"file": SimpleUploadedFile("bank.yaml", text.encode())}
    )
    listed = response.content.decode().split('data-testid="import-problems">')[1].split("</ul>")[0]
    problems = re.findall(r"<li>(.*?)</li>", listed)
    assert problems == [
        "第 11 行：题目中有未知字段“hint”",
        "第 7 行：难度必须是 1 到 5 之间的整数",
        "第 9 行：单选题必须恰好有一个正确选项（现有 0 个）",
    ]


def test_admin_import_problems_follow_the_teachers_language(teacher_client, starter_bank):
    response = teacher_client.post(
        reverse("admin:catalog_question_import"),
        {"file": SimpleUploadedFile("bank.gift", "::b::坏?{=对 ~错\n".encode()), "section": "lora"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "line 1: the answer block opened with &#x27;{&#x27; is never closed" in response.content.decode()


def test_admin_import_reports_existing_keys_without_update(teacher_client, starter_bank):
    confirm(teacher_client, upload(teacher_client, GIFT_TEXT))
    changed = GIFT_TEXT.replace("{T}", "{F}")
    html = upload(teacher_client, changed).content.decode()
    assert "将新建 0 项，更新 0 项，1 项不变，1 项不导入。" in html
    assert "已有使用此键且内容不同的题目；如要覆盖，请以“更新”方式导入" in html
    response = upload(teacher_client, changed, update="on")
    assert "新版本" in response.content.decode()
    confirm(teacher_client, response)
    assert Question.objects.get(key="lora-admin-1").version == 2


def test_a_large_file_imports_the_file_stays_on_the_server_between_preview_and_confirm(teacher_client, starter_bank):
    # Past Django's 2.5 MB limit on a form, which the file used to go back through at Confirm.
    padding = "// 注释：为了让文件超过表单的大小限制而写的一行。\n" * 60_000
    text = padding + GIFT_TEXT
    assert len(text.encode()) > 3 * 1024 * 1024
    preview = upload(teacher_client, text)
    assert 'data-testid="confirm-import"' in preview.content.decode()
    assert len(preview.content) < 100_000  # the page no longer carries the file
    response = confirm(teacher_client, preview)
    assert response.status_code == 302
    assert Question.objects.filter(key__startswith="lora-admin").count() == 2


def test_only_the_uploader_can_confirm_a_held_upload_and_not_after_it_lapses(teacher_client, starter_bank):
    from datetime import timedelta

    from quizapp.accounts.roles import teacher_role_grant
    from quizapp.catalog.models import HeldImport
    from tests.factories import UserFactory

    preview = upload(teacher_client, GIFT_TEXT)
    other = Client()
    colleague = UserFactory(username="teacher-li")
    teacher_role_grant(colleague)
    other.force_login(colleague)
    assert confirm(other, preview).status_code == 302
    assert not Question.objects.filter(key__startswith="lora-admin").exists()
    HeldImport.objects.update(created_at=HeldImport.objects.get().created_at - timedelta(hours=2))
    response = confirm(teacher_client, preview)
    assert response["Location"] == reverse("admin:catalog_question_import")
    assert not Question.objects.filter(key__startswith="lora-admin").exists()
    upload(teacher_client, GIFT_TEXT)  # a new upload clears lapsed ones
    assert HeldImport.objects.count() == 1


def test_a_file_over_20_mb_is_refused_at_upload(teacher_client, starter_bank):
    html = upload(teacher_client, "// x\n" * (4 * 1024 * 1024 + 1)).content.decode()
    assert "20 MB" in html and 'data-testid="confirm-import"' not in html


@pytest.mark.parametrize("name,text,line", [
    ("bank.gift", "::a::好?{=对 ~错}\n\n::b::坏\x00?{=对 ~错}\n", 3),
    ("cards.csv", "front,back\n正面,背面\n正\x00面,背面\n", 3),
])
def test_a_nul_in_an_uploaded_file_is_reported_with_its_line(teacher_client, starter_bank, name, text, line):
    html = upload(teacher_client, text, name=name).content.decode()
    assert f"第 {line} 行" in html and 'data-testid="confirm-import"' not in html
    assert not Flashcard.objects.filter(front__startswith="正").exists()


@pytest.mark.parametrize("name,text", [("bank.gift", ""), ("cards.csv", "\n"), ("bank.yaml", "# nothing\n"),
                                       ("cards.csv", "front,back\n"), ("bank.gift", "// only a comment\n")])
def test_an_empty_upload_says_so(teacher_client, starter_bank, name, text):
    response = upload(teacher_client, text, name=name)
    html = response.content.decode()
    # A zero-byte upload is refused by Django's own file field, in its words ("the submitted file is empty").
    said = ("文件是空的", "文件中没有题目或闪卡", "所提交的是空文件")
    assert any(words in html for words in said) and 'data-testid="confirm-import"' not in html


@pytest.mark.parametrize("text,said", [
    ("section: tuning\nsections: " + "[" * 20_000 + "]" * 20_000 + "\n", "YAML 嵌套层级过深"),
    ("section: tuning\nsections:\n  - key: " + "9" * 5000 + "\n", "无法读取其中的数字或日期"),
])
def test_an_impossible_yaml_upload_is_a_problem_on_the_page_not_a_server_error(teacher_client, starter_bank,
                                                                              text, said):
    response = teacher_client.post(
        reverse("admin:catalog_question_import"), {"file": SimpleUploadedFile("bank.yaml", text.encode())})
    assert response.status_code == 200 and f"第 1 行：{said}" in response.content.decode()


def test_admin_import_of_flashcards_csv(teacher_client, starter_bank):
    response = upload(teacher_client, "front,back\n新正面,新背面\n", name="cards.csv")
    assert confirm(teacher_client, response)["Location"] == reverse("admin:catalog_flashcard_changelist")
    assert Flashcard.objects.get(front="新正面").section.key == "lora"
