"""Turning frozen questions and recorded responses into template context (no queries)."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from quizapp.catalog.answers import near_miss
from quizapp.whole_numbers import whole_number


def choice_label(choice, kind) -> str:
    """A choice as learners see it: a true/false question's choices are stored as "true" and "false"."""
    if kind == "truefalse":
        return _("True") if choice["text"] == "true" else _("False")
    return choice["text"]


def question_context(item, attempt, values=None) -> dict:
    """The question's inputs; `values` (the refused POST, when the form comes back with a message) keeps
    what the learner had chosen, as the htmx path does by leaving the form in place."""
    shown = item.shown
    kind = shown["type"]
    values = values if values is not None else {}
    picked = set(values.getlist("choice")) if hasattr(values, "getlist") else set()
    choices = [{"id": c["id"], "text": choice_label(c, kind), "number": n, "checked": str(c["id"]) in picked}
               for n, c in enumerate(shown.get("choices", []), start=1)]
    items = shown.get("items", [])
    return {
        "item": item,
        "values": values,  # the fill-in box's text comes back too
        "shown": shown,
        "kind": kind,
        "choices": choices,
        "order_items": [{"id": i["id"], "text": i["text"], "position": whole_number(values.get(f"pos_{i['id']}")) or n}
                        for n, i in enumerate(items, start=1)],
        "positions": list(range(1, len(items) + 1)),
        "lefts": [{**left, "chosen": whole_number(values.get(f"match_{left['id']}"))} for left in shown.get("lefts", [])],
        "rights": shown.get("rights", []),
        "progress": {"position": item.position, "length": attempt.length},
    }


def feedback_context(response, attempt) -> dict:
    asked = response.asked
    kind = asked["type"]
    right = asked.get("right", {})
    given = response.given
    by_id = {c["id"]: choice_label(c, kind) for c in asked.get("choices", [])}
    # Each part of the learner's answer with whether it is right, so a partly right answer shows which part.
    if kind in ("single", "truefalse"):
        yours = [(by_id.get(given, "?"), response.correct)]
        correct = [by_id.get(c, "?") for c in right.get("choices", [])]
    elif kind == "multiple":
        keyed = set(right.get("choices", []))
        yours = [(by_id.get(c, "?"), c in keyed) for c in given]
        correct = [by_id.get(c, "?") for c in right.get("choices", [])]
    elif kind == "fill":
        yours = [(given, response.correct)]
        correct = right.get("accepted", [])[:1]
    elif kind == "ordering":
        text = {i["id"]: i["text"] for i in asked.get("items", [])}
        # One chip for the whole order: partly right (no mark) when it earned partial credit.
        yours = [(" → ".join(text.get(i, "?") for i in given), None if 0 < response.score < 1 else response.correct)]
        correct = [" → ".join(right.get("order", []))]
    else:  # a matching pair is right when the right-hand item is the left's own (they share an id)
        lefts = {str(i["id"]): i["text"] for i in asked.get("lefts", [])}
        rights = {i["id"]: i["text"] for i in asked.get("rights", [])}
        yours = [(f"{lefts.get(k, '?')} → {rights.get(v, '?')}", str(v) == k) for k, v in given.items()]
        correct = [f"{left} → {r}" for left, r in right.get("pairs", [])]
    return {
        "response": response,
        "asked": asked,
        "kind": kind,
        "yours": yours,
        "correct_answer": correct,
        "also_accepted": right.get("accepted", [])[1:] if kind == "fill" else [],
        # A typo in a long answer is still wrong, but the learner sees it was a slip, not a gap (as in Anki).
        "near_miss": (near_miss(right.get("accepted", []), given)
                      if kind == "fill" and not response.correct and isinstance(given, str) else None),
        "list_separator": pgettext("list separator", ", "),
        "partial": 0 < response.score < 1,
        "score_percent": round(response.score * 100),
        "progress": {"position": response.item.position, "length": attempt.length},
        "is_last": not attempt.is_open,
    }
