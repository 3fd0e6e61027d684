"""Signals other apps (progress, to the right of cards) listen to, so cards never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that records a review, once per recorded Review. Keyword: review.
review_recorded = Signal()

# Sent inside the transaction that undoes a review, before the Review row is deleted. Keyword: review.
review_undone = Signal()
