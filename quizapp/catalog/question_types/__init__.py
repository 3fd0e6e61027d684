"""Question types: one class per type (base.Type), and this registry, the one place that lists them.

    question_types.get("fill")          the type of a stored question, a spec, a frozen copy
    question_types.all()                every type, in the order of Question.type's choices
    question_types.answer_row_sets()    every set of answer rows (Rows: what a question may have to prefetch)

To add a type: write its class (and its row model, if no existing Rows fits), its two template partials
(templates/quizzes/types/<name>_question.html and <name>_feedback.html), register it below, and document
its YAML fields in content/README.md. Nothing else names a type.
"""

from .base import AnswerRefused, Flow, FlowMap, Rows, Type
from .choice import MultipleChoice, SingleChoice, TrueFalse
from .fill import FillIn
from .numerical import Numerical
from .ordering import Matching, Ordering


class UnknownType(KeyError):
    pass


_TYPES = {t.name: t for t in (SingleChoice(), MultipleChoice(), TrueFalse(), FillIn(), Ordering(), Matching(),
                                    Numerical())}


def get(name) -> Type:
    try:
        return _TYPES[name]
    except (KeyError, TypeError):
        raise UnknownType(name) from None


def check(key, given):
    """Mark `given` against `key` (a type's answer key, `Type.answer_key`) with the checker of its type."""
    return get(key.type).check(key, given)


def exists(name) -> bool:
    return isinstance(name, str) and name in _TYPES


def all() -> list[Type]:  # noqa: A001 - question_types.all() reads as what it is
    return list(_TYPES.values())


def names() -> list[str]:
    return list(_TYPES)


def choices() -> list[tuple[str, str]]:
    return [(t.name, t.label) for t in _TYPES.values()]


def answer_row_sets() -> list[Rows]:
    """Every set of answer rows (Rows), once each, in the types' order: several types share one."""
    row_sets = []
    for qtype in _TYPES.values():
        if qtype.rows not in row_sets:
            row_sets.append(qtype.rows)
    return row_sets
def row_fields() -> list[str]:
    """The content keys of the answer rows: `choices`, `answers`, ..."""
    return [rows.field for rows in answer_row_sets()]


def gift_readers() -> list[Type]:
    """The types that read GIFT answer blocks, in the order they are asked."""
    return sorted((t for t in _TYPES.values() if t.gift_order is not None), key=lambda t: t.gift_order)


def rows_map() -> dict:
    """Type name -> the related name of its rows: what the admin's script shows for each type."""
    return {t.name: t.rows.relation for t in _TYPES.values()}


__all__ = ["AnswerRefused", "Flow", "FlowMap", "Rows", "Type", "UnknownType", "all", "answer_row_sets", "choices",
           "exists", "get", "gift_readers", "names", "row_fields", "rows_map"]
