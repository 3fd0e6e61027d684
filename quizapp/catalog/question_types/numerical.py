"""Numerical: Moodle's numerical question. The learner types a number; each answer is a value with a
tolerance (an interval) and a credit; the answer earns the best credit among the intervals that contain it.

What a learner may type: ASCII digits with an optional sign, one decimal POINT and an optional exponent
(`3.14`, `-2`, `.5`, `6.02e23`); full-width digits, point, signs and e (what a Chinese keyboard types) count,
as do spaces around the number. Nothing else is folded: NFKC would read `10²` as 102 and `①` as 1, so
superscripts, fractions and circled digits are not numbers. A comma is refused with a message, not guessed at:
`3,14` (a decimal comma) and `1,000` (a thousands separator) mean different numbers, and a wrong guess would
mark a right answer wrong. Anything that is not a number is refused, not marked wrong.

Every number, typed or authored, has at most 15 digits before the point and 15 after (LIMIT, PLACES): a float
keeps about 15 significant digits, and `1e999` or 400 nines would overflow it (inf) or the decimal context.

Checking is done in decimal arithmetic on the numbers as written, so 3.15 is within 3.14 ± 0.01.
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import answers
from ..rules import message
from .base import AnswerRefused, FlowMap, Rows, Type, report

NUMERICAL = "numerical"  # the stored name (Question.type, YAML)
MAX_TYPED = 40  # characters a learner may type
MAX_ANSWERS = 10
LIMIT = 15  # digits before the point
PLACES = 15  # digits after it
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
# Full-width forms a Chinese input method types, and the minus signs people paste; nothing else (see above).
_ASCII = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "\uff0e": ".", "\uff0d": "-",
                        "\uff0b": "+", "\uff45": "e", "\uff25": "E", "\uff0c": ",", "\u3000": " ",
                        "\u2212": "-", "\u2013": "-"})
NOT_A_NUMBER = _("'%(number)s' is not a number")
OUT_OF_RANGE = _("'%(number)s' is too large or too precise: a number has at most 15 digits before the point and "
                 "15 after")


def decimal(value) -> Decimal:
    """A stored float as the decimal it was written as (repr gives the shortest round-tripping digits)."""
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def in_range(value: Decimal) -> bool:
    """Finite, below 10^LIMIT, at most PLACES decimals (trailing zeros do not count). Context-free: a
    Decimal of any size is looked at, never computed with."""
    if not value.is_finite():
        return False
    if value.is_zero():
        return True
    _sign, digits, exponent = value.as_tuple()
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return value.adjusted() < LIMIT and -(exponent + zeros) <= PLACES


def number_text(value) -> str:
    """A number written plainly, never in E notation, without trailing zeros or a minus zero: 2021.0 -> 2021,
    1e-05 -> 0.00001, Decimal('3.1400000') -> 3.14, Decimal('1E+2') -> 100, -0.0 -> 0."""
    number = decimal(value)
    if not number.is_finite():
        return str(number)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def ascii_typed(text: str) -> str:
    return text.translate(_ASCII).strip()


def typed_decimal(text: str) -> Decimal | None:
    """The number a learner typed (see the module's note), or None when it is not one; in or out of range."""
    text = ascii_typed(text)
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal holds
        return None


def typed_number(text: str) -> Decimal | None:
    """The number a learner typed, or None when it is not one or out of range."""
    value = typed_decimal(text)
    return value if value is not None and in_range(value) else None


def authored_number(value) -> Decimal | None:
    """A number from a YAML file (int or float, never bool) as a Decimal in range, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    return number if in_range(number) else None


class NumericalRows(Rows):
    field = "numbers"  # [(value, tolerance, credit)], credit a fraction in (0, 1]
    relation = "numerical_answers"
    admin_fields = ["value", "tolerance", "credit", "order"]
    admin_label = _("Numerical answers (value ± tolerance, credit: 1 is full marks, 0.5 half)")

    def read(self, question):
        return [(a.value, a.tolerance, a.credit) for a in question.numerical_answers.all()]

    def write(self, question, values):
        model = question.numerical_answers.model
        model.objects.bulk_create(
            model(question=question, value=v, tolerance=t, credit=f, order=i) for i, (v, t, f) in enumerate(values))

    def from_form(self, rows):
        return [(float(r.get("value") or 0), float(r.get("tolerance") or 0),
                 float(r["credit"]) if r.get("credit") is not None else 1.0) for r in rows]

    def normalised(self, values):
        return [tuple(float(x) for x in v) for v in values]


@dataclass(frozen=True)
class NumericalKey:
    intervals: tuple = ()  # ((low Decimal, high Decimal, credit), ...)
    type: str = NUMERICAL


def _describe(value, tolerance) -> str:
    return number_text(value) if not tolerance else f"{number_text(value)} ± {number_text(tolerance)}"


class Numerical(Type):
    name = NUMERICAL
    label = _("Numerical")
    short = "num"
    rows = NumericalRows()
    yaml_fields = frozenset({"numbers"})
    gift_order = 5  # a block that starts with '#' is numerical, whatever follows
    submit_hint = _("Enter checks")

    # --- Authoring --------------------------------------------------------------------------------
    def answer_problems(self, numbers):
        numbers = list(numbers)
        problems = []
        if not numbers:
            problems.append(_("a numerical question needs at least one answer"))
        if len(numbers) > MAX_ANSWERS:
            problems.append(message(_("a numerical question has at most %(max)d answers (has %(n)d)"),
                                    max=MAX_ANSWERS, n=len(numbers)))
        finite = [n for n in numbers if all(in_range(decimal(x)) for x in n)]
        if len(finite) != len(numbers):
            problems.append(_("every value, tolerance and credit is a number with at most 15 digits before the "
                              "point and 15 after"))
        if any(t < 0 for _v, t, _f in finite):
            problems.append(_("a tolerance cannot be negative"))
        if any(not 0 < f <= 1 for _v, _t, f in finite):
            problems.append(_("a credit is more than 0 and at most 1 (full marks)"))
        if numbers and not any(f == 1 for _v, _t, f in finite):
            problems.append(_("a numerical question needs an answer with full credit (1)"))
        if len({(v, t) for v, t, _f in finite}) != len(finite):
            problems.append(_("two answers have the same value and tolerance"))
        return problems

    def read_yaml(self, check, q, spec):
        raw, line = check.sequence(q, "numbers", _("a question"))
        if "numbers" not in q:
            check.problem(q.line, message(_("a %(type)s question needs 'numbers'"), type=spec.type))
            return
        for item in raw:
            if isinstance(item, dict):  # every YAML mapping the loader reads remembers its lines
                check.unknown_fields(item, {"value", "tolerance", "credit"}, _("a numerical answer"))
                fields = {}
                for name, default in (("value", None), ("tolerance", 0), ("credit", 1)):
                    value = item.get(name, default)
                    number = authored_number(value)
                    if number is None:
                        check.problem(item.key_lines.get(name, item.line), _number_problem(name, value))
                    fields[name] = number
                if None in fields.values():
                    continue
                spec.numbers.append((float(fields["value"]), float(fields["tolerance"]), float(fields["credit"])))
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                number = authored_number(item)
                if number is None:
                    check.problem(line, _number_problem("value", item))
                    continue
                spec.numbers.append((float(number), 0.0, 1.0))
            else:
                check.problem(line, _("a numerical answer is a number or a mapping with 'value', 'tolerance' "
                                      "and 'credit'"))
        report(check, line, self.answer_problems(spec.numbers))

    def yaml_entry(self, content):
        entries = []
        for value, tolerance, credit in content["numbers"]:
            if not tolerance and credit == 1:
                entries.append(_plain(value))
                continue
            entry = FlowMap(value=_plain(value))
            if tolerance:
                entry["tolerance"] = _plain(tolerance)
            if credit != 1:
                entry["credit"] = _plain(credit)
            entries.append(entry)
        return {"numbers": entries}

    def right_texts(self, content):
        return [_describe(v, t) for v, t, f in content.get("numbers", []) if f == 1]

    # --- GIFT -------------------------------------------------------------------------------------
    def gift_read(self, block):
        """`{#3.14:0.01}` value and tolerance, `{#1..5}` a range, `{#=3.14:0.01 =%50%3:0.5}` several answers
        with partial credit; `#feedback` after an answer. `~` has no meaning in a numerical block."""
        if not block.numeric:
            return None
        m, start, end = block.marked, block.first + 1, block.end
        block.spec.type = self.name
        tilde = m.find("~", start, end)
        if tilde >= 0:
            block.problem(_("a numerical answer starts with '=' ('~' has no meaning in a numerical question)"))
            return False
        if m.find("=", start, end) >= 0:
            listed = block.split(start, markers="=")
            if listed is None:
                return False
        else:
            hash_at = m.find("#", start, end)
            text = m.text(start, hash_at if hash_at >= 0 else end).strip()
            listed = [("=", None, text, m.text(hash_at + 1, end).strip() if hash_at >= 0 else "")]
        for _marker, weight, text, fb in listed:
            if fb:
                block.feedback.append(f"{text}: {fb}")
            credit = 1.0 if weight is None else float(weight / 100)  # %33.33333% is 0.3333333, no float noise
            if credit <= 0:
                block.warning(message(_("'%(answer)s' earns no credit; a numerical answer that earns nothing is "
                                        "dropped"), answer=text))
                continue
            try:
                value, tolerance = _gift_interval(text)
            except ValueError as exc:
                block.problem(exc.args[0])  # the lazy message, not str(): translated when shown
                return False
            block.spec.numbers.append((value, tolerance, credit))
        return True

    def gift_body(self, content, escape):
        numbers = content["numbers"]
        if len(numbers) == 1 and numbers[0][2] == 1:
            return [f"#{_gift_answer(numbers[0])}"]
        lines = [f"={'' if f == 1 else f'%{number_text(decimal(f) * 100)}%'}{_gift_answer((v, t, f))}" for v, t, f in numbers]
        return ["#" + lines[0], *lines[1:]]

    # --- Serving and checking ---------------------------------------------------------------------
    def frozen_copy(self, question, rng):
        return {}

    def right_answer(self, question):
        return {"numbers": [[a.value, a.tolerance, a.credit] for a in question.numerical_answers.all()]}

    def answer_key(self, question):
        intervals = []
        for a in question.numerical_answers.all():
            value, tolerance = decimal(a.value), abs(decimal(a.tolerance))
            intervals.append((value - tolerance, value + tolerance, a.credit))
        return NumericalKey(intervals=tuple(intervals))

    def check(self, key, given):
        """The best credit among the answers whose interval contains the number; right at full credit."""
        value = typed_decimal(given) if isinstance(given, str) else None  # compared as written, never computed
        if value is None:
            raise answers.InvalidAnswer("not a number")
        credit = max((c for low, high, c in key.intervals if low <= value <= high), default=0.0)
        return answers.Outcome(correct=credit >= 1, score=float(credit))

    def parse_answer(self, shown, post):
        text = post.get("number", "")
        if not text.strip():
            raise AnswerRefused(gettext("Type a number first."))
        if len(text) > MAX_TYPED:
            raise AnswerRefused(gettext("That answer is too long (at most %(n)d characters).") % {"n": MAX_TYPED})
        value = typed_decimal(text)
        if value is not None and not in_range(value):
            raise AnswerRefused(gettext(
                "That number is too large or too precise: type at most 15 digits before the point and 15 after."))
        if value is None:
            if "," in ascii_typed(text):
                raise AnswerRefused(gettext(
                    "Write the number with a decimal point and without separators, such as 3.14 or 1000."))
            raise AnswerRefused(gettext("That is not a number: type digits, such as 3.14 or -2."))
        return ascii_typed(text)

    def sample_answer(self, key, right):
        if right:
            low, high, _credit = next(i for i in key.intervals if i[2] >= 1)
            return str((low + high) / 2)
        return str(max(high for _low, high, _c in key.intervals) + 1000)

    # --- Showing ------------------------------------------------------------------------------------
    def feedback(self, asked, right, given, response):
        numbers = right.get("numbers", [])
        partial = 0 < response.score < 1
        return {
            "yours": [(self.describe_answer(asked, given), None if partial else response.correct)],
            "correct_answer": [_describe(v, t) for v, t, f in numbers if f == 1],
            "partly_right": [(_describe(v, t), round(f * 100)) for v, t, f in numbers if f < 1],
        }

    def describe_answer(self, asked, given):
        value = typed_number(given) if isinstance(given, str) else None
        return number_text(value) if value is not None else (str(given) or "—")


def _plain(value):
    """A float as YAML writes it best: a whole number as an int."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def _number_problem(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return message(_("'%(field)s' must be a number"), field=name)
    text = str(value)
    return message(OUT_OF_RANGE, number=text if len(text) <= 40 else text[:39] + "…")


def _gift_number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(message(NOT_A_NUMBER, number=text.strip())) from None
    if not value.is_finite():
        raise ValueError(message(NOT_A_NUMBER, number=text.strip()))
    if not in_range(value):
        raise ValueError(message(OUT_OF_RANGE, number=text.strip()[:40]))
    return value


def _gift_interval(text: str) -> tuple[float, float]:
    """(value, tolerance) of a GIFT numerical answer `value`, `value:tolerance` or `low..high`."""
    if ".." in text:
        low, high = sorted(_gift_number(t) for t in text.split("..", 1))
        return float((low + high) / 2), float((high - low) / 2)
    if ":" in text:
        value_text, tolerance_text = text.split(":", 1)
        return float(_gift_number(value_text)), float(abs(_gift_number(tolerance_text)))
    return float(_gift_number(text)), 0.0


def _gift_answer(answer) -> str:
    value, tolerance, _credit = answer
    return number_text(value) if not tolerance else f"{number_text(value)}:{number_text(tolerance)}"
