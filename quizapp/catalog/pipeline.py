"""The question bank's one write path: plan, then apply.

Everything that writes questions and flashcards comes through here, so versions, validation and the
sanitizing warnings cannot differ between ways in:

- `load_content` (content/ files: `loading.read_bank`, then `bank_load`),
- imports (`import_questions` and the admin's import: `authoring.import_read`, then `authoring.import_apply`),
- the admin's duplicate actions (`authoring.questions_duplicate`, `authoring.flashcards_duplicate`), and the
  admin's add and change forms (`authoring.question_write`: the form and its answer-row formsets read as one
  QuestionSpec, planned as an import with update is, and applied, Django's formsets writing nothing;
  `authoring.flashcard_write` likewise for a flashcard).

Readers turn text into specs (`loading.QuestionSpec`, `FlashcardSpec`, `SectionSpec`) and problems
(`rules.Problem`), checked by `rules`. `bank_plan` compares specs with the database and says, row by row,
what applying would do (create, update, leave unchanged, reject, withdraw) and whether an update makes a
new version; it writes nothing, so a dry run or the admin's preview shows exactly what Confirm will do.
`plan_apply` writes a plan in one transaction: every row or none. Whenever what a question asks or accepts
changes (`what_is_asked`), the content it had is kept as a `QuestionVersion` (`question_revise`) before
the new answer rows replace the old, with the user who did it (none for content files).

A plan may be older than the database (two tabs, an import previewed while someone edits): applying locks
the questions it updates (select_for_update) and reads them again, and decides the new version against what
they hold now, so two edits make two versions, never a lost one or a number twice. A question the plan
updates that has gone meanwhile is a `WriteConflict`: nothing is written.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from . import question_types
from .loading import Bank, question_content, write_answer_rows
from .models import Flashcard, Origin, Question, QuestionVersion, Section, Status
from .rendering import removed_by_sanitizing
from .rules import Problem, message

CREATE, UPDATE, UNCHANGED, REJECT, WITHDRAW = "create", "update", "unchanged", "reject", "withdraw"


class WriteConflict(Exception):
    """Someone else changed what a plan was made against so that applying it cannot follow (a question it
    updates was deleted meanwhile); the transaction is rolled back."""

def what_is_asked(content: dict) -> dict:
    """What is asked and what counts as right (the type, the prompt, every kind of answer row): a change here
    makes a new version of the question."""
    return {name: content.get(name, []) for name in ("type", "prompt", *question_types.row_fields())}


def with_answer_rows(questions):
    """Questions with every kind of answer row prefetched (a selection may mix types)."""
    return questions.select_related("section").prefetch_related(
        *(rows.relation for rows in question_types.answer_row_sets()))


# --- Versions --------------------------------------------------------------------------------------

def question_revise(*, question: Question, before: dict, user=None) -> Question:
    """What a question asks or accepts has changed: freeze the old version's content and bump the version,
    so answers recorded under it are read against what the learner saw. Recording the same version twice
    (a double submit) keeps the first copy."""
    with transaction.atomic():
        number = Question.objects.filter(pk=question.pk).values_list("version", flat=True).get()
        _, created = QuestionVersion.objects.get_or_create(
            question=question,
            number=number,
            defaults={"content": before, "replaced_by": user if user and user.pk else None},
        )
        if created:
            Question.objects.filter(pk=question.pk).update(version=F("version") + 1)
        question.refresh_from_db(fields=["version"])
    return question


# --- The plan --------------------------------------------------------------------------------------

@dataclass
class Counts:
    """What a plan does to one sort of item (sections, questions, flashcards, notes)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    rejected: int = 0

    def __str__(self):  # load_content's wording
        return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.withdrawn} withdrawn")


_COUNTED = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", WITHDRAW: "withdrawn",
            REJECT: "rejected"}
ITEM_LABELS = {"question": gettext_lazy("question"), "flashcard": gettext_lazy("flashcard"),
               "notes": gettext_lazy("study notes"), "section": gettext_lazy("section")}


@dataclass
class Cut:
    """What sanitizing leaves out of one Markdown field of an item, wherever it is shown: the import lists it
    as a warning, the admin's form says it in its own words."""

    item: str  # question | flashcard
    key: str
    field: str  # the model field's name
    removed: list


@dataclass
class PlanRow:
    item: str  # section | question | flashcard | notes (what the row writes; `kind` is a quiz's)
    key: str
    section: str
    action: str
    summary: str
    line: int
    reason: str = ""  # lazy: translated when shown
    new_version: bool = False
    section_title: str = ""  # what teachers call the section (`section` is its key)
    spec: object = field(default=None, repr=False, compare=False)  # what applying writes
    target: int | None = field(default=None, repr=False, compare=False)  # the pk of the item updated

    @property
    def item_label(self):
        return ITEM_LABELS.get(self.item, self.item)

    @property
    def kind_label(self):
        """What the row is, as a teacher names it: a question's type (single choice, fill in...), else the
        item (flashcard, notes)."""
        qtype = getattr(self.spec, "type", "")
        if self.item == "question" and question_types.exists(qtype):
            return question_types.get(qtype).label
        return self.item_label


@dataclass
class BankPlan:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # rules.Problem: any of them and nothing is written
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    cuts: list = field(default_factory=list)  # Cut: what sanitizing leaves out (also in `warnings`)
    origin: str = Origin.AUTHORED  # content files own their rows (origin CONTENT) and may withdraw them
    draft: bool = False
    titles: dict = field(default_factory=dict)  # question key -> title (GIFT ::title::)
    # Filled in by plan_apply: the rows written, for the admin log.
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

    def tally(self, item: str) -> Counts:
        counts = Counts()
        for row in self.rows:
            if row.item == item:
                name = _COUNTED[row.action]
                setattr(counts, name, getattr(counts, name) + 1)
        return counts


def summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:79] + "…"


def _card_content(card) -> dict:
    return {"section": card.section.key, "front": card.front, "back": card.back, "hint": card.hint,
            "status": card.status}


def _differs(item: str, have: dict, wanted: dict):
    """Why an existing question or flashcard is not overwritten without "update": when only its status
    differs (a file imported once as draft, now without), say so, rather than "differs"."""
    if {**have, "status": None} == {**wanted, "status": None}:
        text = (gettext_lazy("a question with this key has the same content but its status is {status}; "
                             "import with update to change it") if item == "question" else
                gettext_lazy("a flashcard with this key has the same content but its status is {status}; "
                             "import with update to change it"))
        return format_lazy(text, status=Status(have["status"]).label)
    if item == "question":
        return gettext_lazy("a question with this key exists and differs; import with update")
    return gettext_lazy("a flashcard with this key exists and differs; import with update")


MARKDOWN_FIELDS = {"question": (Question, ("prompt", "explanation")),
                   "flashcard": (Flashcard, ("front", "back"))}


def sanitizing_cuts(questions, flashcards) -> list:
    """What sanitizing will leave out of the Markdown wherever it is shown: the item is written as typed, and
    the teacher is told what learners will not see."""
    cuts = []
    for item, specs in (("question", questions), ("flashcard", flashcards)):
        for spec in specs:
            for name in MARKDOWN_FIELDS[item][1]:
                removed = removed_by_sanitizing(getattr(spec, name) or "")
                if removed:
                    cuts.append(Cut(item, spec.key, name, removed))
    return cuts


def sanitizing_warnings(cuts, lines: dict) -> list:
    """The cuts as an import lists them, on the item's line."""
    return [
        Problem(lines.get((cut.item, cut.key), 1), message(
            gettext_lazy("%(key)s: its %(field)s has content that is not allowed and is left out "
                         "wherever it is shown: %(removed)s"),
            key=cut.key, field=MARKDOWN_FIELDS[cut.item][0]._meta.get_field(cut.field).verbose_name,
            removed=", ".join(cut.removed)))
        for cut in cuts
    ]


def bank_plan(*, questions=(), flashcards=(), notes=None, sections=None, titles=None, lines=None,
              update: bool, draft: bool = False, origin: str = Origin.AUTHORED, withdraw=False,
              renamed=None, problems=(), skipped=(), warnings=()) -> BankPlan:
    """What writing these specs would do, row by row, against the database as it is now; writes nothing.

    `sections` (key -> SectionSpec, parents first) are created or updated as the section map says (content
    files only). `notes` (leaf key -> text) replace a section's study notes. `update`: an existing item that
    differs is updated (else rejected, with the reason). `draft`: everything is written as a draft.
    `origin` CONTENT: the content files own what they write (an authored item they name becomes theirs).
    `withdraw`: content items whose keys the specs do not name are withdrawn (unpublished, never deleted:
    learners' history points at them): True for every section, or a set of the leaf keys the files cover.
    `renamed` (spec key -> the key its question or flashcard has now): the admin's change form may change a
    key; that item is updated, key and all, instead of a new one created.
    With `problems`, nothing is compared: the plan only reports them."""
    lines = lines or {}
    plan = BankPlan(problems=list(problems), skipped=list(skipped), warnings=list(warnings), origin=origin,
                    draft=draft, titles=dict(titles or {}))
    if plan.problems:
        return plan
    owned = origin == Origin.CONTENT
    plan.cuts = sanitizing_cuts(questions, flashcards)
    plan.warnings += sanitizing_warnings(plan.cuts, lines)
    if sections:
        _plan_sections(plan, sections)

    renamed = renamed or {}
    keys = [renamed.get(s.key, s.key) for s in questions]
    existing = {q.key: q for q in with_answer_rows(Question.objects.filter(key__in=keys))}
    for spec in questions:
        row = PlanRow("question", spec.key, spec.section, CREATE, summary(spec.prompt),
                      lines.get(("question", spec.key), 1), spec=spec)
        question = existing.get(renamed.get(spec.key, spec.key))
        if question is not None:
            row.target = question.pk
            have, wanted = question_content(question), _wanted(spec, draft)
            # The title is compared with the content (the messages below speak of both together).
            have["title"], wanted["title"] = question.title, plan.titles.get(spec.key, question.title)
            if question.key != spec.key:
                have["key"], wanted["key"] = question.key, spec.key
            if owned:
                have["origin"], wanted["origin"] = question.origin, origin
            _decide(row, have, wanted, update)
            row.new_version = row.action == UPDATE and what_is_asked(have) != what_is_asked(wanted)
        plan.rows.append(row)

    cards = {c.key: c for c in Flashcard.objects.filter(key__in=[renamed.get(s.key, s.key) for s in flashcards])
             .select_related("section")}
    for spec in flashcards:
        row = PlanRow("flashcard", spec.key, spec.section, CREATE, summary(spec.front),
                      lines.get(("flashcard", spec.key), 1), spec=spec)
        card = cards.get(renamed.get(spec.key, spec.key))
        if card is not None:
            row.target = card.pk
            have, wanted = _card_content(card), _wanted(spec, draft)
            if card.key != spec.key:
                have["key"], wanted["key"] = card.key, spec.key
            if owned:
                have["origin"], wanted["origin"] = card.origin, origin
            _decide(row, have, wanted, update)
        plan.rows.append(row)

    notes = notes or {}
    have_notes = dict(Section.objects.filter(key__in=list(notes)).values_list("key", "notes"))
    for leaf, text in notes.items():
        row = PlanRow("notes", leaf, leaf, UPDATE, summary(text), lines.get(("section", leaf), 1), spec=text)
        if have_notes.get(leaf, "") == text:
            row.action = UNCHANGED
        elif have_notes.get(leaf) and not update:
            row.action = REJECT
            row.reason = gettext_lazy("the section already has other notes; import with update")
        plan.rows.append(row)

    if withdraw:
        scope = {} if withdraw is True else {"section__key__in": withdraw}
        for item, model, specs in (("question", Question, questions), ("flashcard", Flashcard, flashcards)):
            gone = (model.objects.filter(origin=Origin.CONTENT, status=Status.PUBLISHED, **scope)
                    .exclude(key__in=[s.key for s in specs]).values_list("key", "section__key"))
            plan.rows += [PlanRow(item, key, section, WITHDRAW, "", 1) for key, section in gone]

    titles = dict(Section.objects.filter(key__in={r.section for r in plan.rows}).values_list("key", "title"))
    for row in plan.rows:
        row.section_title = titles.get(row.section, "")
    return plan


def _wanted(spec, draft: bool) -> dict:
    content = spec.content()
    content["status"] = Status.DRAFT if draft else spec.status
    for rows in question_types.answer_row_sets():  # as question_content reads them: tuples, not lists
        if rows.field in content:  # a question's rows; a flashcard has none
            content[rows.field] = rows.normalised(content[rows.field])
    return content


def _decide(row: PlanRow, have: dict, wanted: dict, update: bool) -> None:
    if have == wanted:
        row.action = UNCHANGED
    elif update:
        row.action = UPDATE
    else:
        row.action, row.reason = REJECT, _differs(row.item, have, wanted)


def _plan_sections(plan: BankPlan, sections: dict) -> None:
    rows = {s.key: s for s in Section.objects.select_related("parent")}
    for spec in sections.values():
        section = rows.get(spec.key)
        row = PlanRow("section", spec.key, spec.key, CREATE, spec.title, 1, spec=spec)
        if section is not None:
            notes = spec.notes if spec.notes is not None else section.notes
            parent = section.parent.key if section.parent_id else None
            have = (section.title, parent, section.order, section.notes)
            row.action = UNCHANGED if have == (spec.title, spec.parent, spec.order, notes) else UPDATE
        plan.rows.append(row)


# --- Applying ------------------------------------------------------------------------------------

def _assign(row, fields: dict):
    """Write changed fields onto an existing question, flashcard or section."""
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def plan_apply(plan: BankPlan, *, user=None) -> BankPlan:
    """Write what `plan` says, in one transaction: every row or none. `user` is who made new versions (kept
    with them); none for content files. A plan with problems writes nothing."""
    if plan.problems:
        return plan
    with transaction.atomic():
        _apply(plan, user)
    return plan


def _apply(plan: BankPlan, user) -> None:
    owned = plan.origin == Origin.CONTENT
    by_key = {s.key: s for s in Section.objects.all()}
    for row in plan.rows:
        if row.item != "section" or row.action == UNCHANGED:
            continue
        spec, section = row.spec, by_key.get(row.key)  # the map lists parents before their children
        fields = dict(title=spec.title, parent=by_key[spec.parent] if spec.parent else None, order=spec.order)
        if spec.notes is not None:
            fields["notes"] = spec.notes
        if section is None:
            by_key[spec.key] = Section.objects.create(key=spec.key, **fields)
        else:
            _assign(section, fields)

    updating = [r.target for r in plan.rows if r.item == "question" and r.action == UPDATE]
    # Locked (in pk order, so two writers never wait on each other crosswise) and read as they are now.
    locked = Question.objects.select_for_update(of=("self",)).filter(pk__in=updating).order_by("pk")
    questions = {q.pk: q for q in with_answer_rows(locked)}
    for row in plan.rows:
        if row.item != "question" or row.action not in (CREATE, UPDATE):
            continue
        spec = row.spec
        fields = dict(key=spec.key, section=by_key[spec.section], type=spec.type, prompt=spec.prompt,
                      explanation=spec.explanation, difficulty=spec.difficulty, tags=spec.tags,
                      status=Status.DRAFT if plan.draft else spec.status)
        if spec.key in plan.titles:
            fields["title"] = plan.titles[spec.key]
        if row.action == CREATE:
            question = Question.objects.create(origin=plan.origin, **fields)
            plan.created_questions.append(question)
        else:
            question = questions.get(row.target)
            if question is None:
                raise WriteConflict(row.key)
            before = question_content(question)
            # Against what the question holds now, not what it held when the plan was made.
            row.new_version = what_is_asked(before) != what_is_asked(_wanted(spec, plan.draft))
            if owned:
                fields["origin"] = plan.origin
            _assign(question, fields)
            plan.updated_questions.append(question)
            if not row.new_version:
                continue
            # The old version is kept for the answers given to it, before its rows are replaced.
            question_revise(question=question, before=before, user=user)
        write_answer_rows(question, **spec.rows())

    updating = [r.target for r in plan.rows if r.item == "flashcard" and r.action == UPDATE]
    cards = {c.pk: c for c in Flashcard.objects.select_for_update(of=("self",)).filter(pk__in=updating)
             .order_by("pk")}
    for row in plan.rows:
        if row.item != "flashcard" or row.action not in (CREATE, UPDATE):
            continue
        spec = row.spec
        fields = dict(section=by_key[spec.section], front=spec.front, back=spec.back, hint=spec.hint,
                      status=Status.DRAFT if plan.draft else spec.status)
        if row.action == CREATE:
            plan.created_cards.append(Flashcard.objects.create(key=spec.key, origin=plan.origin, **fields))
        else:
            card = cards.get(row.target)
            if card is None:
                raise WriteConflict(row.key)
            if owned:
                fields["origin"] = plan.origin
            plan.updated_cards.append(_assign(card, {"key": spec.key, **fields}))

    for row in plan.rows:
        if row.item == "notes" and row.action == UPDATE:
            Section.objects.filter(key=row.key).update(notes=row.spec)

    for item, model in (("question", Question), ("flashcard", Flashcard)):
        gone = [r.key for r in plan.rows if r.item == item and r.action == WITHDRAW]
        if gone:
            model.objects.filter(key__in=gone).update(status=Status.DRAFT)


# --- Content files ---------------------------------------------------------------------------------

@dataclass
class LoadReport:
    sections: Counts
    questions: Counts
    flashcards: Counts


def bank_load(bank: Bank) -> LoadReport:
    """Write a checked bank of content/ files (`loading.read_bank`): sections as the map says, questions and
    flashcards created or updated by key and owned by the files, and the content items whose keys left the
    files withdrawn (from every section when every file was read, else from the leaves the files cover).
    Planned and applied in one transaction, so the plan is the database's state when it is written."""
    with transaction.atomic():
        plan = bank_plan(sections=bank.sections, questions=bank.questions, flashcards=bank.flashcards,
                         update=True, origin=Origin.CONTENT,
                         withdraw=True if bank.complete else set(bank.covered_leaves))
        plan_apply(plan)
    return LoadReport(plan.tally("section"), plan.tally("question"), plan.tally("flashcard"))
