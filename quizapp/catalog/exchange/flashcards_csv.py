"""Flashcards as CSV: `front, back, hint, section` (a header row naming the columns is optional and may add
`key`), UTF-8 with or without a byte-order mark, as spreadsheets save it."""

import csv
import io

from django.utils.translation import gettext_lazy as _

from quizapp import spreadsheet_cells
from quizapp.catalog import rules
from quizapp.catalog.loading import FlashcardSpec
from quizapp.catalog.models import Status
from quizapp.catalog.rules import message

from . import ImportFile, Problem, chosen_section_problem, find_section, item_key, leaf_problem

COLUMNS = ("front", "back", "hint", "section")
EXPORT_COLUMNS = ("front", "back", "hint", "section", "key")


def _header(row) -> list | None:
    names = [c.strip().lstrip("\ufeff").casefold() for c in row]
    if "front" in names and "back" in names and set(names) <= set(EXPORT_COLUMNS):
        return names
    return None


def read_flashcards_csv(text: str, *, sections: dict, section: str | None = None) -> ImportFile:
    result = ImportFile()
    wrong = chosen_section_problem(sections, section)
    if wrong:
        result.problems.append(wrong)
        return result
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    columns = list(COLUMNS)
    start = 1
    try:
        for n, row in enumerate(reader):
            line = start
            start = reader.line_num + 1
            if n == 0 and (named := _header(row)):
                columns = named
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns) or len(row) < 2:
                result.problems.append(
                    Problem(
                        line,
                        message(
                            _("expected the columns %(columns)s (found %(n)d values)"),
                            columns=", ".join(columns),
                            n=len(row),
                        ),
                    )
                )
                continue
            # A cell our export neutralised (`'=1+1`) reads back as written (`=1+1`).
            values = dict(zip(columns, (spreadsheet_cells.restored(cell).strip() for cell in row)))
            _card(result, values, line, sections, section)
    except csv.Error as exc:
        result.problems.append(
            Problem(reader.line_num or 1, message(_("CSV syntax error: %(error)s"), error=str(exc)))
        )
    return result


def _card(result, values, line, sections, default):
    front, back = values.get("front", ""), values.get("back", "")
    missing = [name for name, value in (("front", front), ("back", back)) if not value]
    if missing:
        result.problems.append(Problem(line, message(_("'%(column)s' is empty"), column=missing[0])))
        return
    named = values.get("section", "")
    leaf = find_section(sections, named) if named else default
    if not leaf:
        result.problems.append(
            Problem(
                line,
                message(_("unknown section '%(key)s'"), key=named)
                if named
                else _("no section: fill the section column or choose one for the import"),
            )
        )
        return
    wrong = leaf_problem(sections, leaf)
    if wrong:
        result.problems.append(Problem(line, wrong))
        return
    key = values.get("key", "") or item_key(leaf, "c", "", front)
    wrong = rules.key_problem(key)
    if wrong:
        result.problems.append(Problem(line, wrong))
        return
    if result.add_key("flashcard", key, line):
        result.flashcards.append(
            FlashcardSpec(
                key=key,
                section=leaf,
                front=front,
                back=back,
                hint=values.get("hint", ""),
                status=Status.PUBLISHED,
            )
        )


def write_flashcards_csv(cards) -> str:
    """`cards`: Flashcard rows with their section. A BOM so spreadsheet programs read it as UTF-8."""
    out = io.StringIO()
    writer = spreadsheet_cells.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for card in cards:
        writer.writerow([card.front, card.back, card.hint, card.section.key, card.key])
    return "\ufeff" + out.getvalue()
