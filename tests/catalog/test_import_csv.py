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
