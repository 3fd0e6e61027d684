"""CSV cells that a spreadsheet shows as text and never runs as a formula (OWASP's "CSV injection").

Excel, LibreOffice and Google Sheets evaluate a cell that starts with `=`, `+`, `-` or `@` (and, after
trimming, one that starts with a tab or carriage return), so a learner's typed answer
`=HYPERLINK("http://evil.example/","x")` became a live link in a teacher's download. Every CSV the app
writes goes through `writer`, which prefixes such a cell with `'`: spreadsheets show the text as typed and
hide the apostrophe. `restored` undoes exactly that prefix, so what an export wrote imports back unchanged.

The prefix is also added to a cell that already starts with apostrophes before a trigger (`'=x` becomes
`''=x`), which keeps `restored` exact: a cell authored as `'=x` is not mistaken for an escaped `=x`.
Numbers the app computes (int, float, Decimal) are written as they are: `-0.250` is a value, not text
someone typed."""

import csv

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """`value` as a spreadsheet must receive it: a text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and value.lstrip("'").startswith(TRIGGERS):
        return "'" + value
    return value


def restored(cell: str) -> str:
    """The text that `neutralised` was given: one leading `'` removed where `neutralised` added it."""
    if cell.startswith("'") and cell.lstrip("'").startswith(TRIGGERS):
        return cell[1:]
    return cell


class _NeutralisingWriter:
    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row):
        return self._writer.writerow([neutralised(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **options):
    """`csv.writer(out, **options)` whose rows are `neutralised` cell by cell."""
    return _NeutralisingWriter(out, **options)
