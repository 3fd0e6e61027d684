"""Signals other apps (to the right of quizzes: cards, progress) listen to, so quizzes never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that records an answer, exactly once per recorded Response.
# Keyword arguments: response (the new quizzes.models.Response).
answer_recorded = Signal()
