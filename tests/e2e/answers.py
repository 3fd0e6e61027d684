"""What the browser tests need to know about the question on the page, read from the database."""

from quizapp.catalog.models import Choice
from quizapp.quizzes.models import AttemptItem


def right_keys():
    """The number keys of the right choices of the question last served, in the order it shows them
    (choices are shuffled for each attempt)."""
    item = AttemptItem.objects.order_by("-served_at", "-pk").first()
    right = set(Choice.objects.filter(question_id=item.question_id, is_correct=True).values_list("pk", flat=True))
    return [str(n) for n, c in enumerate(item.shown["choices"], start=1) if c["id"] in right]
