import csv
import io
from decimal import Decimal

import pytest

from quizapp import spreadsheet_cells


@pytest.mark.parametrize("text", ["=1+1", "+SUM(1,2)", "-2+3", "@cmd", "\tx", "\rx",
                                  '=HYPERLINK("http://evil.example/","x")', "'=x", "''+x"])
def test_a_cell_that_would_start_a_formula_is_prefixed_and_restored(text):
    written = spreadsheet_cells.neutralised(text)
    assert written == "'" + text
    assert spreadsheet_cells.restored(written) == text


@pytest.mark.parametrize("text", ["LoRA", "'quoted'", "", "a=b", "张量并行", "'"])
def test_ordinary_text_is_written_and_read_as_it_is(text):
    assert spreadsheet_cells.neutralised(text) == text
    assert spreadsheet_cells.restored(text) == text


def test_numbers_the_app_computes_stay_numbers():
    out = io.StringIO()
    spreadsheet_cells.writer(out).writerows([[-3, -0.5, Decimal("-0.250"), "-0.250"]])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["-3", "-0.5", "-0.250", "'-0.250"]
