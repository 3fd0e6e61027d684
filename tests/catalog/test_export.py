from io import StringIO

from django.core.management import call_command

from quizapp.catalog.loading import question_content
from quizapp.catalog.models import Question


def run(command, *args):
    out = StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=out)
    return out.getvalue()


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
