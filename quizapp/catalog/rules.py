"""What makes an authored question answerable, as plain data in and messages out, so the admin's forms and
every importer say the same thing in the same words.

These are the authoring rules of the admin and of GIFT/CSV imports. Content files (content/) are stricter
(3-6 choices, an explanation, a `____` blank in fill prompts); `loading.py` checks those.

Messages are lazy: an English template marked for translation with its values, translated and filled in
only when shown, so a teacher reads them in the admin's language and a command prints them in its own.
"""

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .answers import normalize


def _fill(template, values):
    return template % values  # `%` on a lazy template translates it into the language active now


_lazy_fill = lazy(_fill, str)


def message(template, /, **values):
    """`template % values` when shown (str(), a template, a form error), in the language active then.
    (`gettext_lazy(...) % values` would translate at once, in whatever language is active while reading.)"""
    return _lazy_fill(template, values)


MIN_ITEMS, MAX_ITEMS = 3, 6
TRUE, FALSE = "true", "false"

# Which answer rows each type keeps; rows of the other kinds are dropped when a question's type changes.
TYPE_ROWS = {
    "single": "choices",
    "multiple": "choices",
    "truefalse": "choices",
    "fill": "answers",
    "ordering": "items",
    "matching": "pairs",
}


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
    if len({normalize(a) for a in answers}) != len(answers):
        problems.append(_("two accepted answers are the same once normalized (case, width, punctuation)"))
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
    return problems


def matching_problems(pairs: list) -> list:
    """`pairs` is [(left, right)]."""
    problems = _count_problems(
        _("a matching question needs %(min)d to %(max)d pairs (has %(n)d)"), len(pairs))
    lefts, rights = [p[0].strip() for p in pairs], [p[1].strip() for p in pairs]
    if len(set(lefts)) != len(lefts) or len(set(rights)) != len(rights):
        problems.append(_("left items must differ from each other, and so must right items"))
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
