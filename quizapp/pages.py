"""The pages that show more than one app's data, each getting all of it from its view:
the home page (the course outline, from catalog; for a learner, Today: the open quiz from quizzes, cards
due from cards, next sections and streak from progress, assignments from classes) and a section's
page (its notes and counts, from catalog; the learner's own record there, from progress).

Why here, above the apps, and not in one of them: catalog owns sections but may not import the apps to its
right (the layers in pyproject.toml), and no app to its right owns these pages more than another; the home
page inside `progress` would be hard to find, and would have to move again the day it shows due flashcards
or a class. Like urls.py, this module sits above every app; the layers contract lists it on top so that no
app imports it. Their templates live beside it in the layers too (templates/pages/), so they may include
other apps' partials, which show only what they are given.
"""

import secrets

from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from quizapp.catalog.models import bank_revision
from quizapp.catalog.outline import bank_outline
from quizapp.classes.assignments import assignments_due
from quizapp.progress.dashboard import learner_today, section_record_context
from quizapp.quizzes.models import Attempt


@require_safe
def home(request):
    """A visitor's home is the course overview; a signed-in learner's is Today (issue 19): cards due and new
    today, the open quiz, the sections to practise next (one click each), class assignments due, the
    streak and today's count, then the course overview below."""
    learner = request.user
    revision = bank_revision()  # first: what is read after it is at least as new (models.bank_revision)
    context = {
        # The outline is the same for everyone until the bank changes: rendered once per process, bank
        # revision and language, and read (a callable, so only then) when that rendering is missing.
        "bank_revision": revision,
        "tops": lambda: bank_outline(revision).tops,
        "open_attempt": (
            Attempt.objects.open().filter(learner=learner).first() if learner.is_authenticated else None
        ),
    }
    if learner.is_authenticated:
        today = learner_today(learner, outline=bank_outline(revision))
        context.update({
            "today": today,
            # One Practise button per section, each with its own one-time key (see attempt_start).
            "practise": [(row, secrets.token_hex(16)) for row in today.next_sections],
            "quiz_length": Attempt.DEFAULT_LENGTH,
            "assignments_due": assignments_due(learner),
        })
    return TemplateResponse(request, "pages/home.html", context)


@require_safe
def section_detail(request, key):
    revision = bank_revision()
    outline = bank_outline(revision)
    section = outline.by_key.get(key)
    if section is None:
        raise Http404("No such section.")
    # Every section page in course order, so next and previous cross from part to part.
    reading = outline.reading_order()
    position = reading.index(section)
    children = section.subsections if section.parent_id is None else []
    context = {
        "bank_revision": revision,  # the page's bank part is cached under it (pages/section.html)
        "section": section,
        "children": children,
        "previous": reading[position - 1] if position > 0 else None,
        "next": reading[position + 1] if position < len(reading) - 1 else None,
        # A part with subsections shows them instead of notes, and so no record either.
        "quiz_length": Attempt.DEFAULT_LENGTH,  # the one-click Practise button's, and its one-time key
        "start_key": secrets.token_hex(16),
        "record": (
            section_record_context(request.user, section)
            if request.user.is_authenticated and not children else None
        ),
    }
    return TemplateResponse(request, "pages/section.html", context)
