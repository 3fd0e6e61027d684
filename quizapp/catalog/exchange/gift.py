"""Moodle GIFT, read and written.

Reading follows Moodle's format (docs.moodle.org/en/GIFT_format): questions are separated by blank lines;
`// comment` lines are ignored; `$CATEGORY: path` chooses the section of the questions after it (the
last part of the path names a section by key or title); `::title::`, `[markdown]` (or another format tag),
and one `{...}` answer block per question, with `\\~ \\= \\# \\{ \\} \\: \\\\` and `\\n` escapes.

  {=right ~wrong ~wrong}            single choice (one `=`)
  {~%50%a ~%50%b ~%-100%c}          multiple choice: answers with a positive weight are right
  {T} {TRUE} {F} {FALSE}            true/false
  {=answer =other form}             short answer: becomes fill-in with the accepted forms
  {=left -> right ...}              matching
  {#3.14} {#1945:2} {#1..3} {#=1 =2} numerical
  text {...} more text              the answer block in the middle is the blank (`____`)
  text {=answer}                    a short answer's block at the end is its blank too (`text ____`, noted)
  #feedback after an answer, ####general feedback at the end of the block: they become the explanation

Essays (`{}`) and descriptions (no answer block) are skipped, with their line. Which question type a block
becomes, and how its answers are read, is the types' (`Type.gift_read`, `Type.gift_body` in question_types).

A `::title::` names the question's key, as Moodle's question name names its question: an exported key is
kept; other titles become `<section>-<slug>` (an ASCII title) or `<section>-<slug of its ASCII part>-g<8 hex
digits of the title>` (a title in Chinese: there is no pinyin here); without a title, `<section>-g<8 hex
digits of the text>`. A key is made unique within the section (`-2`, `-3`...): two questions of the file never
share one, nor does a question take the key of another question of the bank with another title. A question
imported before titles named keys (its key `<section>-g<digest of the title>`) keeps its key.
"""

import hashlib
import re
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from quizapp.catalog import question_types
from quizapp.catalog.loading import QuestionSpec
from quizapp.catalog.models import Question, Status
from quizapp.catalog.rules import BLANK, KEY_LENGTH, KEY_PATTERN, message

from . import ImportFile, Problem, chosen_section_problem, find_section, item_key, leaf_problem

SPECIAL = set("~=#{}:\\")
FORMAT_TAGS = {"markdown", "html", "plain", "moodle"}
WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
CATEGORY_ROOTS = {"$course$", "$system$", "$module$", "$coursecategory$", "top"}
TITLE_LENGTH = Question._meta.get_field("title").max_length
STARTS = {
    "=~": _("each answer starts with '=' (right) or '~' (wrong): put one before '%(found)s', or write \\= or "
            "\\~ for a literal one"),
    "=": _("each answer starts with '=': put one before '%(found)s'"),
}


def _slug(title: str) -> str:
    """The ASCII part of a title as key words: lower-case letters and digits joined by '-'."""
    return "-".join(w for w in re.split(r"[^a-z0-9]+", slugify(title)) if w)


def _digest(text: str) -> str:
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:8]


def title_key(section: str, title: str, text: str) -> str:
    """The key a question's `::title::` (or, without one, its text) names, before it is made unique: see the
    module's docstring."""
    if title and KEY_PATTERN.match(title) and title.startswith(section + "-") and len(title) <= KEY_LENGTH:
        return title
    room = KEY_LENGTH - len(section) - len("-") - len("-99")  # a suffix that makes it unique still fits
    slug = _slug(title)
    if title and title.isascii() and slug:
        return f"{section}-{slug[:room].strip('-')}"
    marker = f"g{_digest(title or text)}"
    slug = slug[: room - len(marker) - 1].strip("-")
    return f"{section}-{slug}-{marker}" if slug else f"{section}-{marker}"


class _Marked:
    """A question's text with escapes resolved, remembering which characters were escaped (and so are
    never syntax) and the line each character came from."""

    def __init__(self, numbered_lines):
        self.chars, self.escaped, self.lines = [], [], []
        for n, (lineno, line) in enumerate(numbered_lines):
            if n:
                self._add("\n", False, lineno - 1)
            i = 0
            while i < len(line):
                c = line[i]
                if c == "\\" and i + 1 < len(line) and (line[i + 1] in SPECIAL or line[i + 1] == "n"):
                    self._add("\n" if line[i + 1] == "n" else line[i + 1], True, lineno)
                    i += 2
                else:
                    self._add(c, False, lineno)
                    i += 1

    def _add(self, c, escaped, line):
        self.chars.append(c)
        self.escaped.append(escaped)
        self.lines.append(line)

    def __len__(self):
        return len(self.chars)

    def find(self, needle: str, start: int = 0, end: int | None = None) -> int:
        end = len(self.chars) if end is None else end
        for i in range(start, end - len(needle) + 1):
            if all(self.chars[i + k] == ch and not self.escaped[i + k] for k, ch in enumerate(needle)):
                return i
        return -1

    def find_any(self, needles: str, start: int, end: int) -> int:
        for i in range(start, end):
            if self.chars[i] in needles and not self.escaped[i]:
                return i
        return -1

    def text(self, start: int, end: int) -> str:
        return "".join(self.chars[start:end])

    def line(self, i: int) -> int:
        return self.lines[min(max(i, 0), len(self.lines) - 1)]

    def skip_space(self, i: int, end: int | None = None) -> int:
        end = len(self.chars) if end is None else end
        while i < end and self.chars[i].isspace():
            i += 1
        return i


def _blocks(text: str):
    """Split a GIFT file into blocks of numbered lines (blank lines separate questions)."""
    block = []
    for lineno, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if line.lstrip().startswith("//"):
            continue
        if line.strip():
            block.append((lineno, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


class _Reader:
    def __init__(self, sections: dict, default_section: str | None, keys: dict):
        self.sections = sections
        self.result = ImportFile()
        self.section = default_section
        self.default_section = default_section
        self.keys = keys  # the bank's question keys -> their titles

    def problem(self, line, message):
        self.result.problems.append(Problem(line, message))

    def read(self, text: str) -> ImportFile:
        wrong = chosen_section_problem(self.sections, self.default_section)
        if wrong:
            self.result.problems.append(wrong)
            self.section = None
        for block in _blocks(text):
            first_line, first = block[0]
            if first.lstrip().upper().startswith("$CATEGORY:"):
                self.category(first_line, first.split(":", 1)[1])
                block = block[1:]
                if not block:
                    continue
            self.question(block)
        return self.result

    def category(self, line, path):
        parts = [
            p.strip()
            for p in path.strip().split("/")
            if p.strip() and p.strip().lower() not in CATEGORY_ROOTS
        ]
        name = parts[-1] if parts else ""
        key = find_section(self.sections, name) if name else None
        wrong = leaf_problem(self.sections, key) if key else None
        if key and not wrong:
            self.section = key
        elif self.default_section and not leaf_problem(self.sections, self.default_section):
            self.section = self.default_section
            self.result.warnings.append(
                Problem(
                    line,
                    message(
                        _("category '%(category)s' is not a section here: its questions go to '%(section)s'"),
                        category=path.strip(),
                        section=self.default_section,
                    ),
                )
            )
        else:
            self.problem(
                line,
                wrong
                or message(
                    _(
                        "category '%(category)s' names no section (give a section key or title, or choose a "
                        "section for the import)"
                    ),
                    category=path.strip(),
                ),
            )
            self.section = ""  # reported once; the questions under it are not imported

    def question(self, block):
        start = block[0][0]
        m = _Marked(block)
        pos = m.skip_space(0)
        title = ""
        if m.find("::", pos, pos + 2) == pos:
            close = m.find("::", pos + 2)
            if close < 0:
                self.problem(start, _("the title opened with '::' is never closed: end it with '::' (write \\: "
                                      "for a literal colon)"))
                return
            title = " ".join(m.text(pos + 2, close).split())
            pos = m.skip_space(close + 2)
        if pos < len(m) and m.chars[pos] == "[" and not m.escaped[pos]:
            close = m.find("]", pos)
            if close > 0 and m.text(pos + 1, close).strip().lower() in FORMAT_TAGS:
                pos = close + 1
        opening = m.find("{", pos)
        stray = m.find("}", pos, opening if opening >= 0 else None)
        if stray >= 0:
            self.problem(m.line(stray), _("'}' without an opening '{' (write \\} for a literal brace)"))
            return
        if opening < 0:
            self.result.skipped.append(
                Problem(start, _("a description (text without an answer block) is not a question; skipped"))
            )
            return
        close = m.find("}", opening + 1)
        inner_open = m.find("{", opening + 1, close if close >= 0 else None)
        if close < 0:
            self.problem(m.line(opening), _("the answer block opened with '{' is never closed: end it with '}' "
                                            "(a blank line inside a question ends the question)"))
            return
        if inner_open >= 0:
            self.problem(m.line(inner_open), _("'{' inside an answer block (write \\{ for a literal brace)"))
            return
        extra = m.find_any("{}", close + 1, len(m))
        if extra >= 0:
            self.second_block(m, close, extra)
            return
        before, after = m.text(pos, opening), m.text(close + 1, len(m))
        prompt = (before + BLANK + after).strip() if after.strip() else before.strip()
        if not prompt:
            self.problem(start, _("the question has no text: write it before its answer block"))
            return
        spec = self.answers(m, opening + 1, close, start, prompt)
        if spec is None:
            return
        qtype = question_types.get(spec.type)
        adjusted = qtype.gift_adjust(spec)
        if adjusted:
            self.result.warnings.append(Problem(start, adjusted))
        problems = qtype.problems(spec)
        if len(title) > TITLE_LENGTH:
            problems.append(message(_("the title may be at most %(max)d characters long (has %(n)d): shorten it"),
                                    max=TITLE_LENGTH, n=len(title)))
        for problem in problems:
            self.problem(start, problem)
        if self.section is None:
            self.problem(
                start, _("no section: choose one for the import (--section) or add a $CATEGORY line")
            )
            return
        if problems or not self.section:
            return
        spec.section = self.section
        # A question imported before titles named keys has the digest key: importing its file again finds it.
        before = item_key(self.section, "g", title, prompt)
        if title and self.keys.get(before) == title and ("question", before) not in self.result.lines:
            spec.key = before
        else:
            spec.key = self.unique_key(title_key(self.section, title, prompt), title)
        if self.result.add_key("question", spec.key, start):
            self.result.questions.append(spec)
            self.result.titles[spec.key] = title

    def unique_key(self, key: str, title: str) -> str:
        """`key`, or `key-2`, `key-3`... when another question of the file has it, or a question of the bank
        with another title (a question imported before under this title keeps its key, so importing a
        file again updates in place). A title that is an exported key is that key, taken or not."""
        if KEY_PATTERN.match(title) and key == title:
            return key
        candidate, n = key, 1
        while ("question", candidate) in self.result.lines or self.keys.get(candidate, title) != title:
            n += 1
            candidate = f"{key}-{n}"
        return candidate

    def second_block(self, m, close, extra):
        """A second answer block: most often the next question, with no blank line before it. Say where it
        starts (the line after the first block's, or the second block's own line)."""
        text_at = m.skip_space(close + 1, extra)
        if m.line(text_at) > m.line(close) or m.line(extra) > m.line(close):
            starts = m.line(text_at) if m.line(text_at) > m.line(close) else m.line(extra)
            self.problem(starts, message(
                _("start each question after a blank line (the question before ends with its answer block on "
                  "line %(line)d)"), line=m.line(close)))
        else:
            self.problem(m.line(extra), _("a question has one answer block; this is a second one on the same "
                                          "line: write \\{ and \\} for literal braces"))

    def answers(self, m, start, end, line, prompt):
        """Read an answer block into a QuestionSpec, or report why not (None)."""
        general = ""
        cut = m.find("####", start, end)
        if cut >= 0:
            general = m.text(cut + 4, end).strip()
            end = cut
        body = m.text(start, end).strip()
        spec = QuestionSpec(
            key="",
            section=self.section,
            type="",
            prompt=prompt,
            explanation="",
            difficulty=3,
            tags=[],
            status=Status.PUBLISHED,
        )
        if not body:
            self.result.skipped.append(
                Problem(line, _("an essay question (empty answer block) is not supported; skipped"))
            )
            return None
        block = _Block(self, m, start, end, line, spec)
        # Each type that reads GIFT looks at the block in turn; the first that claims it reads it.
        for qtype in question_types.gift_readers():
            claimed = qtype.gift_read(block)
            if claimed is False:
                return None
            if claimed:
                break
        else:
            return None
        parts = [general] if general else []
        if block.feedback:
            parts.append("\n".join(f"- {text}" for text in block.feedback))
        spec.explanation = "\n\n".join(parts)
        return spec

    def split(self, m, start, end, line, markers="=~"):
        """[(marker, weight or None, text, feedback)] for each answer of a block; None after a problem."""
        first = m.skip_space(start, end)
        if first < end and (m.chars[first] not in markers or m.escaped[first]):
            upto = m.find_any(markers, first + 1, end)  # the answer without its marker: up to the next one
            found = m.text(first, min(upto if upto >= 0 else end, first + 20)).strip()
            self.problem(m.line(first), message(STARTS[markers], found=found))
            return None
        answers, i = [], first
        while i < end:
            nxt = m.find_any(markers, i + 1, end)
            stop = nxt if nxt >= 0 else end
            hash_at = m.find("#", i + 1, stop)
            text = m.text(i + 1, hash_at if hash_at >= 0 else stop)
            fb = m.text(hash_at + 1, stop).strip() if hash_at >= 0 else ""
            weight = None
            found = WEIGHT.match(text)
            if found:
                weight = Decimal(found.group(1))
                text = text[found.end() :]
            answers.append((m.chars[i], weight, text.strip(), fb))
            i = stop
        if any(not text for _, _, text, _ in answers):
            self.problem(line, _("an answer has no text: write it after its '=' or '~', or remove the marker"))
            return None
        return answers


class _Block:
    """One answer block (between `{` and `}`, general feedback cut off) as the question types read it:
    `marked` text from `first` (its first non-space character) to `end`, the `spec` a type fills in, and the
    per-answer `feedback` that becomes the explanation."""

    def __init__(self, reader, marked, start, end, line, spec):
        self.reader, self.marked, self.end, self.line, self.spec = reader, marked, end, line, spec
        self.first = marked.skip_space(start, end)
        self.feedback = []
        self._listed = ...

    @property
    def numeric(self) -> bool:
        """The block starts with '#': a numerical answer."""
        return self.marked.chars[self.first] == "#" and not self.marked.escaped[self.first]

    def split(self, start, markers="=~"):
        return self.reader.split(self.marked, start, self.end, self.line, markers)

    def listed(self):
        """The answers of a `{=a ~b}` block (see `_Reader.split`), read once; their feedback is kept."""
        if self._listed is ...:
            self._listed = self.split(self.first)
            for _marker, _weight, text, fb in self._listed or ():
                if fb:
                    self.feedback.append(f"{text}: {fb}")
        return self._listed

    def problem(self, message):
        self.reader.problem(self.line, message)

    def warning(self, message):
        self.reader.result.warnings.append(Problem(self.line, message))


def read_gift(text: str, *, sections: dict, section: str | None = None, keys: dict | None = None) -> ImportFile:
    """Read a GIFT file against the site's sections (key -> SectionSpec); `section` is the default; `keys`
    (question key -> title) the bank's questions, so a title's key does not take another question's."""
    return _Reader(sections, section, keys or {}).read(text)


# --- Writing -------------------------------------------------------------------------------------


def escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\\", "\\\\")
    for c in "~=#{}:":
        text = text.replace(c, "\\" + c)
    return text.replace("\n", "\\n")


def write_question(key: str, content: dict) -> str | None:
    """One question as GIFT, or None for a type GIFT cannot express (ordering)."""
    body = question_types.get(content["type"]).gift_body(content, escape)
    if body is None:
        return None
    if content["explanation"]:
        body.append(f"####{escape(content['explanation'])}")
    lines = "\n".join(f"    {line}" for line in body)
    return f"::{escape(key)}::[markdown]{escape(content['prompt'])}{{\n{lines}\n}}\n"


def write_gift(items) -> tuple[str, list[str]]:
    """`items`: (key, question_content) in section order. Returns the text and the keys skipped."""
    out, skipped, section = [], [], None
    for key, content in items:
        if content["section"] != section:
            section = content["section"]
            out.append(f"$CATEGORY: {section}\n")
        text = write_question(key, content)
        if text is None:
            skipped.append(key)
            out.append(f"// {key}: {content['type']} questions have no GIFT form; skipped\n")
        else:
            out.append(text)
    return "\n".join(out), skipped
