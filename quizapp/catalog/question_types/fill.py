"""Fill in the blank: the learner types a term; it is right when it folds to an accepted answer
(answers.fold: width, case, spaces and trailing punctuation do not count)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from .. import answers
from ..rules import ANSWER_LENGTH, BLANK, message
from .base import AnswerRefused, Flow, Rows, Type, report, texts_of, too_long

MAX_TEXT = 200  # the longest answer a learner may type (the input's maxlength)
MAX_ENUMERATED = 21  # GIFT integer ranges up to this many values become accepted answers
NOT_A_NUMBER = _("'%(number)s' is not a number")


class AcceptedAnswerRows(Rows):
    field = "answers"  # [text]
    relation = "accepted_answers"
    admin_fields = ["text"]
    admin_label = _("Accepted answers (fill in the blank)")

    def read(self, question):
        return [a.text for a in question.accepted_answers.all()]

    def write(self, question, values):
        model = question.accepted_answers.model
        model.objects.bulk_create(model(question=question, text=a) for a in values)

    def from_form(self, rows):
        return [r.get("text") or "" for r in rows]


class FillIn(Type):
    name = "fill"
    label = _("Fill in the blank")
    short = "fill"
    rows = AcceptedAnswerRows()
    yaml_fields = frozenset({"answers"})
    gift_order = 30
    submit_hint = _("Enter checks")

    def prompt_problems(self, prompt):
        """A fill-in prompt shows the learner where the missing word goes."""
        if prompt.strip() and BLANK not in prompt:
            return [message(_("a fill prompt marks its blank with %(blank)s"), blank=BLANK)]
        return []

    def answer_problems(self, accepted):
        accepted = list(accepted)
        problems = []
        if not accepted:
            problems.append(_("a fill-in question needs at least one accepted answer"))
        if any(not a.strip() for a in accepted):
            problems.append(_("every accepted answer needs text"))
        if len({answers.plain_form(a) for a in accepted}) != len(accepted):
            problems.append(_("two accepted answers are the same once normalized (case, width, punctuation)"))
        problems += too_long(
            _("an accepted answer may be at most %(max)d characters long (the longest has %(n)d)"),
            accepted, ANSWER_LENGTH)
        return problems

    def read_yaml(self, check, q, spec):
        raw, line = check.sequence(q, "answers", _("a question"))
        accepted = texts_of(check, raw, line, _("every accepted answer must be non-empty text"))
        report(check, line, self.answer_problems(accepted))
        spec.answers = accepted

    def yaml_entry(self, content):
        return {"answers": Flow(content["answers"])}

    def right_texts(self, content):
        return list(content.get("answers", []))

    # --- GIFT -------------------------------------------------------------------------------------
    def gift_read(self, block):
        """`{=answer =other form}` (short answer), and `{#...}` numerical answers as their accepted forms."""
        if block.numeric:
            return self._gift_numerical(block)
        listed = block.listed()
        if listed is None:
            return False
        if {a[0] for a in listed} != {"="}:
            return None
        block.spec.type = self.name
        for _marker, weight, text, _fb in listed:
            if weight is None or weight == 100:
                block.spec.answers.append(text)
            else:
                block.warning(message(
                    _("'%(answer)s' earns partial credit in GIFT; a fill-in answer is right or wrong, so it is "
                      "dropped"),
                    answer=text))
        return True

    def _gift_numerical(self, block):
        block.spec.type = self.name
        m, start, end = block.marked, block.first + 1, block.end
        if m.find("=", start, end) >= 0:
            listed = block.split(start, markers="=")
            if listed is None:
                return False
            full = [(text, fb) for _, weight, text, fb in listed if weight is None or weight == 100]
        else:
            hash_at = m.find("#", start, end)
            text = m.text(start, hash_at if hash_at >= 0 else end).strip()
            full = [(text, m.text(hash_at + 1, end).strip() if hash_at >= 0 else "")]
        for text, fb in full:
            if fb:
                block.feedback.append(f"{text}: {fb}")
            try:
                forms, warning = numeric_forms(text)
            except ValueError as exc:
                block.problem(exc.args[0])  # the lazy message, not str(): translated when shown
                return False
            if warning:
                block.warning(warning)
            block.spec.answers += [f for f in forms if f not in block.spec.answers]
        return True

    def gift_adjust(self, spec):
        if BLANK not in spec.prompt:
            # Moodle puts the answer box where the block is; our fill-in prompts mark that place with ____.
            spec.prompt = f"{spec.prompt} {BLANK}"
            return message(_("a fill-in question marks its blank with %(blank)s: added at the end of the question"),
                           blank=BLANK)
        return None

    def gift_body(self, content, escape):
        return [f"={escape(a)}" for a in content["answers"]]

    # --- Serving and checking ---------------------------------------------------------------------
    def frozen_copy(self, question, rng):
        return {}

    def right_answer(self, question):
        return {"accepted": [a.text for a in question.accepted_answers.all()]}

    def answer_key(self, question):
        return answers.AnswerKey(type=self.name, accepted=tuple(a.text for a in question.accepted_answers.all()))

    def check(self, key, given):
        return answers.check_fill(key, given)

    def parse_answer(self, shown, post):
        text = post.get("text", "")
        if len(text) > MAX_TEXT:
            raise AnswerRefused(gettext_now("That answer is too long (at most %(n)d characters).") % {"n": MAX_TEXT})
        if not text.strip():
            raise AnswerRefused(gettext_now("Type an answer first."))
        return text

    def sample_answer(self, key, right):
        return key.accepted[0] if right else "不知道"

    def feedback(self, asked, right, given, response):
        accepted = right.get("accepted", [])
        return {
            "yours": [(given, response.correct)],
            "correct_answer": accepted[:1],
            "also_accepted": accepted[1:],
            # A typo in a long answer is still wrong, but the learner sees it was a slip, not a gap (as in Anki).
            "near_miss": (answers.near_miss(accepted, given)
                          if not response.correct and isinstance(given, str) else None),
        }

    def describe_answer(self, asked, given):
        return answers.plain_form(str(given)) or "—"


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(message(NOT_A_NUMBER, number=text.strip())) from None
    if not value.is_finite():
        raise ValueError(message(NOT_A_NUMBER, number=text.strip()))
    return value


def _integers(low: Decimal, high: Decimal):
    if low == low.to_integral_value() and high == high.to_integral_value() and high - low < MAX_ENUMERATED:
        return [str(int(v)) for v in range(int(low), int(high) + 1)]
    return None


def numeric_forms(text: str) -> tuple[list[str], str | None]:
    """The accepted fill-in answers for a GIFT numerical answer `value`, `value:tolerance` or `low..high`,
    and a warning when the tolerance cannot be kept (a fill-in answer matches text, not a range)."""
    if ".." in text:
        low, high = (_number(t) for t in text.split("..", 1))
        forms = _integers(min(low, high), max(low, high))
        if forms is None:
            raise ValueError(
                message(_("the range %(range)s cannot become fill-in answers: give the exact value"),
                        range=text.strip()))
        return forms, None
    if ":" in text:
        value_text, tolerance_text = text.split(":", 1)
        value, tolerance = _number(value_text), abs(_number(tolerance_text))
        if tolerance == 0:
            return [value_text.strip()], None
        forms = _integers(value - tolerance, value + tolerance)
        if forms is not None:
            return forms, None
        return [value_text.strip()], message(
            _("the tolerance ±%(tolerance)s cannot be kept: only %(value)s is accepted"),
            tolerance=tolerance_text.strip(), value=value_text.strip())
    _number(text)
    return [text.strip()], None
