from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from .models import Section, Status


def _sections_with_counts():
    return Section.objects.annotate(
        n_questions=Count("questions", filter=Q(questions__status=Status.PUBLISHED), distinct=True),
        n_flashcards=Count("flashcards", filter=Q(flashcards__status=Status.PUBLISHED), distinct=True),
    ).order_by("order")


def section_tree():
    """Top-level sections, each with `.leaves`: the sections a learner studies (one query)."""
    sections = list(_sections_with_counts())
    tops = [s for s in sections if s.parent_id is None]
    for top in tops:
        top.leaves = [s for s in sections if s.parent_id == top.pk] or [top]
    return tops


def home(request):
    return TemplateResponse(request, "catalog/home.html", {"tops": section_tree()})


def section_detail(request, key):
    section = get_object_or_404(_sections_with_counts().select_related("parent"), key=key)
    # The course in reading order (every part's leaves, part after part), so "next" crosses into the next
    # part; a part's own page sits just before its first leaf.
    reading = [leaf for top in section_tree() for leaf in top.leaves]
    keys = [s.key for s in reading]
    children = list(_sections_with_counts().filter(parent=section))
    first = children[0].key if children else section.key
    position = keys.index(first) if first in keys else -1
    context = {
        "section": section,
        "children": children,
        "previous": reading[position - 1] if position > 0 else None,
        "next": (children[0] if children else
                 reading[position + 1] if 0 <= position < len(reading) - 1 else None),
    }
    return TemplateResponse(request, "catalog/section.html", context)
