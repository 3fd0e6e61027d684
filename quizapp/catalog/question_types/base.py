"""The interface every question type implements, and the answer rows types keep their data in.

Modelled on Django's field classes: a type knows how to validate its spec, read and write itself in the
YAML and GIFT formats, serve itself to a learner, parse and check a submitted answer, show the feedback and
describe an answer for the item statistics. The rest of the code asks the registry (`question_types.get`)
and never names a type.

Nothing here imports `catalog.models` (the models ask this registry for `Question.type`'s choices): row
models are reached through the question (`question.choices.model`), so the import graph has no cycle.
"""

from __future__ import annotations

from django.utils.translation import gettext

from quizapp.whole_numbers import whole_number

from .. import answers
from ..rules import message


class AnswerRefused(ValueError):
    """A submitted answer the learner must fix before it can be checked (nothing chosen, not a number...).
    `message` says what to do, in the learner's language; the quiz shows it and records nothing."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def whole(value) -> int:
    """A posted id or position: ASCII digits only, else the answer is refused."""
    number = whole_number(value.strip() if isinstance(value, str) else None)
    if number is None:
        raise AnswerRefused(gettext("That answer is not one this question offers; nothing was recorded."))
    return number


class Rows:
    """One set of answer rows (a related model of Question): how its values are read, written, and entered
    in the admin. Several types may share one (single, multiple and true/false keep choices).

    `field` names the rows' value in a question's content (`loading.question_content`), in specs and in the
    admin's row validation; `relation` is the related name on Question (what to prefetch)."""

    field = ""
    relation = ""
    admin_fields: list = []
    admin_label = ""
    admin_optional: tuple = ()  # admin form fields that may be left blank
    admin_new_rows = 3  # blank rows offered on a new question
    admin_text_input = False  # a one-line box for TextField columns

    def read(self, question) -> list:
        """The content value from the question's (prefetched) rows."""
        raise NotImplementedError

    def write(self, question, values) -> None:
        """Create the rows for a content value (the caller deleted the old ones)."""
        raise NotImplementedError

    def from_form(self, rows: list[dict]) -> list:
        """The content value from the admin's cleaned row dicts."""
        raise NotImplementedError

    def admin_clean(self, forms, in_use: bool) -> None:
        """Fill defaults into the live admin forms before validation; raise ValidationError when the rows
        cannot stand (only when `in_use`: the question's type keeps these rows)."""

    def model(self, question_model):
        return question_model._meta.get_field(self.relation).related_model

    def normalised(self, values) -> list:
        """The value as `read` returns it (tuples, not lists), so content compares equal across sources."""
        return list(values)


class Type:
    """A question type. Subclasses set the attributes and override what differs."""

    name = ""  # stored in Question.type, the YAML `type:` and the JSON contracts
    label = ""  # shown in the admin
    short = ""  # the column head of `content_report`'s table
    rows: Rows = None
    yaml_fields: frozenset = frozenset()  # the spec's answer fields (content/README.md)
    gift_order = None  # the place among the GIFT readers (lower reads first); None: no GIFT reader
    submit_button = True  # False: the answer buttons submit (true/false)
    submit_hint = None  # the keyboard hint beside the submit button
    content_language = True  # answers are in the bank's language (lang="zh-Hans"), not the site's

    # --- Templates ---------------------------------------------------------------------------------
    @property
    def question_template(self) -> str:
        return f"quizzes/types/{self.name}_question.html"

    @property
    def feedback_template(self) -> str:
        return f"quizzes/types/{self.name}_feedback.html"

    # --- Authoring: validation and the spec ----------------------------------------------------------
    def prompt_problems(self, prompt: str) -> list:
        return []

    def answer_problems(self, value) -> list:
        """Every reason the answer rows (their content value) cannot be saved."""
        raise NotImplementedError

    def problems(self, spec) -> list:
        return self.prompt_problems(spec.prompt) + self.answer_problems(getattr(spec, self.rows.field))

    def read_yaml(self, check, q, spec) -> None:
        """Read the answer fields of a YAML question mapping `q` into `spec`, reporting through `check`
        (loading's checker: structure here, answerability in `answer_problems`, on the field's line)."""
        raise NotImplementedError

    def yaml_entry(self, content: dict) -> dict:
        """The answer fields of an exported YAML question."""
        raise NotImplementedError

    def gift_read(self, block) -> bool | None:
        """Read a GIFT answer block (exchange.gift's block) into `block.spec`: None when the block is not
        this type's, False when it is but a problem was reported, True when read."""
        return None

    def gift_body(self, content: dict, escape) -> list[str] | None:
        """The lines of the GIFT answer block (texts escaped with `escape`), or None when GIFT cannot
        express this type."""
        return None

    def gift_adjust(self, spec):
        """Fix up an imported spec; returns a warning (lazy message) when something was changed."""
        return None

    def right_texts(self, content: dict) -> list[str]:
        """What counts as right, in words, from a question's content (an earlier version's, say)."""
        raise NotImplementedError

    def admin_clean_row(self, data: dict, instance) -> None:
        """Normalise one cleaned admin row of this type's rows before validation."""

    # --- Serving and checking -----------------------------------------------------------------------
    def frozen_copy(self, question, rng) -> dict:
        """The type's part of what a quiz serves (AttemptItem.shown), ids included, in the served order."""
        raise NotImplementedError

    def right_answer(self, question) -> dict:
        """What counts as right, as display data frozen into the response."""
        raise NotImplementedError

    def answer_key(self, question):
        """What counts as right, as plain data for `check` (reads only this type's prefetched rows): the
        type's own frozen dataclass, with a `type` field naming it (question_types.check dispatches on it)."""
        raise NotImplementedError

    def check(self, key, given) -> answers.Outcome:
        """Mark an answer in the shape `parse_answer` returns; raises answers.InvalidAnswer when it names
        what the question does not offer."""
        raise NotImplementedError

    def parse_answer(self, shown: dict, post) -> object:
        """The given answer from the POST data, for the frozen copy `shown`; AnswerRefused when unusable."""
        raise NotImplementedError

    def sample_answer(self, key, right: bool):
        """A right or a wrong answer, for simulated learners (quizzes.worlds)."""
        raise NotImplementedError

    # --- Showing ------------------------------------------------------------------------------------
    def choice_label(self, choice: dict) -> str:
        return choice["text"]

    def question_context(self, shown: dict, values) -> dict:
        """The template context of the type's inputs; `values` is a refused POST to show again, or {}."""
        return {}

    def feedback(self, asked: dict, right: dict, given, response) -> dict:
        """`yours` (the learner's answer as (text, right?) chips; None: partly right) and `correct_answer`,
        plus anything the type's feedback partial shows."""
        raise NotImplementedError

    def describe_answer(self, asked: dict, given) -> str:
        """A wrong answer in words for the item statistics, from the frozen copy of what was asked."""
        raise NotImplementedError

    def __repr__(self):
        return f"<question type {self.name}>"


class Flow(list):
    """A list the YAML writer puts on one line: `[a, b]`."""


class FlowMap(dict):
    """A mapping the YAML writer puts on one line: `{left: a, right: b}`."""


def too_long(template, texts, limit) -> list:
    longest = max((len(t) for t in texts), default=0)
    return [message(template, max=limit, n=longest)] if longest > limit else []


def texts_of(check, raw, line, what_problem) -> list:
    """A YAML list of texts (numbers count as text), stripped; `what_problem` when one is not text."""
    texts = [str(t).strip() for t in raw if isinstance(t, (str, int, float)) and not isinstance(t, bool)]
    if len(texts) != len(raw) or not all(texts):
        check.problem(line, what_problem)
    return [t for t in texts if t]


def report(check, line, problems) -> None:
    for problem in problems:
        check.problem(line, problem)
