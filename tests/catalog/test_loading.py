import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizapp.catalog import question_types
from quizapp.catalog.models import Flashcard, Question, QuestionVersion, Section, Status
from tests.conftest import FIXTURE_BANK


@pytest.fixture
def bank(tmp_path):
    """A writable copy of the test bank."""
    target = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, target)
    return target


def load(*paths):
    out, err = StringIO(), StringIO()
    call_command("load_content", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue()


def load_fails(*paths):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_content", *map(str, paths), stdout=StringIO(), stderr=err)
    return err.getvalue()


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path, needle):
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.django_db
def test_a_valid_bank_loads_every_type_with_its_answers(bank):
    out = load(bank)
    assert "questions:   8 created" in out
    assert Section.objects.count() == 4
    # Every type but numerical, which came later: its loading is tested in test_question_types.py, so the
    # bank every other test relies on keeps its eight questions.
    assert set(Question.objects.values_list("type", flat=True)) == set(question_types.names()) - {"numerical"}
    fill = Question.objects.get(key="parallel-q01")
    assert list(fill.accepted_answers.values_list("text", flat=True)) == [
        "张量并行", "Tensor Parallel", "Tensor Parallelism", "TP"]
    ordering = Question.objects.get(key="history-q02")
    assert [i.text for i in ordering.order_items.all()] == ["符号主义", "统计机器学习", "深度学习", "大模型"]
    assert Section.objects.get(key="lora").parent.key == "tuning"
    assert "冻结原权重" in Section.objects.get(key="lora").notes
    assert Flashcard.objects.get(key="history-c02").hint == "规则"


@pytest.mark.django_db
def test_loading_twice_reports_everything_unchanged(bank):
    load(bank)
    out = load(bank)
    assert "sections:    0 created, 0 updated, 4 unchanged, 0 withdrawn" in out
    assert "questions:   0 created, 0 updated, 8 unchanged, 0 withdrawn" in out
    assert "flashcards:  0 created, 0 updated, 4 unchanged, 0 withdrawn" in out


@pytest.mark.django_db
def test_an_edited_question_is_updated_in_place_and_its_version_bumped(bank):
    load(bank)
    before = Question.objects.get(key="history-q01")
    edit(bank / "history.yaml", "哪一年 AlexNet 在 ImageNet 上取胜?", "AlexNet 在哪一年赢得 ImageNet?")
    out = load(bank)
    after = Question.objects.get(key="history-q01")
    assert "questions:   0 created, 1 updated, 7 unchanged" in out
    assert after.pk == before.pk and after.version == before.version + 1


@pytest.mark.django_db
def test_a_loaded_edit_keeps_the_earlier_version_as_the_admin_and_imports_do(bank):
    """Answers given to version 1 are read against what was asked then: the loader records the version."""
    load(bank)
    edit(bank / "tuning.yaml", "answers: [张量并行, Tensor Parallel, Tensor Parallelism, TP]",
         "answers: [张量并行, Tensor Parallel, TP]")
    assert "questions:   0 created, 1 updated, 7 unchanged" in load(bank)
    question = Question.objects.get(key="parallel-q01")
    assert question.version == 2
    kept = QuestionVersion.objects.get(question=question)
    assert kept.number == 1 and kept.replaced_by is None
    assert kept.content["answers"] == ["张量并行", "Tensor Parallel", "Tensor Parallelism", "TP"]
    assert [a.text for a in question.accepted_answers.all()] == ["张量并行", "Tensor Parallel", "TP"]
    assert "questions:   0 created, 0 updated, 8 unchanged" in load(bank)
    assert Question.objects.get(key="parallel-q01").version == 2 and QuestionVersion.objects.count() == 1


@pytest.mark.django_db
def test_an_explanation_edit_keeps_the_version(bank):
    load(bank)
    edit(bank / "history.yaml", "2017 年是 Transformer 论文发表的年份。", "2017 年是《Attention Is All You Need》发表的年份。")
    load(bank)
    assert Question.objects.get(key="history-q01").version == 1
    assert not QuestionVersion.objects.exists()


@pytest.mark.django_db
def test_a_removed_key_is_unpublished_not_deleted(bank):
    load(bank)
    text = (bank / "tuning.yaml").read_text(encoding="utf-8")
    start = text.index("      - key: lora-q02")
    end = text.index("    flashcards:", start)
    (bank / "tuning.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    out = load(bank)
    assert "questions:   0 created, 0 updated, 7 unchanged, 1 withdrawn" in out
    assert Question.objects.get(key="lora-q02").status == Status.DRAFT
    # Putting it back publishes it again.
    shutil.copy(FIXTURE_BANK / "tuning.yaml", bank / "tuning.yaml")
    assert "1 updated" in load(bank)
    assert Question.objects.get(key="lora-q02").status == Status.PUBLISHED


@pytest.mark.django_db
def test_loading_one_file_withdraws_nothing_from_the_others(bank):
    load(bank)
    out = load(bank / "tuning.yaml")
    assert "0 withdrawn" in out
    assert Question.objects.published().count() == 8


def assert_nothing_written():
    assert Section.objects.count() == 0
    assert Question.objects.count() == 0
    assert Flashcard.objects.count() == 0


@pytest.mark.django_db
def test_bad_yaml_is_reported_with_its_line(bank):
    edit(bank / "history.yaml", "        difficulty: 2\n", "        difficulty: [2\n")
    err = load_fails(bank)
    assert f"{bank / 'history.yaml'}:" in err and "YAML syntax error" in err
    assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("text,said", [
    ("section: " + "[" * 20_000 + "]" * 20_000 + "\n", "the YAML is nested too deeply"),
    ("section: history\nsections:\n  - key: " + "9" * 5000 + "\n", "a number or date cannot be read"),
    ("", "the file is empty"),
    ("# only a comment\n", "the file is empty"),
])
def test_a_file_no_bank_can_be_is_a_clear_problem_not_a_traceback(bank, text, said):
    (bank / "history.yaml").write_text(text, encoding="utf-8")
    err = load_fails(bank)
    assert f"{bank / 'history.yaml'}:1: {said}" in err
    assert_nothing_written()


@pytest.mark.django_db
def test_an_unknown_section_is_reported_with_its_line(bank):
    edit(bank / "tuning.yaml", "  - key: parallel\n", "  - key: paralel\n")
    err = load_fails(bank)
    assert f"tuning.yaml:{line_of(bank / 'tuning.yaml', 'key: paralel')}: unknown section 'paralel'" in err
    assert_nothing_written()


@pytest.mark.django_db
def test_a_question_without_a_correct_choice_is_reported(bank):
    edit(bank / "history.yaml", '          - text: "2012"\n            correct: true\n', '          - "2012"\n')
    err = load_fails(bank)
    assert "a single-choice question needs exactly one correct choice (has 0)" in err
    assert f"history.yaml:{line_of(bank / 'history.yaml', 'choices:')}:" in err
    assert_nothing_written()


@pytest.mark.django_db
def test_a_fill_in_prompt_without_a_blank_is_reported(bank):
    edit(bank / "tuning.yaml", "的方法叫 ____。", "的方法叫什么?")
    err = load_fails(bank)
    line = line_of(bank / "tuning.yaml", "的方法叫什么?")
    assert f"tuning.yaml:{line}: a fill prompt marks its blank with ____" in err
    assert_nothing_written()


@pytest.mark.django_db
def test_the_loader_accepts_what_the_admin_accepts(bank):
    """Two choices and no explanation: fine in the admin and in GIFT files, so fine in a bank file (the
    shipped banks' own bar, 3-6 choices and an explanation, is test_bank's)."""
    edit(bank / "history.yaml", '          - "2017"\n', "")
    edit(bank / "history.yaml", "        explanation: AlexNet", "        explanation: ''\n        # AlexNet")
    load(bank)
    question = Question.objects.get(key="history-q01")
    assert question.choices.count() == 2 and question.explanation == ""


@pytest.mark.django_db
def test_texts_longer_than_the_database_keeps_are_reported(bank):
    edit(bank / "tuning.yaml", "answers: [QLoRA, Quantized LoRA]", f"answers: [QLoRA, {'L' * 201}]")
    err = load_fails(bank)
    assert "an accepted answer may be at most 200 characters long (the longest has 201)" in err
    assert_nothing_written()


@pytest.mark.django_db
def test_a_duplicate_key_is_reported_with_both_places(bank):
    edit(bank / "tuning.yaml", "key: parallel-q02", "key: lora-q01")
    err = load_fails(bank)
    lines = [n for n, line in enumerate((bank / "tuning.yaml").read_text().splitlines(), 1) if "key: lora-q01" in line]
    first, second = lines
    assert f"tuning.yaml:{second}: duplicate question key 'lora-q01' (first at {bank / 'tuning.yaml'}:{first})" in err
    assert_nothing_written()


@pytest.mark.django_db
def test_fields_of_another_type_are_reported(bank):
    edit(bank / "tuning.yaml", "        answers: [QLoRA, Quantized LoRA]\n",
         "        answers: [QLoRA, Quantized LoRA]\n        items: [a, b, c]\n")
    err = load_fails(bank)
    assert f"tuning.yaml:{line_of(bank / 'tuning.yaml', 'items: [a, b, c]')}: field 'items' does not belong to a fill question" in err
    assert_nothing_written()


@pytest.mark.django_db
def test_every_problem_is_listed_and_a_loaded_bank_is_left_untouched(bank):
    load(bank)
    edit(bank / "history.yaml", "difficulty: 1", "difficulty: 9")
    edit(bank / "tuning.yaml", "type: multiple", "type: essay")
    err = load_fails(bank)
    assert "difficulty must be a whole number from 1 to 5" in err
    assert "type must be one of" in err
    assert Question.objects.get(key="history-q01").difficulty == 1
    assert Question.objects.get(key="lora-q01").type == "multiple"
