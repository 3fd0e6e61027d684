"""Importing and exporting question banks: the YAML of content/, Moodle GIFT, and flashcard CSV.

Every reader turns a file's text into an `ImportFile`: the questions and flashcards it describes (as the
loader's `QuestionSpec`/`FlashcardSpec`), the problems that stop it (`line N: what is wrong`), and the
constructs it skipped. Readers never touch the database; `catalog.authoring` plans and applies imports.
Messages are lazy (`rules.message`): they come out in the language active when they are shown.
"""

import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from quizapp.catalog.loading import SectionSpec, section_leaves
from quizapp.control_characters import CONTROL as _CONTROL
from quizapp.catalog.rules import KEY_LENGTH, KEY_PATTERN, Problem, message

FORMATS = ("yaml", "gift", "csv")
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".gift": "gift", ".txt": "gift", ".csv": "csv"}


GIVEN_TWICE = {
    "question": _("question key '%(key)s' is given twice (first at line %(first)d)"),
    "flashcard": _("flashcard key '%(key)s' is given twice (first at line %(first)d)"),
}


@dataclass
class ImportFile:
    questions: list = field(default_factory=list)  # QuestionSpec
    flashcards: list = field(default_factory=list)  # FlashcardSpec
    notes: dict = field(default_factory=dict)  # leaf section key -> study notes (YAML only)
    titles: dict = field(default_factory=dict)  # question key -> title (GIFT ::title::)
    lines: dict = field(default_factory=dict)  # (item, key) -> the line the item starts on
    problems: list = field(default_factory=list)  # Problem: any of them and nothing is written
    skipped: list = field(default_factory=list)  # Problem: constructs we do not import
    warnings: list = field(default_factory=list)  # Problem: imported, but not everything was kept

    def add_key(self, item: str, key: str, line: int) -> bool:
        """Remember where a key was given; report it when the file gives it twice."""
        if (item, key) in self.lines:
            self.problems.append(
                Problem(line, message(GIVEN_TWICE[item], key=key, first=self.lines[(item, key)]))
            )
            return False
        self.lines[(item, key)] = line
        return True


class UnreadableFile(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem)  # str(exc) translates when shown


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; Windows and old Mac line endings become \\n."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFile(Problem(line, _("the file is not UTF-8 text (save it as UTF-8)"))) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # No text the site stores may hold NUL or another control character (PostgreSQL refuses NUL), the same
    # rule as for what browsers send; say where, rather than fail when the import is confirmed.
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise UnreadableFile(Problem(line, message(
            _("control character U+%(code)04X in the text (not allowed in prompts, answers or cards)"),
            code=ord(found.group()))))
    return text


def guess_format(filename: str) -> str | None:
    name = filename.lower()
    return next((fmt for ext, fmt in EXTENSIONS.items() if name.endswith(ext)), None)


def find_section(sections: dict, name: str) -> str | None:
    """A section named by its key or, failing that, by its title (case-insensitive)."""
    name = name.strip()
    if name in sections:
        return name
    folded = name.casefold()
    return next((k for k, s in sections.items() if s.title.strip().casefold() == folded), None)


def chosen_section_problem(sections: dict, key: str | None) -> Problem | None:
    """What is wrong with the section chosen for a whole import (the admin's select, `--section`), on line 1."""
    wrong = leaf_problem(sections, key) if key else None
    return Problem(1, message(_("the chosen section: %(problem)s"), problem=wrong)) if wrong else None


def leaf_problem(sections: dict, key: str):
    if key not in sections:
        return message(_("unknown section '%(key)s'"), key=key)
    if key not in section_leaves(sections):
        return message(
            _("section '%(key)s' has subsections; questions and cards belong to its leaves"), key=key
        )
    return None


def item_key(section: str, marker: str, title: str, text: str) -> str:
    """A stable key for an imported item: a title that already is a key of this section is kept (so an
    exported file re-imports in place); otherwise `<section>-<marker><8 hex digits of the title or text>`."""
    if title and KEY_PATTERN.match(title) and title.startswith(section + "-") and len(title) <= KEY_LENGTH:
        return title
    digest = hashlib.sha1((title or text).strip().encode("utf-8")).hexdigest()[:8]
    return f"{section}-{marker}{digest}"


__all__ = [
    "FORMATS",
    "ImportFile",
    "Problem",
    "SectionSpec",
    "UnreadableFile",
    "decode",
    "find_section",
    "guess_format",
    "item_key",
    "leaf_problem",
]
