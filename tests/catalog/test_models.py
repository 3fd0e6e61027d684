"""The section tree on the model: parts (top-level sections), each a leaf itself or the parent of leaves."""

import pytest

from quizapp.catalog.models import Section


def keys(sections):
    return [s.key for s in sections]


@pytest.mark.django_db
def test_leaves_under_a_part_are_its_leaves_and_under_a_leaf_the_leaf(starter_bank, django_assert_num_queries):
    tuning, history, lora = (Section.objects.get(key=k) for k in ("tuning", "history", "lora"))
    with django_assert_num_queries(1):
        assert keys(Section.objects.leaves_under(tuning).order_by("order")) == ["lora", "parallel"]
    with django_assert_num_queries(1):  # a key needs no look-up first
        assert keys(Section.objects.leaves_under("tuning").order_by("order")) == ["lora", "parallel"]
    assert keys(Section.objects.leaves_under(history)) == ["history"]  # a part without leaves is one
    assert keys(Section.objects.leaves_under(lora)) == ["lora"]
    assert keys(Section.objects.leaves_under(lora.pk)) == ["lora"]
    assert keys(Section.objects.leaves_under([history, lora]).order_by("order")) == ["history", "lora"]
    assert keys(Section.objects.leaves_under(Section.objects.top_level()).order_by("order")) == [
        "history", "lora", "parallel"]
    assert keys(Section.objects.leaves_under(["tuning", history.pk]).order_by("order")) == [
        "history", "lora", "parallel"]
    assert keys(Section.objects.leaves_under("nowhere")) == []


@pytest.mark.django_db
def test_top_is_the_part_a_section_belongs_to(starter_bank, django_assert_num_queries):
    lora = Section.objects.select_related("parent").get(key="lora")
    history = Section.objects.get(key="history")
    with django_assert_num_queries(0):
        assert lora.top.key == "tuning" and lora.top_id == lora.parent_id
    assert history.top is history and history.top_id == history.pk


@pytest.mark.django_db
def test_outline_gives_parts_with_their_leaves_in_one_query(starter_bank, django_assert_num_queries):
    with django_assert_num_queries(1):
        tops = Section.objects.order_by("order").outline()
        shape = [(t.key, keys(t.subsections), keys(t.leaves)) for t in tops]
    assert shape == [("history", [], ["history"]), ("tuning", ["lora", "parallel"], ["lora", "parallel"])]


@pytest.mark.django_db
def test_reading_order_is_each_part_then_its_leaves(starter_bank, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert keys(Section.objects.order_by("order").reading_order()) == ["history", "tuning", "lora", "parallel"]
