"""Authoring in the Django admin: sections, questions (one admin that adapts to the type) and flashcards,
with preview, import, export and the actions teachers know from Moodle's question bank.

Teachers (the `Teachers` group, accounts.roles) see exactly these; every change, action and import is in
the admin log.

Catalog imports no app to its right (the layers contract in pyproject.toml). What the question admin shows
from learners' work comes from the apps that own it, each re-registering Question with a subclass:
quizzes/admin.py adds the preview (the quiz's own page) and what counts as history; classes/admin.py adds
the item-statistics columns (progress's rollup) and the "flagged by item analysis" filter.

Split by what each module holds; importing the package registers the three ModelAdmins, and the names other
apps use stay importable from here.
"""

from .actions import AuthoredAdmin, MarkdownAdmin
from .flashcards import FlashcardAdmin
from .questions import QuestionAdmin
from .sections import SectionAdmin

__all__ = ["AuthoredAdmin", "FlashcardAdmin", "MarkdownAdmin", "QuestionAdmin", "SectionAdmin"]
