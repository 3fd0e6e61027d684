"""Every receiver the apps connect to each other's signals, in one list: what recording an answer or a
review writes, beyond its own app, is read here, top to bottom.

Project-level wiring, like urls.py: it imports receivers from cards, progress, classes and lti, so it sits outside
the layers (pyproject.toml's contract) and only the project's AppConfig (quizapp.apps) imports it. Receivers
of one signal run in the order listed, inside the sender's transaction: progress's rollups before classes',
which read them.
"""

from django.db.models.signals import post_save, pre_delete, pre_save

from quizapp.cards import receivers as cards
from quizapp.cards.signals import review_recorded, review_undone
from quizapp.classes import assignments
from quizapp.classes import rollups as classes
from quizapp.classes.models import Membership
from quizapp.lti import grades as lti
from quizapp.progress import rollups as progress
from quizapp.progress.signals import mastery_recomputed, rollups_rebuilt
from quizapp.quizzes.signals import answer_recorded, skills_recalibrated

# (signal, receiver, sender or None for any, dispatch_uid)
RECEIVERS = [
    # A quiz answer: a missed question puts its section's flashcards first; the learner's rollups; the
    # class rollups.
    (answer_recorded, cards.introduce_cards_after_miss, None, "cards.introduce_after_miss"),
    (answer_recorded, progress.on_answer_recorded, None, "progress.answer"),
    (answer_recorded, classes.on_answer_recorded, None, "classes.answer"),
    # When a section became mastered, for "reach mastery" assignments done on time or late.
    (answer_recorded, assignments.on_answer_recorded, None, "classes.mastered_since"),
    # The answer that finishes a quiz an LMS link asked for queues its score for the LMS gradebook.
    (answer_recorded, lti.on_answer_recorded, None, "lti.score"),
    # A flashcard review, and its undo: the learner's rollups.
    (review_recorded, progress.on_review_recorded, None, "progress.review"),
    (review_undone, progress.on_review_undone, None, "progress.undo"),
    # The quiz engine recalibrated: mastery is recomputed and copied up.
    (skills_recalibrated, progress.on_skills_recalibrated, None, "progress.recalibrated"),
    (mastery_recomputed, classes.on_mastery_recomputed, None, "classes.recomputed"),
    (rollups_rebuilt, classes.on_rollups_rebuilt, None, "classes.rebuild"),
    # Joining, moving and leaving a class. pre_delete: a cascade (a deleted account) sends it before
    # deleting the learner's rollups.
    (pre_save, classes.on_membership_changing, Membership, "classes.moving"),
    (post_save, classes.on_membership_saved, Membership, "classes.joined"),
    (pre_delete, classes.on_membership_deleted, Membership, "classes.left"),
]


def connect_receivers():
    for signal, receiver, sender, uid in RECEIVERS:
        signal.connect(receiver, sender=sender, dispatch_uid=uid)
