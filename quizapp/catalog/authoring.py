"""Teachers' write use cases on the question bank: imports and the admin's question form (planned, then
applied all-or-nothing by the bank's one write path, `pipeline`), publishing, duplicating and moving, and
exports.

Each write is one function in one transaction with keyword-only arguments. Views and commands parse and
render; they call these.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from .pipeline import (
    CREATE,
    BankPlan,
    WriteConflict,
    bank_plan,
    plan_apply,
    question_revise,
    what_is_asked,
    with_answer_rows,
)
from .exchange import ImportFile, Problem, SectionSpec
from .exchange.flashcards_csv import read_flashcards_csv, write_flashcards_csv
from .exchange.gift import read_gift, write_gift
from .exchange.yaml_format import read_yaml, write_section_map, write_yaml
from .loading import FlashcardSpec, QuestionSpec, question_content
from .models import Flashcard, HeldImport, Origin, Question, Section, Status


def section_specs() -> dict:
    """The site's sections as the readers need them (key -> SectionSpec), in document order."""
    rows = list(Section.objects.select_related("parent").order_by("order", "pk"))
    return {
        s.key: SectionSpec(
            key=s.key, title=s.title, parent=s.parent.key if s.parent else None, order=s.order, notes=None
        )
        for s in rows
    }


def import_read(text: str, *, format: str, section: str | None = None, name: str = "upload") -> ImportFile:
    # An empty file is almost always the wrong file (or a failed save): say so instead of "0 created".
    if not text.strip():
        return ImportFile(problems=[Problem(1, gettext_lazy("the file is empty"))])
    sections = section_specs()
    if format == "yaml":
        parsed = read_yaml(text, sections=sections, name=name)
        if section:
            parsed.problems.insert(
                0, Problem(1, gettext_lazy("a YAML bank file names its own sections; do not choose one"))
            )
        return parsed
    if format == "gift":
        # A title's key must not take another question's: the reader sees the bank's keys and titles.
        keys = dict(Question.objects.values_list("key", "title"))
        parsed = read_gift(text, sections=sections, section=section, keys=keys)
    elif format == "csv":
        parsed = read_flashcards_csv(text, sections=sections, section=section)
    else:
        raise ValueError(f"unknown format {format!r}")
    if not (parsed.questions or parsed.flashcards or parsed.problems or parsed.skipped):
        # Only comments, or a CSV header row: as empty as an empty file.
        parsed.problems.append(Problem(1, gettext_lazy("the file holds no questions or flashcards")))
    return parsed


# --- Holding an upload between preview and confirmation -----------------------------------------

def import_hold(*, user, text: str, name: str, format: str, section: str, draft: bool, update: bool) -> HeldImport:
    """Keep an uploaded file for its uploader's confirmation; uploads whose time has lapsed go at the same time."""
    with transaction.atomic():
        HeldImport.objects.filter(created_at__lt=timezone.now() - HeldImport.HELD_FOR).delete()
        return HeldImport.objects.create(user=user, text=text, name=name[:255], format=format,
                                         section=section, draft=draft, update=update)


def import_held(*, user, token) -> HeldImport | None:
    """The upload `token` names, if `user` made it and it has not lapsed. It stays until it lapses, so
    confirming twice (a double click, the back button) re-plans it and finds nothing more to do."""
    return HeldImport.objects.filter(
        token=token, user=user, created_at__gte=timezone.now() - HeldImport.HELD_FOR).first()


# --- Planning and applying an import: the bank's pipeline (pipeline.py) with an upload's options -------

class ImportConflict(Exception):
    """Someone else wrote the same keys while this import ran; nothing was written."""


def import_plan(parsed: ImportFile, *, update: bool, draft: bool) -> BankPlan:
    """What applying `parsed` would do, row by row, against the database as it is now."""
    return bank_plan(
        questions=parsed.questions, flashcards=parsed.flashcards, notes=parsed.notes, titles=parsed.titles,
        lines=parsed.lines, update=update, draft=draft, origin=Origin.AUTHORED,
        problems=parsed.problems, skipped=parsed.skipped, warnings=parsed.warnings,
    )


def import_apply(*, parsed: ImportFile, update: bool = False, draft: bool = False, user=None) -> BankPlan:
    """Apply a checked file: every row or none. The plan is made again inside the transaction, so a
    second submission of the same file finds everything unchanged and writes nothing."""
    if parsed.problems:
        return import_plan(parsed, update=update, draft=draft)
    try:
        with transaction.atomic():
            plan = plan_apply(import_plan(parsed, update=update, draft=draft), user=user)
    except (IntegrityError, WriteConflict) as exc:
        raise ImportConflict(
            gettext(
                "These keys were written by someone else at the same moment; nothing was imported. Try again."
            )
        ) from exc
    return plan


# --- The admin's question form -------------------------------------------------------------------


class EditConflict(Exception):
    """Another writer got there first (the key taken, the item deleted, a save at the same moment):
    nothing was written. `message` tells the teacher what to do, in their language; the admin shows it as
    the form's error."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _conflict_messages(model) -> tuple:
    """(deleted, key taken, at the same moment) in the teacher's language, for questions or flashcards."""
    if model is Question:
        return (gettext("This question was deleted while you were editing it. Nothing was saved."),
                gettext("Someone else saved a question with this key (“%(key)s”) while you were editing. Nothing "
                        "was saved: choose another key."),
                gettext("Someone else saved this question, or took the key “%(key)s”, at the same moment. "
                        "Nothing was saved: check the form and save again."))
    return (gettext("This flashcard was deleted while you were editing it. Nothing was saved."),
            gettext("Someone else saved a flashcard with this key (“%(key)s”) while you were editing. Nothing "
                    "was saved: choose another key."),
            gettext("Someone else saved this flashcard, or took the key “%(key)s”, at the same moment. "
                    "Nothing was saved: check the form and save again."))


def _item_write(*, model, spec, pk, plan, user) -> BankPlan:
    """An admin form's one item through the pipeline (see question_write), locked first."""
    deleted, key_taken, same_moment = _conflict_messages(model)
    try:
        with transaction.atomic():
            renamed = {}
            if pk is not None:
                key = model.objects.select_for_update().filter(pk=pk).values_list("key", flat=True).first()
                if key is None:
                    raise EditConflict(deleted)
                renamed[spec.key] = key
            made = plan(renamed)
            [row] = made.rows
            if (row.action == CREATE) != (pk is None):  # the add's key was taken since the form was checked
                raise EditConflict(key_taken % {"key": spec.key})
            return plan_apply(made, user=user)
    except (IntegrityError, WriteConflict) as exc:
        raise EditConflict(same_moment % {"key": spec.key}) from exc


def question_write(*, spec: QuestionSpec, title: str, pk: int | None = None, user=None) -> BankPlan:
    """Write the admin's add form (`pk` None) or change form (the question `pk`) as an import with update
    writes a question: the same plan (what changes, whether it makes a new version, what sanitizing cuts)
    and the same apply, in one transaction. The form may change the key: the question `pk` is still the one
    updated. Nothing changed, nothing is written (a form sent twice makes one version). The question is
    locked first, so two tabs saving it are written one after the other, each against what the other wrote.
    Raises EditConflict (nothing written) when another writer took the key or deleted the question."""
    return _item_write(model=Question, spec=spec, pk=pk, user=user, plan=lambda renamed: bank_plan(
        questions=[spec], titles={spec.key: title}, update=True, renamed=renamed))


def flashcard_write(*, spec: FlashcardSpec, pk: int | None = None, user=None) -> BankPlan:
    """The admin's flashcard add or change form, written as question_write writes a question."""
    return _item_write(model=Flashcard, spec=spec, pk=pk, user=user, plan=lambda renamed: bank_plan(
        flashcards=[spec], update=True, renamed=renamed))


# --- Admin actions -------------------------------------------------------------------------------


def items_set_status(*, items, status: str) -> list:
    """Publish or unpublish questions or flashcards; returns those that changed."""
    with transaction.atomic():
        changed = list(items.exclude(status=status).select_for_update())
        items.model.objects.filter(pk__in=[i.pk for i in changed]).update(status=status)
    return changed


def _copy_key(model, key: str, also_taken=()) -> str:
    base = f"{key[:70]}-copy"
    taken = set(model.objects.filter(key__startswith=base).values_list("key", flat=True)) | set(also_taken)
    n, candidate = 1, base
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def questions_duplicate(*, questions) -> list:
    """A draft copy of each question, with its answer rows, as version 1 under a new key, written as any
    new question is (pipeline.py)."""
    with transaction.atomic():
        originals = list(with_answer_rows(questions))
        specs, titles = [], {}
        for question in originals:
            key = _copy_key(Question, question.key, also_taken=titles)  # copies not yet written count
            specs.append(QuestionSpec.build(key=key, **question_content(question)))
            titles[key] = question.title
        plan = plan_apply(bank_plan(questions=specs, titles=titles, update=False, draft=True))
    return plan.created_questions


def flashcards_duplicate(*, flashcards) -> list:
    """A draft copy of each flashcard under a new key, written as any new flashcard is (pipeline.py)."""
    with transaction.atomic():
        specs = []
        for card in flashcards.select_related("section"):
            key = _copy_key(Flashcard, card.key, also_taken={s.key for s in specs})
            specs.append(FlashcardSpec(key=key, section=card.section.key, front=card.front, back=card.back,
                                       hint=card.hint, status=card.status))
        plan = plan_apply(bank_plan(flashcards=specs, update=False, draft=True))
    return plan.created_cards


def items_move(*, items, section: Section) -> list:
    """Move questions or flashcards to another leaf section (what is asked is unchanged: same version)."""
    if section.children.exists():
        raise ValueError("questions and cards belong to leaf sections")
    with transaction.atomic():
        moved = list(items.exclude(section=section).select_for_update())
        items.model.objects.filter(pk__in=[i.pk for i in moved]).update(section=section)
    return moved


# --- Exports -------------------------------------------------------------------------------------


def export_yaml_section(section: Section, questions=None) -> str:
    """One bank file in the content/ format for a top-level section (all its leaves) or one leaf.
    `questions` narrows the questions to a selection (then flashcards are left out)."""
    leaves = list(Section.objects.leaves_under(section).order_by("order", "pk"))
    top = section.top
    qs = with_answer_rows(questions if questions is not None else Question.objects.all())
    qs = qs.filter(section__in=leaves).order_by("key")
    by_leaf = {leaf.pk: [] for leaf in leaves}
    for q in qs:
        by_leaf[q.section_id].append((q.key, question_content(q)))
    cards = {leaf.pk: [] for leaf in leaves}
    if questions is None:
        for card in Flashcard.objects.filter(section__in=leaves).order_by("key"):
            cards[card.section_id].append(card)
    entries = [
        (leaf.key, leaf.notes if questions is None else "", by_leaf[leaf.pk], cards[leaf.pk])
        for leaf in leaves
        if questions is None or by_leaf[leaf.pk]
    ]
    return write_yaml(top.key, entries)


def export_yaml_all() -> dict:
    """The whole bank as content/ files: {file name: text}, `sections.yaml` included."""
    tops = Section.objects.order_by("order", "pk").outline()
    files = {
        "sections.yaml": write_section_map(
            [(t.key, t.title, [(c.key, c.title) for c in t.subsections]) for t in tops]
        )
    }
    for top in tops:
        files[f"{top.key}.yaml"] = export_yaml_section(top)
    return files


def export_gift(questions) -> tuple[str, list]:
    qs = with_answer_rows(questions).order_by("section__order", "key")
    return write_gift((q.key, question_content(q)) for q in qs)


def export_flashcards_csv(flashcards) -> str:
    return write_flashcards_csv(flashcards.select_related("section").order_by("section__order", "key"))


def questions_in(section: Section | None):
    """Questions of a section and everything under it, or of the whole bank."""
    if section is None:
        return Question.objects.all()
    return Question.objects.filter(section__in=Section.objects.leaves_under(section))


def flashcards_in(section: Section | None):
    if section is None:
        return Flashcard.objects.all()
    return Flashcard.objects.filter(section__in=Section.objects.leaves_under(section))


__all__ = [
    "BankPlan",
    "ImportConflict",
    "export_flashcards_csv",
    "export_gift",
    "export_yaml_all",
    "export_yaml_section",
    "import_held",
    "import_hold",
    "import_apply",
    "import_plan",
    "question_revise",
    "question_write",
    "flashcard_write",
    "import_read",
    "what_is_asked",
    "with_answer_rows",
]
