"""Cues: what the shape of a choice question gives away to a learner who has not read the notes (this
analysis of the choice types lives with them).

A test-wise learner picks the longest option, answers "true", ticks three of five, or picks the option that
carries a gloss; a bank in which these pay off measures test-taking skill, and inflates every mastery
estimate built on it (issue 17). The figures here are computed from plain values, so a teacher's own bank, the
shipped one and a test's hand-made examples are measured alike; `cues_of` measures Question rows (what
`reports.published_cues` loads: the published bank).

Lengths are in characters after NFKC, without whitespace and Markdown marks, as a learner reads them.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choice import MULTIPLE, SINGLE, TRUE, TRUEFALSE

# The bounds a bank should keep (issue 17). Chance for "the right one is the longest" is 1/n for n options;
# 0.35 leaves room for the three- and four-option questions.
SINGLE_LONGEST_MAX = 0.35
SINGLE_SHORTEST_MAX = 0.35
TRUE_SHARE_MIN, TRUE_SHARE_MAX = 0.40, 0.60
MULTIPLE_COUNT_SHARE_MAX = 0.5
MULTIPLE_RIGHT_LONGER_MAX = 0.60
GLOSS_ONLY_RIGHT_MAX = 3


# The types whose options this analysis reads (their answer rows are `choices`).
CUED_TYPES = (SINGLE, MULTIPLE, TRUEFALSE)


@dataclass(frozen=True)
class ChoiceQuestion:
    key: str
    type: str  # single | multiple | truefalse
    choices: tuple  # ((text, correct), ...); a true/false question's texts are "true" and "false"


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*_`#>\[\]\s]")
_GLOSS = re.compile(r"\([^()]+\)")


def text_length(text: str) -> int:
    """Characters as read: NFKC, a Markdown link counted by its text, no whitespace or Markdown marks."""
    text = _LINK.sub(r"\1", unicodedata.normalize("NFKC", text))
    return len(_MARKS.sub("", text))


def has_gloss(text: str) -> bool:
    """A bracketed gloss, （…） or (…): NFKC folds the full-width brackets to the ASCII ones."""
    return bool(_GLOSS.search(unicodedata.normalize("NFKC", text)))


def _share(hits: int, n: int):
    return round(hits / n, 3) if n else None


def _split(question: ChoiceQuestion):
    right = [text_length(t) for t, correct in question.choices if correct]
    wrong = [text_length(t) for t, correct in question.choices if not correct]
    return right, wrong


def single_cues(questions) -> dict:
    """Share of single-choice questions whose right option is strictly longer (shorter) than every wrong one."""
    singles = [q for q in questions if q.type == SINGLE]
    longest = shortest = 0
    for q in singles:
        right, wrong = _split(q)
        if right and wrong:
            longest += min(right) > max(wrong)
            shortest += max(right) < min(wrong)
    return {"questions": len(singles), "right_longest": _share(longest, len(singles)),
            "right_shortest": _share(shortest, len(singles))}


def truefalse_cues(questions) -> dict:
    """Share of true/false questions whose statement is true."""
    tfs = [q for q in questions if q.type == TRUEFALSE]
    true = sum(1 for q in tfs if any(t == TRUE and correct for t, correct in q.choices))
    return {"questions": len(tfs), "true_share": _share(true, len(tfs))}


def multiple_cues(questions) -> dict:
    """How many options are right (questions per count, and the largest share any one count has), and the
    share whose right options are longer on average than the wrong ones."""
    multis = [q for q in questions if q.type == MULTIPLE]
    counts = Counter(sum(1 for _t, correct in q.choices if correct) for q in multis)
    longer = 0
    for q in multis:
        right, wrong = _split(q)
        if right and wrong:
            longer += sum(right) / len(right) > sum(wrong) / len(wrong)
    return {
        "questions": len(multis),
        "right_counts": {str(n): counts[n] for n in sorted(counts)},
        "max_count_share": _share(max(counts.values(), default=0), len(multis)),
        "right_longer": _share(longer, len(multis)),
    }


def gloss_only_right(questions) -> list:
    """Keys of the single- and multiple-choice questions in which only right options carry a gloss."""
    keys = []
    for q in questions:
        if q.type not in (SINGLE, MULTIPLE):
            continue
        glossed = [correct for text, correct in q.choices if has_gloss(text)]
        if glossed and all(glossed):
            keys.append(q.key)
    return keys


@dataclass(frozen=True)
class Bound:
    name: str
    label: str
    value: float | int | None
    low: float | int | None
    high: float | int
    count: bool = False  # a number of questions, not a share

    @property
    def ok(self) -> bool:
        """None (no such question) gives nothing away."""
        return self.value is None or ((self.low is None or self.value >= self.low) and self.value <= self.high)


def bounds(figures: dict) -> list[Bound]:
    """Each figure of `cues` beside the bound a bank should keep."""
    single, tf, multiple = figures[SINGLE], figures[TRUEFALSE], figures[MULTIPLE]
    return [
        Bound("single_right_longest", _("single choice: the right option is the longest"),
              single["right_longest"], None, SINGLE_LONGEST_MAX),
        Bound("single_right_shortest", _("single choice: the right option is the shortest"),
              single["right_shortest"], None, SINGLE_SHORTEST_MAX),
        Bound("truefalse_true_share", _("true/false: the statement is true"),
              tf["true_share"], TRUE_SHARE_MIN, TRUE_SHARE_MAX),
        Bound("multiple_max_count_share", _("multiple choice: the most common number of right options"),
              multiple["max_count_share"], None, MULTIPLE_COUNT_SHARE_MAX),
        Bound("multiple_right_longer", _("multiple choice: the right options are longer on average"),
              multiple["right_longer"], None, MULTIPLE_RIGHT_LONGER_MAX),
        Bound("gloss_only_right", _("choice questions where only the right options carry a gloss"),
              figures["gloss_only_right"], None, GLOSS_ONLY_RIGHT_MAX, count=True),
    ]


def cues(questions) -> dict:
    """Every figure, as plain values (JSON-ready), with each bound and whether the bank keeps it."""
    questions = list(questions)
    glossed = gloss_only_right(questions)
    figures = {
        SINGLE: single_cues(questions),
        TRUEFALSE: truefalse_cues(questions),
        MULTIPLE: multiple_cues(questions),
        "gloss_only_right": len(glossed),
        "gloss_only_right_keys": glossed,
    }
    figures["bounds"] = {b.name: {"value": b.value, "min": b.low, "max": b.high, "ok": b.ok} for b in bounds(figures)}
    return figures


def cues_of(questions) -> dict:
    """`cues` of Question rows (each with its `choices`, prefetched): the questions of other types are left
    out. What every reader of a stored bank calls (reports.published_cues)."""
    return cues(ChoiceQuestion(key=q.key, type=q.type, choices=tuple((c.text, c.is_correct) for c in q.choices.all()))
                for q in questions if q.type in CUED_TYPES)
