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
  {#3.14} {#1945:2} {#1..3} {#=1 =2} numerical: becomes fill-in with the accepted forms
  text {...} more text              the answer block in the middle is the blank (`____`)
  text {=answer}                    a short answer's block at the end is its blank too (`text ____`, noted)
  #feedback after an answer, ####general feedback at the end of the block: they become the explanation

Essays (`{}`) and descriptions (no answer block) are skipped, with their line.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from quizapp.catalog import rules
from quizapp.catalog.loading import QuestionSpec
from quizapp.catalog.models import Question, Status
from quizapp.catalog.rules import BLANK, message

from . import ImportFile, Problem, chosen_section_problem, find_section, item_key, leaf_problem

SPECIAL = set("~=#{}:\\")
FORMAT_TAGS = {"markdown", "html", "plain", "moodle"}
WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
TRUE_FALSE = {"t": True, "true": True, "f": False, "false": False}
CATEGORY_ROOTS = {"$course$", "$system$", "$module$", "$coursecategory$", "top"}
MAX_ENUMERATED = 21  # integer ranges up to this many values become accepted answers
TITLE_LENGTH = Question._meta.get_field("title").max_length
STARTS = {
    "=~": _("each answer starts with '=' or '~' (found '%(found)s')"),
    "=": _("each answer starts with '=' (found '%(found)s')"),
}
NOT_A_NUMBER = _("'%(number)s' is not a number")


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
    def __init__(self, sections: dict, default_section: str | None):
        self.sections = sections
        self.result = ImportFile()
        self.section = default_section
        self.default_section = default_section

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
                self.problem(start, _("the title opened with '::' is never closed with '::'"))
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
            self.problem(m.line(opening), _("the answer block opened with '{' is never closed with '}'"))
            return
        if inner_open >= 0:
            self.problem(m.line(inner_open), _("'{' inside an answer block (write \\{ for a literal brace)"))
            return
        extra = m.find_any("{}", close + 1, len(m))
        if extra >= 0:
            self.problem(m.line(extra), _("a question has one answer block; this is a second one"))
            return
        before, after = m.text(pos, opening), m.text(close + 1, len(m))
        prompt = (before + BLANK + after).strip() if after.strip() else before.strip()
        if not prompt:
            self.problem(start, _("the question has no text before its answer block"))
            return
        spec = self.answers(m, opening + 1, close, start, prompt)
        if spec is None:
            return
        if spec.type == "fill" and BLANK not in spec.prompt:
            # Moodle puts the answer box where the block is; our fill-in prompts mark that place with ____.
            spec.prompt = f"{spec.prompt} {BLANK}"
            self.result.warnings.append(Problem(start, message(
                _("a fill-in question marks its blank with %(blank)s: added at the end of the question"),
                blank=BLANK)))
        problems = rules.prompt_problems(spec.type, spec.prompt) + rules.answer_problems(
            spec.type, choices=spec.choices, answers=spec.answers, items=spec.items, pairs=spec.pairs
        )
        if len(title) > TITLE_LENGTH:
            problems.append(message(_("the title may be at most %(max)d characters long (has %(n)d)"),
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
        spec.key = item_key(self.section, "g", title, prompt)
        if self.result.add_key("question", spec.key, start):
            self.result.questions.append(spec)
            self.result.titles[spec.key] = title

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
        feedback = []
        if not body:
            self.result.skipped.append(
                Problem(line, _("an essay question (empty answer block) is not supported; skipped"))
            )
            return None
        first = m.skip_space(start, end)
        if m.chars[first] == "#" and not m.escaped[first]:
            if not self.numerical(m, first + 1, end, line, spec, feedback):
                return None
        elif self.true_false(m, first, end, spec, feedback):
            pass
        elif not self.listed(m, first, end, line, spec, feedback):
            return None
        parts = [general] if general else []
        if feedback:
            parts.append("\n".join(f"- {text}" for text in feedback))
        spec.explanation = "\n\n".join(parts)
        return spec

    def true_false(self, m, start, end, spec, feedback) -> bool:
        cut = m.find("#", start, end)
        head = m.text(start, cut if cut >= 0 else end).strip().lower()
        if head not in TRUE_FALSE:
            return False
        answer = TRUE_FALSE[head]
        spec.type = "truefalse"
        spec.choices = [(rules.TRUE, answer), (rules.FALSE, not answer)]
        while cut >= 0:
            nxt = m.find("#", cut + 1, end)
            text = m.text(cut + 1, nxt if nxt >= 0 else end).strip()
            if text:
                feedback.append(text)
            cut = nxt
        return True

    def _split(self, m, start, end, line, markers="=~"):
        """[(marker, weight or None, text, feedback)] for each answer of a block; None after a problem."""
        first = m.skip_space(start, end)
        if first < end and (m.chars[first] not in markers or m.escaped[first]):
            self.problem(m.line(first), message(STARTS[markers], found=m.text(first, first + 12)))
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
            self.problem(line, _("an answer has no text"))
            return None
        return answers

    def listed(self, m, start, end, line, spec, feedback) -> bool:
        answers = self._split(m, start, end, line)
        if answers is None:
            return False
        for _marker, _weight, text, fb in answers:
            if fb:
                feedback.append(f"{text}: {fb}")
        markers = {a[0] for a in answers}
        if markers == {"="} and any("->" in text for _, _, text, _ in answers):
            if not all("->" in text for _, _, text, _ in answers):
                self.problem(line, _("in a matching question every answer is '=left -> right'"))
                return False
            spec.type = "matching"
            spec.pairs = [tuple(part.strip() for part in text.split("->", 1)) for _, _, text, _ in answers]
            return True
        if markers == {"="}:
            spec.type = "fill"
            for _marker, weight, text, _fb in answers:
                if weight is None or weight == 100:
                    spec.answers.append(text)
                else:
                    self.result.warnings.append(
                        Problem(
                            line,
                            message(
                                _(
                                    "'%(answer)s' earns partial credit in GIFT; a fill-in answer is right or "
                                    "wrong, so it is dropped"
                                ),
                                answer=text,
                            ),
                        )
                    )
            return True
        right = [a for a in answers if a[0] == "="]
        if len(right) > 1:
            self.problem(
                line,
                message(
                    _("more than one '=' answer: mark several right answers with weights (%(example)s)"),
                    example="~%50%a ~%50%b ~%-100%c",
                ),
            )
            return False
        spec.choices = []
        for marker, weight, text, _fb in answers:
            correct = marker == "=" or (not right and weight is not None and weight > 0)
            if right and marker == "~" and weight is not None and weight > 0:
                self.result.warnings.append(
                    Problem(
                        line,
                        message(
                            _("partial credit for '%(answer)s' is dropped: it counts as a wrong choice"),
                            answer=text,
                        ),
                    )
                )
            spec.choices.append((text, correct))
        n_right = sum(1 for _, c in spec.choices if c)
        if n_right == 0:
            self.problem(line, _("no answer is right: mark it with '=' or a positive weight"))
            return False
        spec.type = "single" if n_right == 1 else "multiple"
        return True

    def numerical(self, m, start, end, line, spec, feedback) -> bool:
        spec.type = "fill"
        if m.find("=", start, end) >= 0:
            answers = self._split(m, start, end, line, markers="=")
            if answers is None:
                return False
            full = [(text, fb) for _, weight, text, fb in answers if weight is None or weight == 100]
        else:
            hash_at = m.find("#", start, end)
            text = m.text(start, hash_at if hash_at >= 0 else end).strip()
            full = [(text, m.text(hash_at + 1, end).strip() if hash_at >= 0 else "")]
        for text, fb in full:
            if fb:
                feedback.append(f"{text}: {fb}")
            try:
                forms, warning = numeric_forms(text)
            except ValueError as exc:
                self.problem(line, exc.args[0])  # the lazy message, not str(): translated when shown
                return False
            if warning:
                self.result.warnings.append(Problem(line, warning))
            spec.answers += [f for f in forms if f not in spec.answers]
        return True


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(message(NOT_A_NUMBER, number=text.strip())) from None
    if not value.is_finite():
        raise ValueError(message(NOT_A_NUMBER, number=text.strip()))
    return value


def _integers(low: Decimal, high: Decimal):
    if low == low.to_integral_value() and high == high.to_integral_value() and high - low < MAX_ENUMERATED:
        return [str(int(v)) for v in range(int(low), int(high) + 1)]
    return None


def numeric_forms(text: str) -> tuple[list[str], str | None]:
    """The accepted fill-in answers for a GIFT numerical answer `value`, `value:tolerance` or `low..high`,
    and a warning when the tolerance cannot be kept (a fill-in answer matches text, not a range)."""
    if ".." in text:
        low, high = (_number(t) for t in text.split("..", 1))
        forms = _integers(min(low, high), max(low, high))
        if forms is None:
            raise ValueError(
                message(
                    _("the range %(range)s cannot become fill-in answers: give the exact value"),
                    range=text.strip(),
                )
            )
        return forms, None
    if ":" in text:
        value_text, tolerance_text = text.split(":", 1)
        value, tolerance = _number(value_text), abs(_number(tolerance_text))
        if tolerance == 0:
            return [value_text.strip()], None
        forms = _integers(value - tolerance, value + tolerance)
        if forms is not None:
            return forms, None
        return [value_text.strip()], message(
            _("the tolerance ±%(tolerance)s cannot be kept: only %(value)s is accepted"),
            tolerance=tolerance_text.strip(),
            value=value_text.strip(),
        )
    _number(text)
    return [text.strip()], None


def read_gift(text: str, *, sections: dict, section: str | None = None) -> ImportFile:
    """Read a GIFT file against the site's sections (key -> SectionSpec); `section` is the default."""
    return _Reader(sections, section).read(text)


# --- Writing -------------------------------------------------------------------------------------


def escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\\", "\\\\")
    for c in "~=#{}:":
        text = text.replace(c, "\\" + c)
    return text.replace("\n", "\\n")


def _weight(n: int) -> str:
    return f"{100 / n:.5f}".rstrip("0").rstrip(".")


def write_question(key: str, content: dict) -> str | None:
    """One question as GIFT, or None for a type GIFT cannot express (ordering)."""
    qtype = content["type"]
    if qtype == "single":
        body = [f"{'=' if ok else '~'}{escape(t)}" for t, ok in content["choices"]]
    elif qtype == "multiple":
        right = sum(1 for _, ok in content["choices"] if ok)
        body = [f"~%{_weight(right) if ok else '-100'}%{escape(t)}" for t, ok in content["choices"]]
    elif qtype == "truefalse":
        answer = next(t for t, ok in content["choices"] if ok).casefold() == rules.TRUE
        body = ["TRUE" if answer else "FALSE"]
    elif qtype == "fill":
        body = [f"={escape(a)}" for a in content["answers"]]
    elif qtype == "matching":
        body = [f"={escape(left)} -> {escape(right)}" for left, right in content["pairs"]]
    else:
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
