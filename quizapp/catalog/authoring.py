"""Teachers' write use cases on the question bank: imports (planned, then applied all-or-nothing),
revisions that keep learners' history meaningful, publishing, duplicating and moving, and exports.

Each write is one function in one transaction with keyword-only arguments. Views and commands parse and
render; they call these.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from . import question_types
from .exchange import ImportFile, Problem, SectionSpec
from .exchange.flashcards_csv import read_flashcards_csv, write_flashcards_csv
from .exchange.gift import read_gift, write_gift
from .exchange.yaml_format import read_yaml, write_section_map, write_yaml
from .loading import question_content, write_answer_rows
from .models import Flashcard, HeldImport, Origin, Question, Section, Status
from .rendering import removed_by_sanitizing
from .rules import message
from .versions import question_revise, what_is_asked

def with_answer_rows(questions):
    return questions.select_related("section").prefetch_related(
        *(kind.relation for kind in question_types.row_kinds()))


def section_specs() -> dict:
    """The site's sections as the readers need them (key -> SectionSpec), in document order."""
    rows = list(Section.objects.select_related("parent").order_by("order", "pk"))
    return {
        s.key: SectionSpec(
            key=s.key, title=s.title, parent=s.parent.key if s.parent else None, order=s.order, notes=None
        )
        for s in rows
    }


def read_import(text: str, *, format: str, section: str | None = None, name: str = "upload") -> ImportFile:
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
        parsed = read_gift(text, sections=sections, section=section)
    elif format == "csv":
        parsed = read_flashcards_csv(text, sections=sections, section=section)
    else:
        raise ValueError(f"unknown format {format!r}")
    if not (parsed.questions or parsed.flashcards or parsed.problems or parsed.skipped):
        # Only comments, or a CSV header row: as empty as an empty file.
        parsed.problems.append(Problem(1, gettext_lazy("the file holds no questions or flashcards")))
    return parsed


# --- Holding an upload between preview and confirmation -----------------------------------------

def hold_import(*, user, text: str, name: str, format: str, section: str, draft: bool, update: bool) -> HeldImport:
    """Keep an uploaded file for its uploader's confirmation; uploads whose time has lapsed go at the same time."""
    with transaction.atomic():
        HeldImport.objects.filter(created_at__lt=timezone.now() - HeldImport.HELD_FOR).delete()
        return HeldImport.objects.create(user=user, text=text, name=name[:255], format=format,
                                         section=section, draft=draft, update=update)


def held_import(*, user, token) -> HeldImport | None:
    """The upload `token` names, if `user` made it and it has not lapsed. It stays until it lapses, so
    confirming twice (a double click, the back button) re-plans it and finds nothing more to do."""
    return HeldImport.objects.filter(
        token=token, user=user, created_at__gte=timezone.now() - HeldImport.HELD_FOR).first()


# --- Planning and applying an import -------------------------------------------------------------

CREATE, UPDATE, UNCHANGED, REJECT = "create", "update", "unchanged", "reject"


@dataclass
class PlanRow:
    kind: str  # question | flashcard | notes
    key: str
    section: str
    action: str
    summary: str
    line: int
    reason: str = ""  # lazy: translated when shown
    new_version: bool = False
    section_title: str = ""  # what teachers call the section (`section` is its key)

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS = {"question": gettext_lazy("question"), "flashcard": gettext_lazy("flashcard"), "notes": gettext_lazy("study notes")}


@dataclass
class ImportPlan:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # Filled in by import_apply: the rows written, for the admin log.
    created_questions: list = field(default_factory=list)
    updated_questions: list = field(default_factory=list)
    created_cards: list = field(default_factory=list)
    updated_cards: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict:
        return {a: self.count(a) for a in (CREATE, UPDATE, UNCHANGED, REJECT)}

    @property
    def writes(self) -> int:
        return self.count(CREATE) + self.count(UPDATE)


class ImportConflict(Exception):
    """Someone else wrote the same keys while this import ran; nothing was written."""


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:79] + "…"


def _wanted_question(spec, *, draft: bool) -> dict:
    content = spec.content()
    content["status"] = Status.DRAFT if draft else spec.status
    for kind in question_types.row_kinds():  # as question_content reads them: tuples, not lists
        content[kind.field] = kind.normalised(content[kind.field])
    return content


def _wanted_card(spec, *, draft: bool) -> dict:
    content = spec.content()
    content["status"] = Status.DRAFT if draft else spec.status
    return content


def _card_content(card) -> dict:
    return {
        "section": card.section.key,
        "front": card.front,
        "back": card.back,
        "hint": card.hint,
        "status": card.status,
    }


def _differs(kind: str, have: dict, wanted: dict):
    """Why an existing question or flashcard is not overwritten without "update": when only its status
    differs (a file imported once as draft, now without), say so, rather than "differs"."""
    if {**have, "status": None} == {**wanted, "status": None}:
        message = (gettext_lazy("a question with this key has the same content but its status is {status}; import "
                                "with update to change it") if kind == "question" else
                   gettext_lazy("a flashcard with this key has the same content but its status is {status}; import "
                                "with update to change it"))
        return format_lazy(message, status=Status(have["status"]).label)
    if kind == "question":
        return gettext_lazy("a question with this key exists and differs; import with update")
    return gettext_lazy("a flashcard with this key exists and differs; import with update")


def _sanitizing_warnings(parsed: ImportFile) -> list:
    """What sanitizing will leave out of the file's Markdown wherever it is shown, as the admin warns on
    save: the file imports, and the teacher knows what learners will not see."""
    fields = [("question", spec, name, Question)
              for spec in parsed.questions for name in ("prompt", "explanation")]
    fields += [("flashcard", spec, name, Flashcard)
               for spec in parsed.flashcards for name in ("front", "back")]
    warnings = []
    for kind, spec, name, model in fields:
        removed = removed_by_sanitizing(getattr(spec, name) or "")
        if removed:
            warnings.append(Problem(parsed.lines.get((kind, spec.key), 1), message(
                gettext_lazy("%(key)s: its %(field)s has content that is not allowed and is left out wherever "
                             "it is shown: %(removed)s"),
                key=spec.key, field=model._meta.get_field(name).verbose_name, removed=", ".join(removed))))
    return warnings


def plan_import(parsed: ImportFile, *, update: bool, draft: bool) -> ImportPlan:
    """What applying `parsed` would do, row by row, against the database as it is now."""
    plan = ImportPlan(
        problems=list(parsed.problems), skipped=list(parsed.skipped), warnings=list(parsed.warnings)
    )
    if parsed.problems:
        return plan
    plan.warnings += _sanitizing_warnings(parsed)
    keys = [s.key for s in parsed.questions]
    existing = {q.key: q for q in with_answer_rows(Question.objects.filter(key__in=keys))}
    for spec in parsed.questions:
        line = parsed.lines.get(("question", spec.key), 1)
        row = PlanRow("question", spec.key, spec.section, CREATE, _summary(spec.prompt), line)
        question = existing.get(spec.key)
        if question is not None:
            have, wanted = question_content(question), _wanted_question(spec, draft=draft)
            title = parsed.titles.get(spec.key, question.title)
            # The title is compared with the content (the messages below speak of both together).
            have, wanted = {**have, "title": question.title}, {**wanted, "title": title}
            if have == wanted:
                row.action = UNCHANGED
            elif update:
                row.action = UPDATE
                row.new_version = what_is_asked(have) != what_is_asked(wanted)
            else:
                row.action, row.reason = REJECT, _differs("question", have, wanted)
        plan.rows.append(row)
    keys = [s.key for s in parsed.flashcards]
    cards = {c.key: c for c in Flashcard.objects.filter(key__in=keys).select_related("section")}
    for spec in parsed.flashcards:
        line = parsed.lines.get(("flashcard", spec.key), 1)
        row = PlanRow("flashcard", spec.key, spec.section, CREATE, _summary(spec.front), line)
        card = cards.get(spec.key)
        if card is not None:
            have, wanted = _card_content(card), _wanted_card(spec, draft=draft)
            if have == wanted:
                row.action = UNCHANGED
            elif update:
                row.action = UPDATE
            else:
                row.action, row.reason = REJECT, _differs("flashcard", have, wanted)
        plan.rows.append(row)
    notes = dict(Section.objects.filter(key__in=list(parsed.notes)).values_list("key", "notes"))
    for leaf, text in parsed.notes.items():
        row = PlanRow("notes", leaf, leaf, UPDATE, _summary(text), parsed.lines.get(("section", leaf), 1))
        if notes.get(leaf, "") == text:
            row.action = UNCHANGED
        elif notes.get(leaf) and not update:
            row.action, row.reason = (
                REJECT,
                gettext_lazy("the section already has other notes; import with update"),
            )
        plan.rows.append(row)
    titles = dict(Section.objects.filter(key__in={r.section for r in plan.rows}).values_list("key", "title"))
    for row in plan.rows:
        row.section_title = titles.get(row.section, "")
    return plan


def import_apply(*, parsed: ImportFile, update: bool = False, draft: bool = False, user=None) -> ImportPlan:
    """Apply a checked file: every row or none. The plan is made again inside the transaction, so a
    second submission of the same file finds everything unchanged and writes nothing."""
    if parsed.problems:
        return plan_import(parsed, update=update, draft=draft)
    try:
        with transaction.atomic():
            plan = plan_import(parsed, update=update, draft=draft)
            _apply(plan, parsed, draft=draft, user=user)
    except IntegrityError as exc:
        raise ImportConflict(
            gettext(
                "These keys were written by someone else at the same moment; nothing was imported. Try again."
            )
        ) from exc
    return plan


def _apply(plan: ImportPlan, parsed: ImportFile, *, draft: bool, user):
    sections = {s.key: s for s in Section.objects.all()}
    actions = {(r.kind, r.key): r.action for r in plan.rows}
    questions = {
        q.key: q
        for q in with_answer_rows(
            Question.objects.filter(
                key__in=[k for (kind, k), a in actions.items() if kind == "question" and a == UPDATE]
            )
        )
    }
    for spec in parsed.questions:
        action = actions[("question", spec.key)]
        if action not in (CREATE, UPDATE):
            continue
        wanted = _wanted_question(spec, draft=draft)
        fields = dict(
            section=sections[spec.section],
            type=spec.type,
            prompt=spec.prompt,
            explanation=spec.explanation,
            difficulty=spec.difficulty,
            tags=spec.tags,
            status=wanted["status"],
        )
        if spec.key in parsed.titles:
            fields["title"] = parsed.titles[spec.key]
        if action == CREATE:
            question = Question.objects.create(key=spec.key, origin=Origin.AUTHORED, **fields)
            plan.created_questions.append(question)
            rows_changed = True
        else:
            question = questions[spec.key]
            before = question_content(question)
            rows_changed = what_is_asked(before) != what_is_asked(wanted)
            for name, value in fields.items():
                setattr(question, name, value)
            question.save()
            if rows_changed:
                question_revise(question=question, before=before, user=user)
            plan.updated_questions.append(question)
        if rows_changed:
            write_answer_rows(question, **spec.rows())
    cards = {c.key: c for c in Flashcard.objects.filter(key__in=[s.key for s in parsed.flashcards])}
    for spec in parsed.flashcards:
        action = actions[("flashcard", spec.key)]
        fields = dict(
            section=sections[spec.section],
            front=spec.front,
            back=spec.back,
            hint=spec.hint,
            status=Status.DRAFT if draft else spec.status,
        )
        if action == CREATE:
            plan.created_cards.append(
                Flashcard.objects.create(key=spec.key, origin=Origin.AUTHORED, **fields)
            )
        elif action == UPDATE:
            card = cards[spec.key]
            for name, value in fields.items():
                setattr(card, name, value)
            card.save()
            plan.updated_cards.append(card)
    for leaf, text in parsed.notes.items():
        if actions[("notes", leaf)] == UPDATE:
            Section.objects.filter(key=leaf).update(notes=text)


# --- Admin actions -------------------------------------------------------------------------------


def items_set_status(*, items, status: str) -> list:
    """Publish or unpublish questions or flashcards; returns those that changed."""
    with transaction.atomic():
        changed = list(items.exclude(status=status).select_for_update())
        items.model.objects.filter(pk__in=[i.pk for i in changed]).update(status=status)
    return changed


def _copy_key(model, key: str) -> str:
    base = f"{key[:70]}-copy"
    taken = set(model.objects.filter(key__startswith=base).values_list("key", flat=True))
    n, candidate = 1, base
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def questions_duplicate(*, questions) -> list:
    """A draft copy of each question, with its answer rows, as version 1 under a new key."""
    copies = []
    with transaction.atomic():
        for question in with_answer_rows(questions):
            content = question_content(question)
            copy = Question.objects.create(
                key=_copy_key(Question, question.key),
                section=question.section,
                title=question.title,
                type=question.type,
                prompt=question.prompt,
                explanation=question.explanation,
                difficulty=question.difficulty,
                tags=list(question.tags),
                status=Status.DRAFT,
                origin=Origin.AUTHORED,
            )
            write_answer_rows(copy, **{field: content[field] for field in question_types.row_fields()})
            copies.append(copy)
    return copies


def flashcards_duplicate(*, flashcards) -> list:
    with transaction.atomic():
        return [
            Flashcard.objects.create(
                key=_copy_key(Flashcard, c.key),
                section=c.section,
                front=c.front,
                back=c.back,
                hint=c.hint,
                status=Status.DRAFT,
                origin=Origin.AUTHORED,
            )
            for c in flashcards
        ]


def items_move(*, items, section: Section) -> list:
    """Move questions or flashcards to another leaf section (what is asked is unchanged: same version)."""
    if section.children.exists():
        raise ValueError("questions and cards belong to leaf sections")
    with transaction.atomic():
        moved = list(items.exclude(section=section).select_for_update())
        items.model.objects.filter(pk__in=[i.pk for i in moved]).update(section=section)
    return moved


# --- Exports -------------------------------------------------------------------------------------


def _leaves_under(section: Section) -> list:
    children = list(section.children.order_by("order", "pk"))
    return children or [section]


def _top(section: Section) -> Section:
    while section.parent_id:
        section = section.parent
    return section


def export_yaml_section(section: Section, questions=None) -> str:
    """One bank file in the content/ format for a top-level section (all its leaves) or one leaf.
    `questions` narrows the questions to a selection (then flashcards are left out)."""
    leaves = _leaves_under(section)
    top = _top(section)
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
    tops = list(Section.objects.top_level().prefetch_related("children").order_by("order", "pk"))
    files = {
        "sections.yaml": write_section_map(
            [
                (
                    t.key,
                    t.title,
                    [(c.key, c.title) for c in sorted(t.children.all(), key=lambda c: (c.order, c.pk))],
                )
                for t in tops
            ]
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
    return Question.objects.filter(section__in=_leaves_under(section))


def flashcards_in(section: Section | None):
    if section is None:
        return Flashcard.objects.all()
    return Flashcard.objects.filter(section__in=_leaves_under(section))


__all__ = [
    "ImportConflict",
    "ImportPlan",
    "export_flashcards_csv",
    "export_gift",
    "export_yaml_all",
    "export_yaml_section",
    "held_import",
    "hold_import",
    "import_apply",
    "plan_import",
    "question_revise",
    "read_import",
    "what_is_asked",
]
