"""Building answers a learner would submit, right or wrong, for whatever question was served."""

from quizapp.catalog.models import Question


def answer_data(item, *, right=True):
    question = Question.objects.prefetch_related("choices", "accepted_answers", "order_items", "match_pairs").get(
        pk=item.question_id)
    shown = item.shown
    data = {"position": str(item.position), "question": str(item.question_id)}
    type_name = shown["type"]
    if type_name in ("single", "truefalse"):
        pick = [c for c in question.choices.all() if c.is_correct == right][0]
        data["choice"] = str(pick.pk)
    elif type_name == "multiple":
        data["choice"] = [str(c.pk) for c in question.choices.all() if c.is_correct == right]
    elif type_name == "fill":
        data["text"] = question.accepted_answers.all()[0].text if right else "不是这个"
    elif type_name == "ordering":
        order = [i.pk for i in question.order_items.all()]
        if not right:
            order = order[::-1]
        data.update({f"pos_{pk}": str(n) for n, pk in enumerate(order, start=1)})
    else:
        pairs = [p.pk for p in question.match_pairs.all()]
        chosen = pairs if right else pairs[1:] + pairs[:1]
        data.update({f"match_{left}": str(r) for left, r in zip(pairs, chosen)})
    return data


def current_item(attempt):
    return attempt.items.order_by("-position").first()
