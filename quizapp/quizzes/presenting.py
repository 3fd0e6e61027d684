"""Turning frozen questions and recorded responses into template context (no queries)."""

from django.utils.translation import gettext as _



def _choice_label(choice, kind):
    if kind == "truefalse":
        return _("True") if choice["text"] == "true" else _("False")
    return choice["text"]


def question_context(item, attempt) -> dict:
    shown = item.shown
    kind = shown["type"]
    choices = [{"id": c["id"], "text": _choice_label(c, kind), "number": n}
               for n, c in enumerate(shown.get("choices", []), start=1)]
    items = shown.get("items", [])
    return {
        "item": item,
        "shown": shown,
        "kind": kind,
        "choices": choices,
        "order_items": [{"id": i["id"], "text": i["text"], "position": n} for n, i in enumerate(items, start=1)],
        "positions": list(range(1, len(items) + 1)),
        "lefts": shown.get("lefts", []),
        "rights": shown.get("rights", []),
        "progress": {"position": item.position, "length": attempt.length},
    }


def feedback_context(response, attempt) -> dict:
    asked = response.asked
    kind = asked["type"]
    right = asked.get("right", {})
    given = response.given
    by_id = {c["id"]: _choice_label(c, kind) for c in asked.get("choices", [])}
    if kind in ("single", "truefalse"):
        yours = [by_id.get(given, "?")]
        correct = [by_id.get(c, "?") for c in right.get("choices", [])]
    elif kind == "multiple":
        yours = [by_id.get(c, "?") for c in given]
        correct = [by_id.get(c, "?") for c in right.get("choices", [])]
    elif kind == "fill":
        yours = [given]
        correct = right.get("accepted", [])[:1]
    elif kind == "ordering":
        text = {i["id"]: i["text"] for i in asked.get("items", [])}
        yours = [" → ".join(text.get(i, "?") for i in given)]
        correct = [" → ".join(right.get("order", []))]
    else:
        lefts = {str(i["id"]): i["text"] for i in asked.get("lefts", [])}
        rights = {i["id"]: i["text"] for i in asked.get("rights", [])}
        yours = [f"{lefts.get(k, '?')} → {rights.get(v, '?')}" for k, v in given.items()]
        correct = [f"{left} → {r}" for left, r in right.get("pairs", [])]
    return {
        "response": response,
        "asked": asked,
        "kind": kind,
        "yours": yours,
        "correct_answer": correct,
        "also_accepted": right.get("accepted", [])[1:] if kind == "fill" else [],
        "partial": 0 < response.score < 1,
        "score_percent": round(response.score * 100),
        "progress": {"position": response.item.position, "length": attempt.length},
        "is_last": not attempt.is_open,
    }
