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
    siblings = list(Section.objects.filter(parent=section.parent_id).order_by("order")) if section.parent_id else []
    position = siblings.index(section) if section in siblings else -1
    context = {
        "section": section,
        "children": list(_sections_with_counts().filter(parent=section)),
        "previous": siblings[position - 1] if position > 0 else None,
        "next": siblings[position + 1] if 0 <= position < len(siblings) - 1 else None,
    }
    return TemplateResponse(request, "catalog/section.html", context)
