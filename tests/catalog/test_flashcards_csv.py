from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizapp.catalog.models import Flashcard, Status

ROWS = 'front,back,hint,section\nLoRA 是什么?,低秩适配,低秩,lora\n"多行\n正面","背面, 带逗号",,parallel\n'


def run_import(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_questions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def import_fails(path, *args):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_questions", str(path), *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["without-bom", "with-bom"])
def test_csv_with_or_without_byte_order_mark(starter_bank, tmp_path, bom):
    path = tmp_path / "cards.csv"
    path.write_bytes(bom + ROWS.encode("utf-8"))
    assert "flashcards:  2 created" in run_import(path)
    card = Flashcard.objects.get(front="LoRA 是什么?")
    assert (card.back, card.hint, card.section.key, card.status) == (
        "低秩适配",
        "低秩",
        "lora",
        Status.PUBLISHED,
    )
    assert Flashcard.objects.get(front="多行\n正面").back == "背面, 带逗号"


def test_windows_line_endings_and_no_header_use_the_chosen_section(starter_bank, tmp_path):
    path = tmp_path / "cards.csv"
    path.write_bytes("正面一,背面一\r\n正面二,背面二,提示二\r\n".encode("utf-8"))
    run_import(path, "--section", "history", "--draft")
    cards = Flashcard.objects.filter(front__startswith="正面").order_by("front")
    assert [(c.front, c.back, c.hint, c.section.key, c.status) for c in cards] == [
        ("正面一", "背面一", "", "history", Status.DRAFT),
        ("正面二", "背面二", "提示二", "history", Status.DRAFT),
    ]


def test_section_by_title(starter_bank, tmp_path):
    path = tmp_path / "cards.csv"
    path.write_text("front,back,section\n张量并行?,TP,并行方式\n", encoding="utf-8")
    run_import(path)
    assert Flashcard.objects.get(front="张量并行?").section.key == "parallel"


def test_bad_rows_are_reported_with_their_line_and_nothing_is_written(starter_bank, tmp_path):
    path = tmp_path / "cards.csv"
    path.write_text(
        "front,back,hint,section\n好的,背面,,lora\n,没有正面,,lora\n正面,背面,,不存在\n"
        '"多行\n正面",背面,,tuning\n正面,背面,,lora,多余\n',
        encoding="utf-8",
    )
    before = Flashcard.objects.count()
    err = import_fails(path)
    assert "line 3: 'front' is empty" in err
    assert "line 4: unknown section '不存在'" in err
    assert "line 5: section 'tuning' has subsections" in err
    assert "line 7: expected the columns front, back, hint, section (found 5 values)" in err
    assert Flashcard.objects.count() == before


def test_not_utf8_is_refused(starter_bank, tmp_path):
    path = tmp_path / "cards.csv"
    path.write_bytes("正面,背面,,lora\n".encode("gb18030"))
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_questions", str(path), stdout=StringIO(), stderr=StringIO())


def test_csv_export_reimports_in_place(starter_bank, tmp_path):
    path = tmp_path / "out.csv"
    call_command("export_questions", str(path), "--format", "csv", "--section", "tuning", stdout=StringIO())
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "flashcards:  0 created, 0 updated, 2 unchanged" in run_import(path)


def test_cells_a_spreadsheet_would_run_export_neutralised_and_import_back_unchanged(starter_bank, tmp_path):
    texts = ["=1+1", "+SUM(1,2)", "-2+3", "@cmd", "'=already quoted"]
    Flashcard.objects.filter(section__key="lora").delete()
    from quizapp.catalog.models import Section
    from tests.factories import FlashcardFactory

    lora = Section.objects.get(key="lora")
    for i, text in enumerate(texts):
        FlashcardFactory(section=lora, key=f"formula-{i}", front=text, back=text, hint=text)
    path = tmp_path / "out.csv"
    call_command("export_questions", str(path), "--format", "csv", "--section", "lora", stdout=StringIO())
    written = path.read_text("utf-8-sig")
    assert "'=1+1" in written and "'+SUM(1,2)" in written and "'-2+3" in written and "''=already" in written
    Flashcard.objects.filter(section__key="lora").delete()
    assert "5 created" in run_import(path)
    for i, text in enumerate(texts):
        card = Flashcard.objects.get(key=f"formula-{i}")
        assert (card.front, card.back, card.hint) == (text, text, text)


def test_a_file_authored_with_formulas_imports_them_as_typed(starter_bank, tmp_path):
    path = tmp_path / "cards.csv"
    path.write_text("front,back,section\n=1+1,@two,lora\n", "utf-8")
    assert "1 created" in run_import(path)
    assert Flashcard.objects.filter(front="=1+1", back="@two").exists()


@pytest.mark.parametrize("text,said", [
    ("", "line 1: the file is empty"),
    ("front,back,hint,section\n", "line 1: the file holds no questions or flashcards"),
    ("front,back,section\n正面,背面,lora\n正\x00面,背面,lora\n", "line 3: control character U+0000"),
])
def test_an_empty_csv_or_a_nul_is_a_problem_and_nothing_is_written(starter_bank, tmp_path, text, said):
    path = tmp_path / "cards.csv"
    path.write_text(text, encoding="utf-8")
    before = Flashcard.objects.count()
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_questions", str(path), stdout=StringIO(), stderr=err)
    assert said in err.getvalue()
    assert Flashcard.objects.count() == before
