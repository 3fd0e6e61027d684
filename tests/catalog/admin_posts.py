"""What the question admin's forms and actions POST, shared by the admin's tests and the authoring
use cases' tests (tests/catalog/test_admin.py, test_authoring.py)."""

from django.urls import reverse

from quizapp.catalog.models import Question

INLINES = {
    "choices": ["text", "is_correct", "order"],
    "accepted_answers": ["text"],
    "order_items": ["text", "position"],
    "match_pairs": ["left", "right", "order"],
    "numerical_answers": ["value", "tolerance", "credit", "order"],
}


def question_data(
    *,
    section,
    qtype,
    key="lora-new",
    prompt=None,
    explanation="因为。",
    difficulty=3,
    status="published",
    choices=(),
    answers=(),
    items=(),
    pairs=(),
    question=None,
):
    """The POST data of the question admin form, with its inline formsets."""
    if prompt is None:
        prompt = "新问题中的 ____ 是什么?" if qtype == "fill" else "新问题?"
    data = {
        "key": key,
        "section": section.pk,
        "title": "",
        "type": qtype,
        "status": status,
        "difficulty": difficulty,
        "prompt": prompt,
        "explanation": explanation,
        "tags": "",
        "versions-TOTAL_FORMS": 0,
        "versions-INITIAL_FORMS": 0,
        "versions-MIN_NUM_FORMS": 0,
        "versions-MAX_NUM_FORMS": 0,
    }
    rows = {
        "choices": [
            {"text": t, "is_correct": "on" if ok else "", "order": i} for i, (t, ok) in enumerate(choices)
        ],
        "accepted_answers": [{"text": a} for a in answers],
        "order_items": [{"text": t, "position": i} for i, t in enumerate(items)],
        "match_pairs": [{"left": left, "right": right, "order": i} for i, (left, right) in enumerate(pairs)],
        "numerical_answers": [],  # the numerical type's rows: tests/catalog/test_question_types.py
    }
    for prefix, forms in rows.items():
        existing = list(getattr(question, prefix).all()) if question else []
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(existing) + len(forms),
                f"{prefix}-INITIAL_FORMS": len(existing),
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for i, row in enumerate(existing):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-question"] = question.pk
            data[f"{prefix}-{i}-DELETE"] = "on"  # the new rows below replace them
            for field in INLINES[prefix]:
                value = getattr(row, field)
                if value is not False:
                    data[f"{prefix}-{i}-{field}"] = "on" if value is True else value
        for i, row in enumerate(forms, start=len(existing)):
            for field, value in row.items():
                if value != "":
                    data[f"{prefix}-{i}-{field}"] = value
    return data


def edit_data(question, **changes):
    """The change form as it stands, with `changes` applied (answer rows replaced when given)."""
    question = Question.objects.prefetch_related(
        "choices", "accepted_answers", "order_items", "match_pairs"
    ).get(pk=question.pk)
    kwargs = dict(
        section=question.section,
        qtype=question.type,
        key=question.key,
        prompt=question.prompt,
        explanation=question.explanation,
        difficulty=question.difficulty,
        status=question.status,
        choices=[(c.text, c.is_correct) for c in question.choices.all()],
        answers=[a.text for a in question.accepted_answers.all()],
        items=[i.text for i in question.order_items.all()],
        pairs=[(p.left, p.right) for p in question.match_pairs.all()],
    )
    kwargs.update(changes)
    return question_data(question=question, **kwargs)


ADD_URL = reverse("admin:catalog_question_add")


def change_url(question):
    return reverse("admin:catalog_question_change", args=[question.pk])


def act(client, action, objects, url=None, follow=False, **extra):
    url = url or reverse("admin:catalog_question_changelist")
    return client.post(
        url, {"action": action, "_selected_action": [o.pk for o in objects], **extra}, follow=follow
    )
