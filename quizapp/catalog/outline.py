"""The course outline as the read-heavy pages show it (every section in course order, with its published
questions and flashcards counted), read once per process and bank revision.

`bank_outline(revision)` re-reads only when the database's revision token (`models.bank_revision`) differs
from the one this process read it under, so on every app server a page shows a change of the bank on the
first request after it commits. The sections it holds are shared by every request of the process: read
them, never change them.
"""

import hashlib
from dataclasses import dataclass, field

from .models import Section, bank_revision


@dataclass
class Outline:
    revision: str
    sections: list  # every Section in course order, with n_questions, n_flashcards, number; parent set
    tops: list = field(default_factory=list)  # SectionQuerySet.outline(): parts with .subsections, .leaves
    by_key: dict = field(default_factory=dict)

    @property
    def leaves(self) -> list:
        """Every leaf section (the ones learners study), in course order."""
        return [leaf for top in self.tops for leaf in top.leaves]

    def leaves_under(self, section_ids) -> list:
        """The leaves a learner studies under these sections (a part's leaves, or a leaf itself), in course
        order (as SectionQuerySet.leaves_under, without a query); every leaf when `section_ids` is empty."""
        ids = set(section_ids)
        return [s for s in self.leaves if not ids or s.pk in ids or s.parent_id in ids]

    def reading_order(self) -> list:
        """Every section page in course order: a part, then its leaves (as SectionQuerySet.reading_order)."""
        return [s for top in self.tops for s in [top, *top.subsections]]


_outline: Outline | None = None


def bank_outline(revision: str | None = None) -> Outline:
    """The outline as of `revision` (read now when None): no query when this process holds it already, one
    otherwise. Pass the revision the caller read first when it also keys a cached rendering by it."""
    global _outline
    revision = bank_revision() if revision is None else revision
    outline = _outline
    if outline is None or outline.revision != revision:
        sections = list(Section.objects.with_counts().order_by("order", "pk"))
        by_pk = {s.pk: s for s in sections}
        for s in sections:
            if s.parent_id is not None:
                s.parent = by_pk[s.parent_id]
        tops = [s for s in sections if s.parent_id is None]
        for i, top in enumerate(tops, 1):
            top.subsections = [s for s in sections if s.parent_id == top.pk]
            top.leaves = top.subsections or [top]
            # Numbered as the home page's outline counts the parts: "2", and its sections "2.1", "2.2".
            top.number = str(i)
            for j, sub in enumerate(top.subsections, 1):
                sub.number = f"{i}.{j}"
        outline = Outline(revision, sections, tops, {s.key: s for s in sections})
        _outline = outline
    return outline


def figures_digest(figures) -> str:
    """A short digest of plain values (their repr): with the bank revision and the language, the key of a
    cached rendering of a learner's own figures over the outline, which changes whenever any of them does."""
    return hashlib.blake2b(repr(figures).encode(), digest_size=16).hexdigest()
