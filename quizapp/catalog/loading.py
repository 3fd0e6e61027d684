"""Loading the question banks in content/ (format: content/README.md).

Two phases, so a bad file never half-loads: `read_bank` parses and checks every file and collects every
problem as `file:line: message`; only a bank with no problem reaches `pipeline.bank_load`, the bank's one
write path (plan, then apply in one transaction, as imports and the admin write). What a question must be
is `rules`' (the same rules as the admin's and every importer's); this module checks the file's structure
around them. Messages are lazy (`rules.message`): the admin's YAML
import shows them in the teacher's language.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import question_types, rules
from .models import Question, Section, Status
from .rules import KEY_PATTERN, Problem, message

SECTION_MAP = "sections.yaml"
SECTION_KEY_LENGTH = Section._meta.get_field("key").max_length

QUESTION_COMMON = {"key", "type", "difficulty", "prompt", "explanation", "tags", "status"}
FLASHCARD_FIELDS = {"key", "front", "back", "hint", "status"}
NOT_IN_MAP = _("unknown section '%(key)s' (not in %(map)s)")
DUPLICATE_KEY = {
    "question": _("duplicate question key '%(key)s' (first at %(first)s)"),
    "flashcard": _("duplicate flashcard key '%(key)s' (first at %(first)s)"),
}


# --- YAML with line numbers ----------------------------------------------------------------------

class LineDict(dict):
    """A mapping that remembers the line it started on and the line of each of its keys."""

    line = 0
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            loader.duplicate_keys.append((line, key))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class BankError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _parse(path: Path, problems: list):
    loader = _LineLoader(path.read_text(encoding="utf-8"))
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        error = str(getattr(exc, "problem", None) or exc)
        problems.append(Problem(line, message(_("YAML syntax error: %(error)s"), error=error),
                                path=str(path)))
        return None
    # PyYAML builds nested values recursively and reads integers with int(): a file nested thousands of
    # levels deep, or a number of thousands of digits (past Python's limit on int() of a string), would
    # otherwise end the command with a traceback or the admin import with a 500. No bank needs either.
    except RecursionError:
        problems.append(Problem(1, _("the YAML is nested too deeply to be a bank file"), path=str(path)))
        return None
    except ValueError as exc:  # also an impossible date (2024-13-45); the advice after ';' is Python's own
        error = str(exc).split(";")[0]
        problems.append(Problem(1, message(_("a number or date cannot be read: %(error)s"), error=error),
                                path=str(path)))
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicate_keys:
        problems.append(Problem(line, message(_("field '%(field)s' is given twice"), field=key),
                                path=str(path)))
    if data is None:  # no text, only comments, or a bare `~`: an empty file used to load as "nothing to do"
        problems.append(Problem(1, _("the file is empty"), path=str(path)))
    return data


# --- What a bank is, once read ---------------------------------------------------------------------

@dataclass
class SectionSpec:
    key: str
    title: str
    parent: str | None
    order: int
    notes: str | None = None  # None: the banks say nothing, keep what the database has


@dataclass
class QuestionSpec:
    """A question as a file describes it. Its answer rows are attributes named by their Rows' field
    (`choices` [(text, correct)], `answers`, `items`, `pairs` [(left, right)], ...: question_types.row_fields()),
    each an empty list until the question's type reads it."""

    key: str
    section: str
    type: str
    prompt: str
    explanation: str
    difficulty: int
    tags: list
    status: str

    def __getattr__(self, name):
        if name in question_types.row_fields():
            rows = []
            setattr(self, name, rows)
            return rows
        raise AttributeError(name)

    @classmethod
    def build(cls, **fields) -> "QuestionSpec":
        """A spec from a question's content (`question_content`): the common fields and its answer rows."""
        rows = {name: fields.pop(name) for name in question_types.row_fields() if name in fields}
        spec = cls(**fields)
        for name, value in rows.items():
            setattr(spec, name, list(value))
        return spec

    def rows(self) -> dict:
        return {field: getattr(self, field) for field in question_types.row_fields()}

    def content(self) -> dict:
        return {
            "section": self.section, "type": self.type, "prompt": self.prompt,
            "explanation": self.explanation, "difficulty": self.difficulty, "tags": self.tags,
            "status": self.status, **self.rows(),
        }


@dataclass
class FlashcardSpec:
    key: str
    section: str
    front: str
    back: str
    hint: str
    status: str

    def content(self) -> dict:
        return {"section": self.section, "front": self.front, "back": self.back, "hint": self.hint,
                "status": self.status}


@dataclass
class Bank:
    sections: dict  # key -> SectionSpec, every section of the map
    questions: list
    flashcards: list
    covered_leaves: set  # the leaves the loaded bank files speak for
    complete: bool  # True when every bank file was loaded: withdrawal may look at every section


# --- Reading and checking ------------------------------------------------------------------------

class _Checker:
    def __init__(self, path: Path, problems: list):
        self.path = str(path)
        self.problems = problems

    def problem(self, line, message):
        self.problems.append(Problem(line or 1, message, path=self.path))

    def text(self, mapping, name, line, required=True):
        value = mapping.get(name)
        line = mapping.key_lines.get(name, line) if isinstance(mapping, LineDict) else line
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(line, message(_("'%(field)s' is missing"), field=name))
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(line, message(_("'%(field)s' must be text (quote it)"), field=name))
            return ""
        return str(value).strip()

    def unknown_fields(self, mapping, allowed, what):
        for name in mapping:
            if name not in allowed:
                self.problem(
                    mapping.key_lines.get(name, mapping.line),
                    message(_("unknown field '%(field)s' in %(what)s"), field=name, what=what),
                )

    def mapping(self, value, line, what):
        if not isinstance(value, LineDict):
            self.problem(line, message(_("%(what)s must be a mapping of fields"), what=what))
            return None
        return value

    def sequence(self, mapping, name, what):
        value = mapping.get(name)
        line = mapping.key_lines.get(name, mapping.line)
        if value is None:
            return [], line
        if not isinstance(value, list):
            self.problem(line, message(_("'%(field)s' of %(what)s must be a list"), field=name, what=what))
            return [], line
        return value, line


def read_section_map(path: Path, problems: list) -> dict:
    data = _parse(path, problems)
    check = _Checker(path, problems)
    sections: dict = {}
    if data is None:
        return sections
    if not isinstance(data, list):
        check.problem(1, _("the section map must be a list of sections"))
        return sections

    def walk(items, parent, line):
        if not isinstance(items, list):
            check.problem(line, _("'children' must be a list of sections"))
            return
        for item in items:
            entry = check.mapping(item, line, _("a section"))
            if entry is None:
                continue
            check.unknown_fields(entry, {"key", "title", "children"}, _("a section"))
            key = check.text(entry, "key", entry.line)
            title = check.text(entry, "title", entry.line)
            if not key:
                continue
            if not KEY_PATTERN.match(key):
                check.problem(entry.line, message(
                    _("section key '%(key)s' must be lower-case words joined by '-'"), key=key))
            elif len(key) > SECTION_KEY_LENGTH:
                check.problem(entry.line, rules.key_problem(key, max_length=SECTION_KEY_LENGTH))
            if key in sections:
                check.problem(entry.line, message(_("section '%(key)s' appears twice"), key=key))
                continue
            sections[key] = SectionSpec(key=key, title=title, parent=parent, order=len(sections) + 1)
            if "children" in entry:
                walk(entry["children"], key, entry.key_lines["children"])

    walk(data, None, 1)
    return sections


# A section map read from a file is not in the database yet: these two answer, for its SectionSpecs, what
# `Section.objects.leaves_under` and `Section.top` answer for rows (the same one-level tree).

def section_leaves(sections: dict) -> set:
    """The keys of the map's leaf sections (key -> SectionSpec): those no section names as its parent."""
    parents = {s.parent for s in sections.values()}
    return {k for k in sections if k not in parents}


def section_top(sections: dict, key: str) -> str:
    """The key of the top-level section `key` belongs to (itself when it is one)."""
    while sections[key].parent:  # a map file may nest deeper than the site allows; walk it all
        key = sections[key].parent
    return key


def read_bank_file(path: Path, sections: dict, problems: list, seen: dict) -> tuple[list, list, set]:
    """Check one bank file against the section map. `seen` maps keys already read to where they were."""
    check = _Checker(path, problems)
    data = _parse(path, problems)
    questions, flashcards, covered = [], [], set()
    if data is None:
        return questions, flashcards, covered
    top = check.mapping(data, 1, _("a bank file"))
    if top is None:
        return questions, flashcards, covered
    check.unknown_fields(top, {"section", "sections"}, _("a bank file"))
    top_key = check.text(top, "section", top.line)
    if top_key and top_key not in sections:
        check.problem(top.key_lines.get("section", 1), message(NOT_IN_MAP, key=top_key, map=SECTION_MAP))
        top_key = ""
    elif top_key and sections[top_key].parent:
        check.problem(
            top.key_lines.get("section", 1), message(_("'%(key)s' is not a top-level section"), key=top_key)
        )
        top_key = ""
    leaves = section_leaves(sections)
    entries, line = check.sequence(top, "sections", _("a bank file"))
    if "sections" not in top:
        check.problem(top.line, message(_("'%(field)s' is missing"), field="sections"))
    for raw in entries:
        entry = check.mapping(raw, line, _("a section entry"))
        if entry is None:
            continue
        check.unknown_fields(entry, {"key", "notes", "questions", "flashcards"}, _("a section entry"))
        leaf = check.text(entry, "key", entry.line)
        if not leaf:
            continue
        if leaf not in sections:
            check.problem(entry.line, message(NOT_IN_MAP, key=leaf, map=SECTION_MAP))
            continue
        if leaf not in leaves:
            check.problem(entry.line, message(
                _("section '%(key)s' has subsections; questions belong to its leaves"), key=leaf))
            continue
        if top_key and section_top(sections, leaf) != top_key:
            check.problem(
                entry.line, message(_("section '%(key)s' is not under '%(top)s'"), key=leaf, top=top_key)
            )
            continue
        if ("section", leaf) in seen:
            check.problem(entry.line, message(_("section '%(key)s' is already given at %(first)s"),
                                              key=leaf, first=seen[("section", leaf)]))
            continue
        seen[("section", leaf)] = f"{path}:{entry.line}"
        covered.add(leaf)
        if "notes" in entry:
            sections[leaf].notes = check.text(entry, "notes", entry.line, required=False)
        items, qline = check.sequence(entry, "questions", message(_("section '%(key)s'"), key=leaf))
        for raw_q in items:
            q = check.mapping(raw_q, qline, _("a question"))
            if q is not None:
                spec = _read_question(check, q, leaf, seen)
                if spec:
                    questions.append(spec)
        cards, cline = check.sequence(entry, "flashcards", message(_("section '%(key)s'"), key=leaf))
        for raw_c in cards:
            c = check.mapping(raw_c, cline, _("a flashcard"))
            if c is not None:
                spec = _read_flashcard(check, c, leaf, seen)
                if spec:
                    flashcards.append(spec)
    return questions, flashcards, covered


def _read_key(check, mapping, item, seen):
    key = check.text(mapping, "key", mapping.line)
    if not key:
        return None
    wrong = rules.key_problem(key)
    if wrong:
        check.problem(mapping.line, wrong)
        return None
    where = f"{check.path}:{mapping.line}"
    if (item, key) in seen:
        check.problem(mapping.line, message(DUPLICATE_KEY[item], key=key, first=seen[(item, key)]))
        return None
    seen[(item, key)] = where
    return key


def _read_status(check, mapping):
    status = mapping.get("status", Status.PUBLISHED)
    if status not in Status.values:
        check.problem(mapping.key_lines.get("status", mapping.line),
                      _("status must be 'published' or 'draft'"))
        return Status.PUBLISHED
    return status


def _read_question(check, q, leaf, seen):
    key = _read_key(check, q, "question", seen)
    qtype = q.get("type")
    line = q.line
    if not question_types.exists(qtype):
        check.problem(q.key_lines.get("type", line),
                      message(_("type must be one of %(types)s (got %(type)s)"),
                              types=", ".join(question_types.names()), type=repr(qtype)))
        return None
    qtype = question_types.get(qtype)
    allowed = QUESTION_COMMON | qtype.yaml_fields
    for name in q:
        if name not in allowed:
            other = [t for t in question_types.all() if name in t.yaml_fields]
            problem = (
                message(_("field '%(field)s' does not belong to a %(type)s question"), field=name, type=qtype.name)
                if other
                else message(_("unknown field '%(field)s' in %(what)s"), field=name, what=_("a question"))
            )
            check.problem(q.key_lines[name], problem)
    prompt = check.text(q, "prompt", line)
    # Optional, as in the admin and in GIFT files; the shipped banks give one for every question (test_bank).
    explanation = check.text(q, "explanation", line, required=False)
    difficulty = q.get("difficulty")
    wrong = rules.difficulty_problem(difficulty)
    if wrong:
        check.problem(q.key_lines.get("difficulty", line), wrong)
        difficulty = None
    tags = q.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        check.problem(q.key_lines.get("tags", line), _("tags must be a list of words"))
        tags = []
    spec = QuestionSpec(key=key, section=leaf, type=qtype.name, prompt=prompt, explanation=explanation,
                        difficulty=difficulty, tags=tags, status=_read_status(check, q))
    before = len(check.problems)
    # The type reads its answer fields: their structure, and what makes them answerable (on the field's line).
    qtype.read_yaml(check, q, spec)
    for problem in qtype.prompt_problems(prompt):
        check.problem(q.key_lines.get("prompt", line), problem)
    if key and prompt and difficulty and len(check.problems) == before:
        return spec
    return None


def _read_flashcard(check, c, leaf, seen):
    key = _read_key(check, c, "flashcard", seen)
    check.unknown_fields(c, FLASHCARD_FIELDS, _("a flashcard"))
    front, back = check.text(c, "front", c.line), check.text(c, "back", c.line)
    hint = check.text(c, "hint", c.line, required=False)
    if key and front and back:
        return FlashcardSpec(key=key, section=leaf, front=front, back=back, hint=hint, status=_read_status(check, c))
    return None


def bank_files(paths) -> tuple[Path, list[Path], bool]:
    """Resolve command-line paths to (section map, bank files, complete?)."""
    if not paths:
        paths = [Path(settings.CONTENT_DIR)]
    section_map, files, complete = None, [], False
    for path in map(Path, paths):
        if path.is_dir():
            complete = True
            section_map = section_map or path / SECTION_MAP
            files += sorted(p for p in path.glob("*.yaml") if p.name != SECTION_MAP)
        elif path.name == SECTION_MAP:
            section_map = path
        else:
            files.append(path)
    if section_map is None:
        beside = files[0].parent / SECTION_MAP if files else None
        section_map = beside if beside and beside.exists() else Path(settings.CONTENT_DIR) / SECTION_MAP
    return section_map, files, complete


def read_bank(paths=None) -> Bank:
    """Read and check every file; raise BankError listing every problem."""
    section_map, files, complete = bank_files(paths)
    problems: list = []
    missing = [p for p in [section_map, *files] if not p.is_file()]
    if missing:
        raise BankError([Problem(1, _("no such file"), path=str(p)) for p in missing])
    sections = read_section_map(section_map, problems)
    questions, flashcards, covered, seen = [], [], set(), {}
    for path in files:
        q, c, leaves = read_bank_file(path, sections, problems, seen)
        questions += q
        flashcards += c
        covered |= leaves
    if problems:
        raise BankError(problems)
    return Bank(sections=sections, questions=questions, flashcards=flashcards,
                covered_leaves=covered, complete=complete)


# --- Rows as the database holds them ----------------------------------------------------------------
# The pipeline that writes a bank (plan, then apply) is `pipeline`; these two convert between a question's
# rows and the spec shape, for it and for the exports.

def question_content(question: Question) -> dict:
    """The same shape as QuestionSpec.content(), read from the database (prefetched rows)."""
    return {
        "section": question.section.key, "type": question.type, "prompt": question.prompt,
        "explanation": question.explanation, "difficulty": question.difficulty, "tags": question.tags,
        "status": question.status, **{rows.field: rows.read(question) for rows in question_types.answer_row_sets()},
    }


def write_answer_rows(question: Question, **values) -> None:
    """Replace a question's answer rows (when they change, `pipeline` first keeps the old version).
    `values` maps each sort of row's field to its value (QuestionSpec.rows(), a question_content's)."""
    for rows in question_types.answer_row_sets():
        getattr(question, rows.relation).all().delete()
        rows.write(question, values.get(rows.field, ()))
