"""Single choice, multiple choice and true/false: three types that keep their options as `Choice` rows."""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import answers
from ..rules import message
from .base import AnswerRefused, Rows, Type, report, whole

SINGLE, MULTIPLE, TRUEFALSE = "single", "multiple", "truefalse"  # the stored names (Question.type, YAML)
TRUE, FALSE = "true", "false"  # a true/false question's two choice texts
MAX_CHOICES = 20  # more ticked boxes than any question has: a forged form


@dataclass(frozen=True)
class ChoiceKey:
    """What counts as right: the question's choice ids, in order, and those that are correct."""

    type: str
    choices: tuple = ()
    correct_choices: frozenset = frozenset()


class ChoiceRows(Rows):
    field = "choices"  # [(text, correct)]
    relation = "choices"
    admin_fields = ["text", "is_correct", "order"]
    admin_label = _("Choices (single choice, multiple choice, true/false: 'true' and 'false', or 对 and 错)")
    admin_new_rows = 4
    admin_text_input = True

    def read(self, question):
        return [(c.text, c.is_correct) for c in question.choices.all()]

    def write(self, question, values):
        model = question.choices.model
        model.objects.bulk_create(
            model(question=question, text=t, is_correct=c, order=i) for i, (t, c) in enumerate(values))

    def from_form(self, rows):
        return [(r.get("text") or "", bool(r.get("is_correct"))) for r in rows]

    def normalised(self, values):
        return [tuple(v) for v in values]


CHOICES = ChoiceRows()


def _common_problems(choices) -> tuple[list, int, list]:
    right = sum(1 for _, correct in choices if correct)
    texts = [text.strip() for text, _ in choices]
    problems = []
    if any(not t for t in texts):
        problems.append(_("every choice needs text"))
    if len(set(texts)) != len(texts):
        problems.append(_("two choices have the same text"))
    return problems, right, texts


class _Choices(Type):
    """What the three share: choice rows, served with ids, checked by id."""

    rows = CHOICES
    shuffled = True  # Moodle shuffles choices by default: the right one is not always in one place

    def frozen_copy(self, question, rng):
        choices = [{"id": c.pk, "text": c.text} for c in question.choices.all()]
        if self.shuffled:
            rng.shuffle(choices)
        return {"choices": choices}

    def right_answer(self, question):
        return {"choices": [c.pk for c in question.choices.all() if c.is_correct]}

    def answer_key(self, question):
        choices = list(question.choices.all())
        return ChoiceKey(type=self.name, correct_choices=frozenset(c.pk for c in choices if c.is_correct),
                         choices=tuple(c.pk for c in choices))

    def right_texts(self, content):
        return [t for t, ok in content.get("choices", []) if ok]

    def question_context(self, shown, values):
        picked = set(values.getlist("choice")) if hasattr(values, "getlist") else set()
        return {"choices": [{"id": c["id"], "text": self.choice_label(c), "number": n,
                             "checked": str(c["id"]) in picked}
                            for n, c in enumerate(shown.get("choices", []), start=1)]}

    def _labels(self, asked):
        return {c["id"]: self.choice_label(c) for c in asked.get("choices", [])}

    def describe_answer(self, asked, given):
        texts = self._labels(asked)
        ids = given if isinstance(given, list) else [given]
        return " + ".join(texts.get(i, "?") for i in ids) or "—"

    def read_yaml(self, check, q, spec):
        raw, line = check.sequence(q, "choices", _("a question"))
        if "choices" not in q:
            check.problem(q.line, message(_("a %(type)s question needs 'choices'"), type=spec.type))
            return
        for item in raw:
            if isinstance(item, dict):  # every YAML mapping the loader reads remembers its lines
                check.unknown_fields(item, {"text", "correct"}, _("a choice"))
                text = check.text(item, "text", item.line)
                correct = item.get("correct", False)
                if not isinstance(correct, bool):
                    check.problem(item.line, _("'correct' must be true or false"))
                    correct = False
            elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
                text, correct = str(item).strip(), False
            else:
                check.problem(line, _("a choice must be text or a mapping with 'text' and 'correct'"))
                continue
            if text:
                spec.choices.append((text, correct))
        report(check, line, self.answer_problems(spec.choices))

    def yaml_entry(self, content):
        return {"choices": [{"text": t, "correct": True} if ok else t for t, ok in content["choices"]]}


class SingleChoice(_Choices):
    name = SINGLE
    label = _("Single choice")
    short = "single"
    yaml_fields = frozenset({"choices"})
    gift_order = 40  # the last reader: what no other type claims is a choice question
    submit_hint = _("Keys 1-9 choose, Enter checks")
    input_type = "radio"

    def answer_problems(self, choices):
        choices = list(choices)
        problems, right, _texts = _common_problems(choices)
        if len(choices) < 2:
            problems.append(
                message(_("a single-choice question needs at least two choices (has %(n)d)"), n=len(choices)))
        if right != 1:
            problems.append(
                message(_("a single-choice question needs exactly one correct choice (has %(n)d)"), n=right))
        return problems

    def check(self, key, given):
        if isinstance(given, bool) or not isinstance(given, int) or given not in key.choices:
            raise answers.InvalidAnswer("not a choice of this question")
        return answers.whole(given in key.correct_choices)

    def parse_answer(self, shown, post):
        value = post.get("choice")
        if not value:
            raise AnswerRefused(gettext("Choose an answer first."))
        return whole(value)

    def sample_answer(self, key, right):
        pool = sorted(key.correct_choices) if right else [c for c in key.choices if c not in key.correct_choices]
        return pool[0]

    def feedback(self, asked, right, given, response):
        by_id = self._labels(asked)
        return {"yours": [(by_id.get(given, "?"), response.correct)],
                "correct_answer": [by_id.get(c, "?") for c in right.get("choices", [])]}

    def gift_read(self, block):
        """`{=right ~wrong}` is single choice; weights (`~%50%a ~%50%b ~%-100%c`) mark several right answers:
        multiple choice. Both come here, as GIFT writes them alike."""
        listed = block.listed()
        if listed is None:
            return False
        right = [a for a in listed if a[0] == "="]
        if len(right) > 1:
            block.problem(message(
                _("more than one '=' answer: mark several right answers with weights (%(example)s)"),
                example="~%50%a ~%50%b ~%-100%c"))
            return False
        spec = block.spec
        spec.choices = []
        for marker, weight, text, _fb in listed:
            correct = marker == "=" or (not right and weight is not None and weight > 0)
            if right and marker == "~" and weight is not None and weight > 0:
                block.warning(message(_("partial credit for '%(answer)s' is dropped: it counts as a wrong choice"),
                                      answer=text))
            spec.choices.append((text, correct))
        n_right = sum(1 for _, c in spec.choices if c)
        if n_right == 0:
            block.problem(_("no answer is right: mark it with '=' or a positive weight"))
            return False
        spec.type = self.name if n_right == 1 else MultipleChoice.name
        return True

    def gift_body(self, content, escape):
        return [f"{'=' if ok else '~'}{escape(t)}" for t, ok in content["choices"]]


class MultipleChoice(_Choices):
    name = MULTIPLE
    label = _("Multiple choice")
    short = "multi"
    yaml_fields = frozenset({"choices"})
    submit_hint = _("Keys 1-9 choose, Enter checks")
    input_type = "checkbox"

    def answer_problems(self, choices):
        choices = list(choices)
        problems, right, _texts = _common_problems(choices)
        if right < 2 or right == len(choices):
            problems.append(message(
                _("a multiple-choice question needs at least two correct choices and one wrong one "
                  "(has %(right)d correct of %(n)d)"),
                right=right, n=len(choices)))
        return problems

    def check(self, key, given):
        """Right only when exactly the right set is chosen. Partial score as Moodle's multiple-answer
        grading: (right picks - wrong picks) / number of right choices, floored at 0."""
        try:
            chosen = frozenset(given)
        except TypeError as exc:
            raise answers.InvalidAnswer("expected a set of choices") from exc
        if not chosen <= frozenset(key.choices):
            raise answers.InvalidAnswer("not a choice of this question")
        hits = len(chosen & key.correct_choices)
        misses = len(chosen - key.correct_choices)
        if chosen == key.correct_choices:
            return answers.Outcome(True, 1.0)
        return answers.Outcome(False, max(0.0, (hits - misses) / len(key.correct_choices)))

    def parse_answer(self, shown, post):
        values = post.getlist("choice")
        if not values:
            raise AnswerRefused(gettext("Choose at least one answer."))
        if len(values) > MAX_CHOICES:
            raise AnswerRefused(gettext("Too many choices; nothing was recorded."))
        return {whole(v) for v in values}

    def sample_answer(self, key, right):
        return set(key.correct_choices) if right else set(key.choices) - set(key.correct_choices)

    def feedback(self, asked, right, given, response):
        by_id = self._labels(asked)
        keyed = set(right.get("choices", []))
        return {"yours": [(by_id.get(c, "?"), c in keyed) for c in given],
                "correct_answer": [by_id.get(c, "?") for c in right.get("choices", [])]}

    def gift_body(self, content, escape):
        right = sum(1 for _, ok in content["choices"] if ok)
        return [f"~%{_weight(right) if ok else '-100'}%{escape(t)}" for t, ok in content["choices"]]


class TrueFalse(_Choices):
    name = TRUEFALSE
    label = _("True or false")
    short = "t/f"
    yaml_fields = frozenset({"answer"})
    gift_order = 10
    shuffled = False  # "true, false" keeps its order
    submit_button = False  # its two buttons answer
    content_language = False  # "True" and "False" are the site's words
    # What a teacher may type for the two choices in the admin; stored as 'true' and 'false'.
    WORDS = {
        "true": TRUE, "t": TRUE, "对": TRUE, "正确": TRUE, "是": TRUE, "√": TRUE,
        "false": FALSE, "f": FALSE, "错": FALSE, "错误": FALSE, "否": FALSE, "×": FALSE,
    }
    GIFT_WORDS = {"t": True, "true": True, "f": False, "false": False}

    def choice_label(self, choice):
        return gettext("True") if choice["text"] == TRUE else gettext("False")

    def answer_problems(self, choices):
        choices = list(choices)
        problems, right, texts = _common_problems(choices)
        if sorted(t.casefold() for t in texts) != [FALSE, TRUE]:
            problems.append(_("a true/false question has exactly two choices, 'true' and 'false'"))
        if right != 1:
            problems.append(
                message(_("a true/false question needs exactly one correct choice (has %(n)d)"), n=right))
        return problems

    def admin_clean_row(self, data, instance):
        word = self.WORDS.get((data or {}).get("text", "").strip().casefold())
        if word:
            data["text"] = instance.text = word

    check = SingleChoice.check
    parse_answer = SingleChoice.parse_answer
    sample_answer = SingleChoice.sample_answer
    feedback = SingleChoice.feedback

    def read_yaml(self, check, q, spec):
        answer = q.get("answer")
        if not isinstance(answer, bool):
            check.problem(q.key_lines.get("answer", q.line),
                          _("a truefalse question needs 'answer: true' or 'answer: false'"))
            return
        spec.choices = [(TRUE, answer), (FALSE, not answer)]

    def yaml_entry(self, content):
        return {"answer": next(t for t, ok in content["choices"] if ok).casefold() == TRUE}

    def gift_read(self, block):
        """`{T}`, `{TRUE}`, `{F}`, `{FALSE}`, with `#feedback` after."""
        if block.numeric:
            return None
        m, start, end = block.marked, block.first, block.end
        cut = m.find("#", start, end)
        head = m.text(start, cut if cut >= 0 else end).strip().lower()
        if head not in self.GIFT_WORDS:
            return None
        answer = self.GIFT_WORDS[head]
        block.spec.type = self.name
        block.spec.choices = [(TRUE, answer), (FALSE, not answer)]
        while cut >= 0:
            nxt = m.find("#", cut + 1, end)
            text = m.text(cut + 1, nxt if nxt >= 0 else end).strip()
            if text:
                block.feedback.append(text)
            cut = nxt
        return True

    def gift_body(self, content, escape):
        answer = next(t for t, ok in content["choices"] if ok).casefold() == TRUE
        return ["TRUE" if answer else "FALSE"]


def _weight(n: int) -> str:
    return f"{100 / n:.5f}".rstrip("0").rstrip(".")

