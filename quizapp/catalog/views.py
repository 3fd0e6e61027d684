from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from .models import Section, Status


def _sections_with_counts():
    return Section.objects.annotate(
        n_questions=Count("questions", filter=Q(questions__status=Status.PUBLISHED), distinct=True),
        n_flashcards=Count("flashcards", filter=Q(flashcards__status=Status.PUBLISHED), distinct=True),
    ).order_by("order")


def section_tree():
    """Top-level sections, each with `.leaves`: the sections a learner studies (one query)."""
    return _sections_with_counts().outline()


def _reading_order() -> list[Section]:
    """Every section page in course order, so next and previous cross from part to part. One light query."""
    return Section.objects.only("key", "title", "parent_id", "order").order_by("order", "pk").reading_order()


@require_safe
def home(request):
    return TemplateResponse(request, "catalog/home.html", {"tops": section_tree()})


@require_safe
def section_detail(request, key):
    section = get_object_or_404(_sections_with_counts().select_related("parent"), key=key)
    reading = _reading_order()
    keys = [s.key for s in reading]
    position = keys.index(section.key)
    context = {
        "section": section,
        "children": list(_sections_with_counts().filter(parent=section)),
        "previous": reading[position - 1] if position > 0 else None,
        "next": reading[position + 1] if position < len(reading) - 1 else None,
    }
    return TemplateResponse(request, "catalog/section.html", context)
