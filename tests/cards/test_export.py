"""The Anki package, imported with the official `anki` package into a fresh collection."""

import time

import pytest
from django.core.management import call_command

from quizapp.cards import export
from quizapp.catalog.models import Flashcard

try:
    from anki.collection import Collection, ImportAnkiPackageRequest
except ImportError as error:  # pragma: no cover - only where anki cannot be installed
    Collection = None
    ANKI_MISSING = f"the anki package cannot be imported here: {error}"
else:
    ANKI_MISSING = ""


def import_into_fresh_collection(tmp_path, package_path, name="collection.anki2"):
    if Collection is None:
        print(ANKI_MISSING)
        pytest.skip(ANKI_MISSING)
    col = Collection(str(tmp_path / name))
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package_path)))
    return col


def notes_by_key(col):
    return {col.get_note(nid)["Key"]: col.get_note(nid) for nid in col.find_notes("")}


def test_export_command_writes_a_package_anki_imports_with_chinese_intact(tmp_path, starter_bank, capsys):
    out = tmp_path / "all.apkg"
    call_command("export_apkg", str(out))
    col = import_into_fresh_collection(tmp_path, out)
    try:
        notes = notes_by_key(col)
        assert len(notes) == Flashcard.objects.count() == 4
        note = notes["history-c01"]
        assert "AlexNet 哪年取胜?" in note["Front"]
        assert "2012 年,深度学习由此进入主流。" in note["Back"]
        assert note["Section"] == "发展历程"
        assert notes["history-c02"]["Hint"] == "规则"
        decks = {d.name for d in col.decks.all_names_and_ids()}
        assert "AI与大模型介绍::微调::LoRA" in decks
    finally:
        col.close()


def test_export_of_one_section_holds_only_its_cards(tmp_path, starter_bank):
    out = tmp_path / "tuning.apkg"
    call_command("export_apkg", str(out), "--section", "tuning")
    col = import_into_fresh_collection(tmp_path, out)
    try:
        assert set(notes_by_key(col)) == {"lora-c01", "parallel-c01"}
    finally:
        col.close()


def test_reimporting_a_newer_package_updates_notes_in_place(tmp_path, starter_bank):
    first = tmp_path / "first.apkg"
    export.write_package(export.flashcards_for(None), str(first))
    col = import_into_fresh_collection(tmp_path, first)
    try:
        Flashcard.objects.filter(key="lora-c01").update(back="低秩矩阵 A·B(已更新)")
        second = tmp_path / "second.apkg"
        # Anki updates a note only from a newer package: stamp this one an hour later.
        export.write_package(export.flashcards_for(None), str(second), timestamp=time.time() + 3600)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(second)))
        notes = notes_by_key(col)
        assert len(notes) == 4
        assert "低秩矩阵 A·B(已更新)" in notes["lora-c01"]["Back"]
    finally:
        col.close()


def test_unknown_section_is_an_error(tmp_path, starter_bank):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("export_apkg", str(tmp_path / "x.apkg"), "--section", "nope")


def test_a_hint_or_title_with_markup_reaches_anki_as_text_not_html(tmp_path, starter_bank):
    Flashcard.objects.filter(key="history-c02").update(hint='<img src=x onerror="alert(1)"> & 规则')
    out = tmp_path / "hint.apkg"
    call_command("export_apkg", str(out))
    col = import_into_fresh_collection(tmp_path, out)
    try:
        hint = notes_by_key(col)["history-c02"]["Hint"]
        assert "<img" not in hint and "&lt;img" in hint and "&amp; 规则" in hint
    finally:
        col.close()
