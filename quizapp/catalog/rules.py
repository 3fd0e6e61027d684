"""What makes an authored question answerable, as plain data in and messages out, so the admin's forms, the
content loader and every importer say the same thing in the same words.

One set of rules for every way a question gets in (the admin, content/ files, YAML, GIFT and CSV imports):
whatever one of them accepts, the others accept too, so an exported file always imports again. The
shipped banks' own quality bar (3-6 choices, an explanation for every question, coverage) is checked by
tests/catalog/test_bank.py on content/, not here.

Messages are lazy: an English template marked for translation with its values, translated and filled in
only when shown, so a teacher reads them in the admin's language and a command prints them in its own.
"""

import re
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .answers import plain_form
from .models import AcceptedAnswer, MatchPair, OrderItem, Question


def _fill(template, values):
    return template % values  # `%` on a lazy template translates it into the language active now


_lazy_fill = lazy(_fill, str)


def message(template, /, **values):
    """`template % values` when shown (str(), a template, a form error), in the language active then.
    (`gettext_lazy(...) % values` would translate at once, in whatever language is active while reading.)"""
    return _lazy_fill(template, values)


@dataclass(frozen=True)
class Problem:
    """What is wrong with a bank file or an upload, and where: the one shape every reader (content/ files,
    YAML, GIFT and CSV imports) reports in and every writer (`load_content`, `import_questions`, the admin's
    import) shows. `path` is set for content/ files, which are named in the message (`file:line: ...`);
    an upload is one file, so its problems say `line N: ...`."""

    line: int
    message: str  # lazy: translated when shown
    path: str = ""

    def __str__(self):
        if self.path:
            return f"{self.path}:{self.line}: {self.message}"
        return gettext("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


MIN_ITEMS, MAX_ITEMS = 3, 6  # ordering items and matching pairs
TRUE, FALSE = "true", "false"
BLANK = "____"  # marks the blank of a fill-in prompt
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The longest texts the database keeps (PostgreSQL refuses longer ones; SQLite would keep them silently).
KEY_LENGTH = Question._meta.get_field("key").max_length
ANSWER_LENGTH = AcceptedAnswer._meta.get_field("text").max_length
ITEM_LENGTH = OrderItem._meta.get_field("text").max_length
PAIR_LENGTH = MatchPair._meta.get_field("left").max_length

# Which answer rows each type keeps; rows of the other kinds are dropped when a question's type changes.
TYPE_ROWS = {
    "single": "choices",
    "multiple": "choices",
    "truefalse": "choices",
    "fill": "answers",
    "ordering": "items",
    "matching": "pairs",
}


def key_problem(key: str, *, max_length: int = KEY_LENGTH):
    """Keys name files and rows in content/ and in every export: lower-case words joined by '-'."""
    if not KEY_PATTERN.match(key):
        return message(_("key '%(key)s' must be lower-case letters, digits and '-'"), key=key)
    if len(key) > max_length:
        return message(_("key '%(key)s' is longer than %(max)d characters"), key=key, max=max_length)
    return None


def prompt_problems(qtype: str, prompt: str) -> list:
    """A fill-in prompt shows the learner where the missing word goes."""
    if qtype == "fill" and prompt.strip() and BLANK not in prompt:
        return [message(_("a fill prompt marks its blank with %(blank)s"), blank=BLANK)]
    return []


def _too_long(template, texts, limit) -> list:
    longest = max((len(t) for t in texts), default=0)
    return [message(template, max=limit, n=longest)] if longest > limit else []


def difficulty_problem(difficulty):
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        return _("difficulty must be a whole number from 1 to 5")
    return None


def choice_problems(qtype: str, choices: list) -> list:
    """`choices` is [(text, correct)] for a single, multiple or truefalse question."""
    right = sum(1 for _, correct in choices if correct)
    texts = [text.strip() for text, _ in choices]
    problems = []
    if any(not t for t in texts):
        problems.append(_("every choice needs text"))
    if len(set(texts)) != len(texts):
        problems.append(_("two choices have the same text"))
    if qtype == "single":
        if len(choices) < 2:
            problems.append(
                message(_("a single-choice question needs at least two choices (has %(n)d)"), n=len(choices))
            )
        if right != 1:
            problems.append(
                message(_("a single-choice question needs exactly one correct choice (has %(n)d)"), n=right)
            )
    elif qtype == "truefalse":
        if sorted(t.casefold() for t in texts) != [FALSE, TRUE]:
            problems.append(_("a true/false question has exactly two choices, 'true' and 'false'"))
        if right != 1:
            problems.append(
                message(_("a true/false question needs exactly one correct choice (has %(n)d)"), n=right)
            )
    elif qtype == "multiple":
        if right < 2 or right == len(choices):
            problems.append(
                message(
                    _(
                        "a multiple-choice question needs at least two correct choices and one wrong one "
                        "(has %(right)d correct of %(n)d)"
                    ),
                    right=right,
                    n=len(choices),
                )
            )
    return problems


def accepted_answer_problems(answers: list) -> list:
    problems = []
    if not answers:
        problems.append(_("a fill-in question needs at least one accepted answer"))
    if any(not a.strip() for a in answers):
        problems.append(_("every accepted answer needs text"))
    if len({plain_form(a) for a in answers}) != len(answers):
        problems.append(_("two accepted answers are the same once normalized (case, width, punctuation)"))
    problems += _too_long(
        _("an accepted answer may be at most %(max)d characters long (the longest has %(n)d)"),
        answers, ANSWER_LENGTH)
    return problems


def _count_problems(template, n: int) -> list:
    """The ordering/matching size rule: MIN_ITEMS to MAX_ITEMS rows; `template` names them."""
    if MIN_ITEMS <= n <= MAX_ITEMS:
        return []
    return [message(template, min=MIN_ITEMS, max=MAX_ITEMS, n=n)]


def ordering_problems(items: list) -> list:
    problems = _count_problems(
        _("an ordering question needs %(min)d to %(max)d items (has %(n)d)"), len(items))
    if len({i.strip() for i in items}) != len(items):
        problems.append(_("two items have the same text"))
    problems += _too_long(
        _("an item may be at most %(max)d characters long (the longest has %(n)d)"), items, ITEM_LENGTH)
    return problems


def matching_problems(pairs: list) -> list:
    """`pairs` is [(left, right)]."""
    problems = _count_problems(
        _("a matching question needs %(min)d to %(max)d pairs (has %(n)d)"), len(pairs))
    lefts, rights = [p[0].strip() for p in pairs], [p[1].strip() for p in pairs]
    if len(set(lefts)) != len(lefts) or len(set(rights)) != len(rights):
        problems.append(_("left items must differ from each other, and so must right items"))
    problems += _too_long(
        _("a matching item may be at most %(max)d characters long (the longest has %(n)d)"),
        lefts + rights, PAIR_LENGTH)
    return problems


def answer_problems(qtype: str, *, choices=(), answers=(), items=(), pairs=()) -> list:
    """Every reason the answer rows of a question of this type cannot be saved."""
    rows = TYPE_ROWS.get(qtype)
    if rows == "choices":
        return choice_problems(qtype, list(choices))
    if rows == "answers":
        return accepted_answer_problems(list(answers))
    if rows == "items":
        return ordering_problems(list(items))
    if rows == "pairs":
        return matching_problems(list(pairs))
    return [message(_("unknown question type '%(type)s'"), type=qtype)]
