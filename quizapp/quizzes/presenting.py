"""Turning frozen questions and recorded responses into template context (no queries). What differs by
question type (its inputs, its answer chips, its feedback partial) is the type's (catalog.question_types)."""

from django.utils.translation import pgettext

from quizapp.catalog import question_types


def _type_context(qtype) -> dict:
    return {
        "type_name": qtype.name,
        "question_type": qtype,
        "question_template": qtype.question_template,
        "feedback_template": qtype.feedback_template,
        # The answer chips are in the bank's language, or in the site's (true/false's "True", "False").
        "answer_lang": "zh-Hans" if qtype.content_language else "",
    }


def question_context(item, attempt, values=None) -> dict:
    """The question's inputs; `values` (the refused POST, when the form comes back with a message) keeps
    what the learner had chosen, as the htmx path does by leaving the form in place."""
    shown = item.shown
    qtype = question_types.get(shown["type"])
    values = values if values is not None else {}
    return {
        "item": item,
        "values": values,  # the typed answer comes back too
        "shown": shown,
        **_type_context(qtype),
        **qtype.question_context(shown, values),
        "progress": {"position": item.position, "length": attempt.length},
    }


def feedback_context(response, attempt) -> dict:
    asked = response.asked
    qtype = question_types.get(asked["type"])
    # Each part of the learner's answer with whether it is right, so a partly right answer shows which part.
    shown = {"also_accepted": [], "near_miss": None,
             **qtype.feedback(asked, asked.get("right", {}), response.given, response)}
    return {
        "response": response,
        "asked": asked,
        **_type_context(qtype),
        **shown,
        "list_separator": pgettext("list separator", ", "),
        "partial": 0 < response.score < 1,
        "score_percent": round(response.score * 100),
        "progress": {"position": response.item.position, "length": attempt.length},
        "is_last": not attempt.is_open,
    }
