from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from quizapp.catalog.exchange.gift import read_gift
from quizapp.catalog.loading import SectionSpec, question_content
from quizapp.catalog.models import Question, QuestionVersion, Status

from .import_command import import_fails, run_import

GIFT = Path(__file__).parent / "gift"


def run(command, *args):
    out = StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=out)
    return out.getvalue()


def by_title(title):
    return Question.objects.prefetch_related("choices", "accepted_answers", "match_pairs").get(title=title)


@pytest.fixture
def constructs(starter_bank):
    out = run_import(GIFT / "every_construct.gift", "--section", "lora")
    return out


def test_every_construct_is_imported_as_the_matching_type(constructs):
    assert "questions:   15 created" in constructs
    kinds = {
        title: by_title(title).type
        for title in ["多选", "真假", "假", "简答", "配对", "数值", "容差", "转义", "张量"]
    }
    assert kinds == {
        "多选": "multiple",
        "真假": "truefalse",
        "假": "truefalse",
        "简答": "fill",
        "配对": "matching",
        "数值": "numerical",
        "容差": "numerical",
        "转义": "single",
        "张量": "fill",
    }
    assert Question.objects.get(key="lora-gift-single").type == "single"


def test_imported_questions_are_published_and_authored(constructs):
    question = Question.objects.get(key="lora-gift-single")
    assert question.status == Status.PUBLISHED
    assert question.origin == "authored"
    assert question.section.key == "lora"


def test_single_choice_keeps_its_right_answer_and_feedback(constructs):
    question = Question.objects.get(key="lora-gift-single")
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("低秩分解矩阵", True),
        ("全部参数", False),
        ("只有偏置项", False),
    ]
    assert question.explanation.startswith("LoRA 冻结原权重,只训练**低秩矩阵**。")
    assert "不对:那是全量微调。" in question.explanation
    right = question.choices.get(is_correct=True)
    assert question.check_answer(right.pk).correct


def test_percent_weights_make_a_multiple_choice_question(constructs):
    question = by_title("多选")
    assert {(c.text, c.is_correct) for c in question.choices.all()} == {
        ("LoRA", True),
        ("Prefix Tuning", True),
        ("全量微调", False),
    }


def test_true_false_short_and_long_forms(constructs):
    assert by_title("真假").choices.get(is_correct=True).text == "true"
    false = by_title("假")
    assert false.choices.get(is_correct=True).text == "false"
    assert false.explanation == "只更新低秩矩阵。"


def test_short_answer_becomes_fill_in_without_partial_credit_forms(constructs):
    question = by_title("简答")
    assert [a.text for a in question.accepted_answers.all()] == ["QLoRA", "Quantized LoRA"]
    assert question.check_answer("qlora").correct


def test_a_short_answer_gets_its_blank_where_its_block_was_at_the_end(constructs, tmp_path):
    """Moodle shows a short answer's box after the text; our fill-in prompts mark the blank, so the blank goes
    there (with a note), and the question then exports as a YAML file that imports again."""
    assert by_title("简答").prompt == "在 4-bit 量化模型上做 LoRA 的方法叫什么? ____"
    assert by_title("数值").prompt == "LoRA 论文发表于哪一年?"  # a numerical question has no blank
    assert "a fill-in question marks its blank with ____: added at the end of the question" in constructs
    path = tmp_path / "tuning.yaml"
    call_command("export_questions", str(path), "--section", "tuning", stdout=StringIO())
    first = path.read_text(encoding="utf-8")
    Question.objects.all().delete()
    run_import(path)
    call_command("export_questions", str(path), "--section", "tuning", stdout=StringIO())
    assert path.read_text(encoding="utf-8") == first


def test_what_the_database_cannot_keep_is_a_problem_not_a_crash(starter_bank, tmp_path):
    path = tmp_path / "long.gift"
    path.write_text(f"::{'长' * 201}::问题?{{=对 ~错}}\n\n答案很长?{{={'长' * 201}}}\n", encoding="utf-8")
    err = import_fails(path, "--section", "lora")
    assert "line 1: the title may be at most 200 characters long (has 201)" in err
    assert "line 3: an accepted answer may be at most 200 characters long (the longest has 201)" in err


def test_missing_word_form_puts_a_blank_where_the_block_was(constructs):
    question = Question.objects.get(prompt__startswith="LoRA 的全称是")
    assert question.prompt == "LoRA 的全称是 ____ ,它冻结原权重。"
    assert question.type == "fill"


def test_matching_pairs(constructs):
    assert [(p.left, p.right) for p in by_title("配对").match_pairs.all()] == [
        ("LoRA", "低秩矩阵"),
        ("QLoRA", "4-bit 量化"),
        ("全量微调", "更新全部参数"),
    ]


@pytest.mark.parametrize(
    "title, numbers",
    [
        ("数值", [(2021.0, 0.0, 1.0)]),
        ("容差", [(175.0, 1.0, 1.0)]),
        ("区间", [(7.0, 0.0, 1.0)]),
        ("多个数值", [(3.14, 0.0, 1.0), (3.1, 0.0, 0.5)]),
        ("小数容差", [(2.718, 0.001, 1.0)]),
    ],
)
def test_numerical_keeps_its_values_tolerances_and_credits(constructs, title, numbers):
    question = Question.objects.get(title=title)
    assert question.type == "numerical"
    assert [(a.value, a.tolerance, a.credit) for a in question.numerical_answers.all()] == numbers


def test_escapes_become_the_literal_characters(constructs):
    question = by_title("转义")
    assert question.prompt == "数学里 {a} 表示集合;1 = 1 成立 # 注释 ~ 波浪 a:b 比例,反斜杠 \\ 保留。"
    assert [c.text for c in question.choices.all()] == ["对=的", "错~的"]


def test_escaped_newline_and_answers_on_their_own_lines(constructs):
    assert by_title("多行").prompt == "第一行\n第二行"


def test_category_maps_to_a_section_by_title(constructs):
    assert by_title("张量").section.key == "parallel"


def test_unsupported_types_are_listed_as_skipped_with_their_line(constructs):
    assert "line 54: an essay question" in constructs
    assert "line 56: a description" in constructs
    assert not Question.objects.filter(prompt__contains="谈谈你对").exists()


def test_dropped_partial_credit_is_noted(constructs):
    assert "line 22: note: '量化 LoRA' earns partial credit" in constructs


def test_windows_line_endings(starter_bank):
    assert b"\r\n" in (GIFT / "windows_line_endings.gift").read_bytes()
    run_import(GIFT / "windows_line_endings.gift", "--section", "lora")
    question = Question.objects.get(key="lora-gift-crlf")
    assert question.prompt == "Windows 换行的问题?"
    assert [c.text for c in question.choices.all()] == ["对", "错"]
    assert by_title("第二题").type == "truefalse"


def test_byte_order_mark_is_ignored(starter_bank, tmp_path):
    path = tmp_path / "bom.gift"
    path.write_bytes("\ufeff::lora-bom::带 BOM 的文件?{T}\n".encode("utf-8"))
    run_import(path, "--section", "lora")
    assert Question.objects.get(key="lora-bom").prompt == "带 BOM 的文件?"


def test_dry_run_writes_nothing(starter_bank):
    before = Question.objects.count()
    out = run_import(GIFT / "every_construct.gift", "--section", "lora", "--dry-run")
    assert "15 would be created" in out
    assert Question.objects.count() == before


def test_draft_flag_imports_drafts(starter_bank):
    run_import(GIFT / "windows_line_endings.gift", "--section", "lora", "--draft")
    assert set(
        Question.objects.filter(section__key="lora", origin="authored").values_list("status", flat=True)
    ) == {Status.DRAFT}


def test_unclosed_brace_names_its_line_and_writes_nothing(starter_bank):
    before = Question.objects.count()
    err = import_fails(GIFT / "unclosed_brace.gift", "--section", "lora")
    assert "line 4: the answer block opened with '{' is never closed: end it with '}'" in err
    assert Question.objects.count() == before


def test_every_problem_is_reported_with_its_line(starter_bank):
    err = import_fails(GIFT / "several_problems.gift")
    for expected in [
        "line 1: no answer is right",
        "line 3: a matching question needs 3 to 6 pairs (has 2)",
        "line 5: more than one '=' answer",
        "line 7: '}' without an opening '{'",
        "line 9: the title opened with '::' is never closed: end it with '::'",
        "line 11: category '不存在的分类' names no section",
    ]:
        assert expected in err
    assert not Question.objects.filter(origin="authored").exists()


def test_questions_before_any_section_are_a_problem(starter_bank, tmp_path):
    path = tmp_path / "nosection.gift"
    path.write_text("问题?{=对 ~错}\n", encoding="utf-8")
    assert "line 1: no section" in import_fails(path)


def test_section_with_subsections_is_refused(starter_bank):
    assert "section 'tuning' has subsections" in import_fails(
        GIFT / "windows_line_endings.gift", "--section", "tuning"
    )


def test_reimporting_the_same_file_changes_nothing(constructs):
    out = run_import(GIFT / "every_construct.gift", "--section", "lora")
    assert "questions:   0 created, 0 updated, 15 unchanged, 0 rejected" in out


def test_a_changed_question_is_reported_not_overwritten_without_update(starter_bank, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::lora-mine::LoRA 冻结原权重吗?{T}\n", encoding="utf-8")
    run_import(path, "--section", "lora")
    path.write_text("::lora-mine::LoRA 冻结原权重吗?{F}\n", encoding="utf-8")
    out = run_import(path, "--section", "lora")
    assert "line 1: question lora-mine not imported: a question with this key exists and differs" in out
    assert Question.objects.get(key="lora-mine").choices.get(is_correct=True).text == "true"


def test_the_same_file_imported_as_draft_then_published_names_the_status_as_the_difference(starter_bank, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::lora-mine::LoRA 冻结原权重吗?{T}\n", encoding="utf-8")
    run_import(path, "--section", "lora", "--draft")
    out = run_import(path, "--section", "lora")
    assert "question lora-mine not imported: a question with this key has the same content but its status is Draft" in out
    assert Question.objects.get(key="lora-mine").status == "draft"
    assert "1 updated" in run_import(path, "--section", "lora", "--update")
    assert Question.objects.get(key="lora-mine").status == "published"


def test_update_changes_in_place_and_keeps_the_old_version(starter_bank, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::lora-mine::LoRA 冻结原权重吗?{T}\n", encoding="utf-8")
    run_import(path, "--section", "lora")
    pk = Question.objects.get(key="lora-mine").pk
    path.write_text("::lora-mine::LoRA 冻结原权重吗?{F}\n", encoding="utf-8")
    assert "1 updated" in run_import(path, "--section", "lora", "--update")
    question = Question.objects.get(key="lora-mine")
    assert question.pk == pk
    assert question.version == 2
    assert question.choices.get(is_correct=True).text == "false"
    old = QuestionVersion.objects.get(question=question)
    assert old.number == 1 and ["true", True] in old.content["choices"]


def test_keys_are_stable_for_questions_without_a_key_like_title(starter_bank, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::一个标题::问题?{=对 ~错}\n", encoding="utf-8")
    run_import(path, "--section", "lora")
    key = Question.objects.get(title="一个标题").key
    assert key.startswith("lora-g")
    Question.objects.get(key=key).delete()
    run_import(path, "--section", "lora")
    assert Question.objects.get(title="一个标题").key == key


def test_the_same_title_twice_in_a_file_makes_two_questions_with_keys_unique_in_the_section(starter_bank, tmp_path):
    """Moodle imports two questions of one name as two questions; so do we, the second key made unique."""
    path = tmp_path / "q.gift"
    path.write_text("::重复::问题一?{T}\n\n::重复::问题二?{F}\n", encoding="utf-8")
    run_import(path, "--section", "lora")
    first, second = Question.objects.filter(title="重复").order_by("pk")
    assert (first.prompt, second.prompt) == ("问题一?", "问题二?")
    assert second.key == f"{first.key}-2"
    assert "0 created, 0 updated, 2 unchanged" in run_import(path, "--section", "lora")


def test_an_exported_key_given_twice_is_still_a_problem(starter_bank, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::lora-mine::问题一?{T}\n\n::lora-mine::问题二?{F}\n", encoding="utf-8")
    assert "line 3: question key 'lora-mine' is given twice (first at line 1)" in import_fails(
        path, "--section", "lora")


def shown_in(language, problems):
    with translation.override(language):
        return [str(p) for p in problems]


def test_problems_are_translated_when_shown_in_the_language_active_then():
    sections = {
        "tuning": SectionSpec(key="tuning", title="微调", parent=None, order=1),
        "lora": SectionSpec(key="lora", title="LoRA", parent="tuning", order=2),
    }
    text = "配对?{=甲 -> 1 =乙 -> 2}\n\n范围?{#1..x}\n\n坏?{=对 ~错\n"
    with translation.override("en"):
        parsed = read_gift(text, sections=sections, section="tuning")
    assert shown_in("en", parsed.problems) == [
        "line 1: the chosen section: section 'tuning' has subsections; questions and cards belong to its leaves",
        "line 1: a matching question needs 3 to 6 pairs (has 2)",
        "line 1: no section: choose one for the import (--section) or add a $CATEGORY line",
        "line 3: 'x' is not a number",
        "line 5: the answer block opened with '{' is never closed: end it with '}' (a blank line inside a "
        "question ends the question)",
    ]
    assert shown_in("zh-hans", parsed.problems) == [
        "第 1 行：所选章节：章节“tuning”有子章节；题目和卡片应放在它最下一级的章节中",
        "第 1 行：匹配题需要 3 到 6 组配对（现有 2 组）",
        "第 1 行：没有章节：请为本次导入选择一个章节（--section），或添加一行 $CATEGORY",
        "第 3 行：“x”不是数字",
        "第 5 行：以“{”开始的答案块没有结束：请用“}”结束它（题目中的空行会结束这道题）",
    ]


def test_a_title_that_differs_is_not_blamed_on_the_status(starter_bank, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::lora-mine::LoRA 冻结原权重吗?{T}\n", encoding="utf-8")
    run_import(path, "--section", "lora")
    Question.objects.filter(key="lora-mine").update(title="改过的标题")
    out = run_import(path, "--section", "lora")
    assert "a question with this key exists and differs" in out and "status" not in out


@pytest.mark.parametrize("text,said", [
    ("", "line 1: the file is empty"),
    ("// only comments\n\n", "line 1: the file holds no questions or flashcards"),
    ("::a::好?{=对 ~错}\n\n::b::坏\x00?{=对 ~错}\n", "line 3: control character U+0000"),
    ("::a::好\x1b?{=对 ~错}\n", "line 1: control character U+001B"),
])
def test_an_empty_file_or_a_control_character_is_a_problem_and_nothing_is_written(starter_bank, tmp_path,
                                                                                  text, said):
    path = tmp_path / "bank.gift"
    path.write_text(text, encoding="utf-8")
    before = Question.objects.count()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_questions", str(path), "--section", "lora", stdout=StringIO(), stderr=(err := StringIO()))
    assert said in err.getvalue()
    assert Question.objects.count() == before


def contents(**filters):
    questions = (
        Question.objects.filter(**filters)
        .prefetch_related("choices", "accepted_answers", "order_items", "match_pairs")
        .select_related("section")
    )
    return {
        q.key: {k: v for k, v in question_content(q).items() if k not in ("difficulty", "tags")}
        for q in questions
    }


def test_gift_export_reimports_every_question_gift_can_express(starter_bank, tmp_path):
    path = tmp_path / "bank.gift"
    out = run("export_questions", path, "--format", "gift")
    assert "note: history-q02 skipped: GIFT has no ordering questions" in out
    before = contents()
    Question.objects.all().delete()
    run("import_questions", path)
    after = contents()
    assert set(after) == set(before) - {"history-q02"}
    assert all(after[key] == before[key] for key in after)


def test_gift_export_escapes_what_gift_treats_as_syntax(starter_bank, tmp_path):
    Question.objects.filter(key="history-q01").update(prompt="集合 {a} = b # c ~ d: e\\f\n\n第二段")
    path = tmp_path / "q.gift"
    run("export_questions", path, "--format", "gift", "--section", "history")
    text = path.read_text(encoding="utf-8")
    assert "集合 \\{a\\} \\= b \\# c \\~ d\\: e\\\\f\\n\\n第二段{" in text
    run("import_questions", path, "--update")
    assert Question.objects.get(key="history-q01").prompt == "集合 {a} = b # c ~ d: e\\f\n\n第二段"


def test_gift_export_of_a_section(starter_bank, tmp_path):
    path = tmp_path / "lora.gift"
    run("export_questions", path, "--format", "gift", "--section", "lora")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("$CATEGORY: lora\n")
    assert "::lora-q01::" in text and "::lora-q02::" in text and "parallel" not in text
    assert "~%50%原始权重被冻结" in text and "~%-100%需要更新全部参数" in text
