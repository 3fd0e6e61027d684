"""Coverage of the bank: what each leaf section offers a learner."""

from django.db.models import Count, Q

from . import question_types
from .models import Question, Section, Status
from .question_types.cues import CUED_TYPES, cues_of


def content_report() -> dict:
    """Published questions (by type) and flashcards for every leaf section, in document order, and the
    cues the published choice questions give away (`cues`)."""
    types = question_types.names()
    leaves = (
        Section.objects.leaves()
        .annotate(
            n_flashcards=Count("flashcards", filter=Q(flashcards__status=Status.PUBLISHED), distinct=True),
        )
        .order_by("order")
    )
    by_type = {
        (row["section_id"], row["type"]): row["n"]
        for row in Question.objects.published().values("section_id", "type").annotate(n=Count("pk"))
    }
    sections = []
    for leaf in leaves:
        counts = {t: by_type.get((leaf.pk, t), 0) for t in types}
        sections.append({
            "id": leaf.key,
            "title": leaf.title,
            "questions": sum(counts.values()),
            "types": {t: n for t, n in counts.items() if n},
            "flashcards": leaf.n_flashcards,
        })
    totals_types = {t: sum(s["types"].get(t, 0) for s in sections) for t in types}
    return {
        "sections": sections,
        "totals": {
            "questions": sum(s["questions"] for s in sections),
            "flashcards": sum(s["flashcards"] for s in sections),
            "types": {t: n for t, n in totals_types.items() if n},
        },
        "cues": published_cues(),
    }


def published_cues() -> dict:
    """`cues` of the published choice and true/false questions (two queries)."""
    return cues_of(Question.objects.published().filter(type__in=CUED_TYPES).order_by("key")
                   .prefetch_related("choices"))
