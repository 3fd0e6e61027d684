"""The bank's revision token (catalog.models.bank_revision), kept by database triggers, and the outline read
once per process and revision (catalog.outline)."""

import pytest

from quizapp.catalog.models import Flashcard, Question, Section, Status, bank_revision
from quizapp.catalog.outline import bank_outline
from tests.factories import FlashcardFactory, QuestionFactory, SectionFactory


def test_every_way_of_writing_the_bank_changes_the_revision(starter_bank):
    seen = [bank_revision()]

    def changed():
        seen.append(bank_revision())
        return seen[-1] != seen[-2]

    section = Section.objects.get(key="lora")
    section.title = "LoRB"  # the same length: a fingerprint of lengths would not see it
    section.save()
    assert changed()
    Section.objects.filter(key="lora").update(notes="新的笔记")  # a QuerySet.update sends no signal
    assert changed()
    Question.objects.filter(pk=Question.objects.first().pk).update(status=Status.DRAFT)
    assert changed()
    QuestionFactory(section=section)
    assert changed()
    Flashcard.objects.filter(pk=Flashcard.objects.first().pk).delete()
    assert changed()
    FlashcardFactory(section=section)
    assert changed()
    assert len(set(seen)) == len(seen)


def test_reading_changes_nothing(starter_bank):
    before = bank_revision()
    list(Section.objects.all()), list(Question.objects.all())
    bank_outline()
    assert bank_revision() == before


@pytest.mark.django_db
def test_the_outline_is_read_again_after_a_write_and_not_before(django_assert_num_queries):
    part = SectionFactory(key="part", title="第一部分")
    SectionFactory(key="leaf", title="一节", parent=part)
    outline = bank_outline()
    assert [s.key for s in outline.leaves] == ["leaf"]
    with django_assert_num_queries(1):  # the revision only
        assert bank_outline() is outline
    Section.objects.filter(key="leaf").update(title="二节")
    with django_assert_num_queries(2):
        fresh = bank_outline()
    assert fresh.by_key["leaf"].title == "二节"
    assert fresh.by_key["leaf"].parent.key == "part"
    assert [s.key for s in fresh.reading_order()] == ["part", "leaf"]
