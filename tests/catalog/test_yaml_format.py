from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizapp.catalog.models import Flashcard, Question, Section, Status
from tests.conftest import FIXTURE_BANK


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def empty_the_bank():
    """What a fresh site has: the sections, no questions, cards or notes."""
    Question.objects.all().delete()
    Flashcard.objects.all().delete()
    Section.objects.update(notes="")


def test_export_import_export_gives_the_identical_file(starter_bank, tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    run("export_questions", first, "--section", "tuning")
    empty_the_bank()
    out = run("import_questions", first)
    assert "questions:   4 created" in out and "flashcards:  2 created" in out
    run("export_questions", second, "--section", "tuning")
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_exported_file_is_a_content_bank_file(starter_bank, tmp_path):
    """The export is exactly what content/ holds: the loader reads it back without a problem."""
    out = tmp_path / "tuning.yaml"
    run("export_questions", out, "--section", "tuning")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("section: tuning\nsections:\n  - key: lora\n")
    assert "answers: [QLoRA, Quantized LoRA]" in text
    (tmp_path / "sections.yaml").write_bytes((FIXTURE_BANK / "sections.yaml").read_bytes())
    assert "questions:   0 created, 0 updated, 4 unchanged" in run(
        "load_content", tmp_path / "sections.yaml", out
    )


def test_whole_bank_exports_as_a_content_folder_that_reloads_identically(starter_bank, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    run("export_questions", first)
    assert sorted(p.name for p in first.iterdir()) == ["history.yaml", "sections.yaml", "tuning.yaml"]
    Question.objects.all().delete()
    Flashcard.objects.all().delete()
    Section.objects.filter(parent__isnull=False).delete()
    Section.objects.all().delete()
    run("load_content", first)
    run("export_questions", second)
    for name in ["history.yaml", "sections.yaml", "tuning.yaml"]:
        assert (second / name).read_text(encoding="utf-8") == (first / name).read_text(encoding="utf-8")


def test_a_leaf_exports_under_its_top_level_section(starter_bank, tmp_path):
    out = tmp_path / "lora.yaml"
    run("export_questions", out, "--section", "lora")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("section: tuning\nsections:\n  - key: lora\n")
    assert "parallel" not in text


def test_yaml_problems_are_reported_with_lines_and_nothing_is_written(starter_bank, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "section: tuning\n"
        "sections:\n"
        "  - key: lora\n"
        "    questions:\n"
        "      - key: lora-new\n"
        "        type: single\n"
        "        difficulty: 9\n"
        "        prompt: 问题?\n"
        "        choices: [甲, 乙, 丙]\n"
        "        explanation: 因为。\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_questions", str(path), stdout=StringIO(), stderr=err)
    assert "line 7: difficulty must be a whole number from 1 to 5" in err.getvalue()
    assert "line 9: a single-choice question needs exactly one correct choice (has 0)" in err.getvalue()
    assert not Question.objects.filter(key="lora-new").exists()


def test_yaml_names_its_own_sections(starter_bank, tmp_path):
    path = tmp_path / "t.yaml"
    run("export_questions", path, "--section", "tuning")
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--section", "lora", stdout=StringIO(), stderr=StringIO())


def test_imported_yaml_is_authored_and_drafts_when_asked(starter_bank, tmp_path):
    path = tmp_path / "t.yaml"
    run("export_questions", path, "--section", "tuning")
    empty_the_bank()
    run("import_questions", path, "--draft")
    assert set(Question.objects.values_list("status", "origin")) == {(Status.DRAFT, "authored")}
    assert set(Flashcard.objects.values_list("status", flat=True)) == {Status.DRAFT}


def test_notes_that_differ_are_kept_unless_update(starter_bank, tmp_path):
    path = tmp_path / "t.yaml"
    run("export_questions", path, "--section", "lora")
    Section.objects.filter(key="lora").update(notes="- 老师改过的笔记")
    out = run("import_questions", path)
    assert "notes lora not imported" in out
    assert Section.objects.get(key="lora").notes == "- 老师改过的笔记"
    run("import_questions", path, "--update")
    assert Section.objects.get(key="lora").notes.startswith("- LoRA 冻结原权重")


def test_an_import_says_what_sanitizing_will_leave_out(starter_bank, tmp_path):
    path = tmp_path / "t.yaml"
    run("export_questions", path, "--section", "tuning")
    text = path.read_text(encoding="utf-8").replace("explanation: ", "explanation: <script>alert(1)</script> ", 1)
    path.write_text(text, encoding="utf-8")
    empty_the_bank()
    out = run("import_questions", path, "--dry-run")
    assert not Question.objects.exists()  # a dry run
    run("import_questions", path)
    question = Question.objects.get(explanation__contains="<script>")  # kept as written; cleaned when shown
    assert any(question.key in line and "<script>" in line for line in out.splitlines()), out


@pytest.mark.parametrize("text,said", [
    ("section: tuning\nsections: " + "[" * 20_000 + "]" * 20_000 + "\n", "the YAML is nested too deeply"),
    ("section: tuning\nsections:\n  - key: lora\n    questions:\n      - key: lora-big\n        difficulty: "
     + "9" * 5000 + "\n", "a number or date cannot be read"),
    ("", "the file is empty"),
    ("\n# nothing\n", "the file is empty"),
])
def test_a_yaml_file_no_bank_can_be_fails_with_a_clear_problem(starter_bank, tmp_path, text, said):
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    before = Question.objects.count()
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_questions", str(path), stdout=StringIO(), stderr=err)
    assert f"{path}: line 1: {said}" in err.getvalue()
    assert Question.objects.count() == before


def test_yaml_export_notes_what_content_files_would_refuse(starter_bank, tmp_path):
    # Saved before the admin checked for the blank (the admin now refuses it, as the loader does).
    Question.objects.filter(key="lora-q02").update(prompt="在 4-bit 量化模型上做 LoRA 的方法叫什么?")
    out = run("export_questions", tmp_path / "t.yaml", "--section", "tuning")
    assert "a fill prompt marks its blank with ____ (content/ files need this)" in out


def test_a_question_without_an_explanation_exports_and_imports_again(starter_bank, tmp_path):
    """The admin and GIFT files allow an empty explanation, so the YAML format does too."""
    Question.objects.filter(key="lora-q02").update(explanation="")
    path = tmp_path / "t.yaml"
    out = run("export_questions", path, "--section", "tuning")
    assert "note:" not in out
    first = path.read_text(encoding="utf-8")
    Question.objects.all().delete()
    run("import_questions", path)
    assert Question.objects.get(key="lora-q02").explanation == ""
    run("export_questions", path, "--section", "tuning")
    assert path.read_text(encoding="utf-8") == first
