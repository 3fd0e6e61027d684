"""Answer checking: what every question type's `check` shares (question_types: each type builds its own
answer key and checks against it): the `Outcome`, `InvalidAnswer`, and folding typed text. Plain data in,
plain data out.

The shape of a given answer, and of the key it is checked against, is its type's (`Type.parse_answer`,
`Type.answer_key`). An answer that names ids outside the question (tampering, a stale form) raises `InvalidAnswer`:
callers refuse it rather than mark it wrong.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


class InvalidAnswer(ValueError):
    pass


@dataclass(frozen=True)
class Outcome:
    correct: bool
    score: float  # 1.0 right, 0.0 wrong, in between for partly right multiple/ordering/matching answers


# Trailing punctuation a learner may type after a term, in both half-width and full-width forms
# (NFKC has already folded most full-width forms, but not the ideographic full stop or comma).
_TRAILING_PUNCTUATION = ".,;:!?。，、；：！？…"
_SPACES = re.compile(r"\s+")
# Hyphens NFKC leaves alone (a typed "top‐k" from a phone keyboard or a copied document).
_HYPHENS = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2212", "-"))
# Han, kana, hangul and their punctuation-free blocks: a term written in them takes no spaces.
_CJK_RANGES = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = f"[{_CJK_RANGES}]"
_LATIN = f"[^\\W_{_CJK_RANGES}]"  # a letter or digit of an alphabetic script (Latin, Greek...)
# 生成式 AI = 生成式AI: Chinese writing puts a space around a Latin word or leaves it out, both are common.
_CJK_LATIN_SPACE = re.compile(f"(?<={_CJK}) (?={_LATIN})|(?<={_LATIN}) (?={_CJK})")
# top-k = top_k = top k = topk: a run of separators inside a Latin term.
_LATIN_JOINER = re.compile(f"(?<={_LATIN})[ _-]+(?={_LATIN})")


@dataclass(frozen=True)
class Folded:
    """A typed text as it is shown (`shown`: NFKC, spaces collapsed, trailing punctuation removed) and as
    it is compared (`text`); `at[i]` is the index in `shown` of the character `text[i]` came from, so a
    difference found in `text` can be pointed at in what the learner typed."""

    shown: str
    text: str
    at: tuple


def fold(typed: str) -> Folded:
    """Fold a typed answer to the form that is compared: NFKC (full-width letters and digits become
    half-width), case-folded, whitespace collapsed, surrounding whitespace and trailing punctuation removed;
    no space between a CJK and a Latin character; and inside a Latin term a run of spaces, hyphens and
    underscores counts as nothing (Multi-Head = Multi Head = MultiHead), except a hyphen between two digits,
    which stays one hyphen ("1-2" is a range, not 12; "1 000" is 1000)."""
    shown = unicodedata.normalize("NFKC", typed).translate(_HYPHENS)
    shown = _SPACES.sub(" ", shown).strip().rstrip(_TRAILING_PUNCTUATION + " ").strip()
    dropped = set()
    for match in _CJK_LATIN_SPACE.finditer(shown):
        dropped.add(match.start())
    for match in _LATIN_JOINER.finditer(shown):
        run = range(match.start(), match.end())
        between_digits = shown[match.start() - 1].isdigit() and shown[match.end()].isdigit()
        if between_digits and "-" in match.group():
            dropped.update(i for i in run if i != shown.index("-", match.start()))
        else:
            dropped.update(run)
    text, at = [], []
    for i, char in enumerate(shown):
        if i not in dropped:
            folded = char.casefold()  # may be longer than one character (ß -> ss)
            text.append(folded)
            at += [i] * len(folded)
    return Folded(shown=shown, text="".join(text), at=tuple(at))


def normalize(text: str) -> str:
    """The form of a typed answer that is compared (`fold`)."""
    return fold(text).text


def plain_form(text: str) -> str:
    """NFKC, case, whitespace and trailing punctuation folded only: two accepted answers with the same plain
    form are the same answer written twice, while "KV Cache" beside "KVCache" documents a variant."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _SPACES.sub(" ", text).strip()
    return text.rstrip(_TRAILING_PUNCTUATION + " ").strip()


def whole(ok: bool) -> Outcome:
    """Right or wrong, nothing in between."""
    return Outcome(correct=ok, score=1.0 if ok else 0.0)


# Anki's type-in answers show a near miss; we show it only for answers long enough that one character is a
# slip rather than a different word (QLoRA vs LoRA, 推理 vs 推断 are different answers, not typos).
CLOSE_MIN_LENGTH = 6


@dataclass(frozen=True)
class NearMiss:
    """A typed answer one edit away from an accepted one: `typed` and `accepted` are each the text as
    shown, split into (text, differs) parts; `typed_part` and `accepted_part` are the differing characters
    ("" for the side that has none: a character too many or missing)."""

    typed: tuple
    accepted: tuple
    typed_part: str
    accepted_part: str

    @property
    def edit(self) -> str:
        """The one edit that turns the accepted answer into the typed one: replaced, extra or missing."""
        if self.typed_part and self.accepted_part:
            return "replaced"
        return "extra" if self.typed_part else "missing"


def _one_edit(a: str, b: str):
    """The differing spans (a[i:j], b[i:k]) as (i, j, k) when the Levenshtein distance of a and b is exactly
    1 (one character replaced, added or left out), else None."""
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    ends = (len(a) - suffix, len(b) - suffix)
    if (ends[0] - prefix, ends[1] - prefix) in ((1, 1), (1, 0), (0, 1)):
        return prefix, ends[0], ends[1]
    return None


def _parts(folded: Folded, start: int, end: int, *, caret: bool) -> tuple:
    """`folded.shown` split around the characters that `folded.text[start:end]` came from; an empty span
    (a missing character) is, with `caret`, the place where it belongs, marked with a caret."""
    if start < end:
        left, right = folded.at[start], folded.at[end - 1] + 1
        middle = folded.shown[left:right]
    elif caret:
        left = right = folded.at[start] if start < len(folded.at) else len(folded.shown)
        middle = "‸"
    else:
        return ((folded.shown, False),)
    parts = ((folded.shown[:left], False), (middle, True), (folded.shown[right:], False))
    return tuple(p for p in parts if p[0])


def near_miss(accepted: Sequence[str], typed: str) -> NearMiss | None:
    """The accepted answer (of at least CLOSE_MIN_LENGTH characters, compared folded) that `typed` misses
    by one edit, with the difference located in both; None when the answer is right, or further off."""
    mine = fold(typed)
    if not mine.text or any(mine.text == normalize(a) for a in accepted):
        return None
    for answer in accepted:
        theirs = fold(answer)
        if len(theirs.text) < CLOSE_MIN_LENGTH:
            continue
        edit = _one_edit(mine.text, theirs.text)
        if edit is None:
            continue
        start, mine_end, theirs_end = edit
        typed_parts = _parts(mine, start, mine_end, caret=True)
        accepted_parts = _parts(theirs, start, theirs_end, caret=False)
        return NearMiss(
            typed=typed_parts,
            accepted=accepted_parts,
            typed_part=mine.text[start:mine_end] and next(t for t, differs in typed_parts if differs),
            accepted_part=theirs.text[start:theirs_end] and next(t for t, differs in accepted_parts if differs),
        )
    return None
