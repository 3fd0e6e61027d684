"""Item analysis, as Moodle's quiz statistics compute it, over learners' first answers to each question.

For question i and learner l with a first answer:
  x_l  = the score of l's first answer to i (0..1, partial credit counts)
  y_l  = l's mean first-answer score over every OTHER question l has answered (the "rest of the test")
Facility index      F_i = mean of x over the learners who answered i: the average first-answer score as a
                          share of full marks (1), so partly right matching, ordering and multiple-choice
                          answers count for what they earned, as in D.
Discrimination index D_i = Pearson correlation of x and y over the learners who answered i:
  D = (n·Σxy − Σx·Σy) / sqrt((n·Σx² − (Σx)²) · (n·Σy² − (Σy)²))
It is undefined (None) when every x or every y is the same. Learners with a single first answer have no
"rest" and are left out of D. Statistics are kept apart per question version: editing what a question asks
starts its statistics afresh.

The rows read are first answers only: at most one per learner and question, however long the history.
"""

import functools
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, Min, Sum
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy

from quizapp.catalog import question_types
from quizapp.catalog.models import Question
from quizapp.catalog.rendering import plain_text
from quizapp.quizzes.models import Response

MIN_ANSWERS_TO_FLAG = 5
EASY, HARD, WEAK = 0.95, 0.2, 0.1


@dataclass
class ItemRow:
    question: Question
    version: int
    answers: int
    first_answers: int
    facility: float | None
    discrimination: float | None
    common_wrong: str
    common_wrong_count: int
    flags: list = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAG_LABELS[f]) for f in self.flags]

    @property
    def type_label(self) -> str:
        """The question type's name in the current language (as get_type_display(), which hashes the
        field's lazy choices on every call: a sixth of this page's rendering)."""
        return _type_label(self.question.type, get_language())

    @property
    def figures_html(self) -> SafeString:
        """The row's figure cells as HTML, each labelled for narrow screens. Built here rather than in the
        template (as the class grid's cells are): a page has 100 rows of six cells, and the template
        engine's per-value lookups were most of its rendering time. The labels come escaped; the counts
        are whole numbers and floatformat's output is safe; the flags and the wrong answer are escaped."""
        label = _cell_labels(get_language())
        figure = "—" if self.discrimination is None else floatformat(self.discrimination, 2)
        flags = "".join(f'<span class="flag">{escape(f)}</span> ' for f in self.flag_labels) or \
            '<span class="meta">—</span>'
        wrong = (f'{escape(self.common_wrong)} <span class="meta">×{int(self.common_wrong_count)}</span>'
                 if self.common_wrong_count else "—")
        return mark_safe(
            f'<td data-label="{label["answers"]}">{int(self.answers)}</td>'
            f'<td data-label="{label["first"]}">{int(self.first_answers)}</td>\n'
            f'    <td data-label="{label["facility"]}">{floatformat(self.facility, 2)}</td>\n'
            f'    <td data-label="{label["discrimination"]}">{figure}</td>\n'
            f'    <td data-label="{label["flags"]}">{flags}</td>\n'
            f'    <td data-label="{label["wrong"]}">{wrong}</td>'
        )

    @property
    def prompt_text(self) -> str:
        """The prompt as one line of the plain text learners read (Markdown rendered, tags dropped)."""
        return plain_text(self.question.prompt, 80)


@functools.lru_cache(maxsize=8)
def _cell_labels(language: str) -> dict:
    """The figure cells' labels in `language` ("Answers:"), shown beside each figure on a narrow screen."""
    colon = gettext(":")
    return {key: escape(gettext(text) + colon) for key, text in (
        ("answers", "Answers"), ("first", "First answers"), ("facility", "Facility"),
        ("discrimination", "Discrimination"), ("flags", "Flags"), ("wrong", "Most chosen wrong answer"))}


@functools.lru_cache(maxsize=64)
def _type_label(type_name: str, language: str) -> str:
    return str(dict(question_types.choices())[type_name])


FLAG_LABELS = {
    "too_easy": gettext_lazy("too easy"),
    "too_hard": gettext_lazy("too hard"),
    "weak_discrimination": gettext_lazy("weak discrimination"),
}


def facility_index(scores) -> float:
    """F for one item: the mean of its first-answer scores (each 0..1)."""
    return sum(scores) / len(scores)


def item_flags(first_answers: int, facility: float | None, discrimination: float | None) -> list[str]:
    """Why a question version needs a look, once enough learners answered it: too easy (mean first-answer
    score above 0.95: nearly everyone earns full marks), too hard (below 0.2: less than guessing earns on a
    choice, matching or ordering question, e.g. 1/4 with four choices, 1/3 on three pairs), or not
    separating stronger from weaker learners."""
    flags = []
    if first_answers >= MIN_ANSWERS_TO_FLAG and facility is not None:
        if facility > EASY:
            flags.append("too_easy")
        if facility < HARD:
            flags.append("too_hard")
        if discrimination is not None and discrimination < WEAK:
            flags.append("weak_discrimination")
    return flags


def pearson(pairs) -> float | None:
    n = len(pairs)
    if n < 2:
        return None
    sx = sum(x for x, _ in pairs)
    sy = sum(y for _, y in pairs)
    sxx = sum(x * x for x, _ in pairs)
    syy = sum(y * y for _, y in pairs)
    sxy = sum(x * y for x, y in pairs)
    var = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if var <= 1e-12:
        return None
    return (n * sxy - sx * sy) / math.sqrt(var)


def discrimination_index(first_scores, totals) -> float | None:
    """D for one item. `first_scores`: (learner id, x) for its first answers; `totals`: learner id ->
    (sum, count) of that learner's first-answer scores. Learners with no other first answer are left out."""
    pairs = []
    for learner_id, x in first_scores:
        s, n = totals[learner_id]
        if n > 1:
            pairs.append((x, (s - x) / (n - 1)))
    return pearson(pairs)


def describe_answer(asked: dict, given) -> str:
    """A wrong answer in words, from the frozen copy of what was asked (each type says it its way)."""
    type_name = asked.get("type")
    if question_types.exists(type_name):
        return question_types.get(type_name).describe_answer(asked, given)
    return json.dumps(given, ensure_ascii=False)


def _first_answer_figures(learner_ids) -> list[tuple]:
    """Per question version, in one SQL query over the first answers: (question, version, n, Σx, and over the
    learners with another first answer (the "rest of the test" y = (their Σ − x) / (their n − 1)): m, Σx,
    Σy, Σx², Σy², Σxy). The per-learner totals are a derived table joined to each first answer, so nothing
    per answer reaches Python."""
    table = connection.ops.quote_name(Response._meta.db_table)
    where, params = "first_try", []
    if learner_ids is not None:
        where += f" AND learner_id IN ({', '.join(['%s'] * len(learner_ids))})"
        params = list(learner_ids)
    rest = "(t.s - r.score) / (t.n - 1)"
    rested = "CASE WHEN t.n > 1 THEN {} ELSE 0 END"
    sql = (
        f"SELECT r.question_id, r.question_version, COUNT(*), SUM(r.score), "
        f"SUM({rested.format(1)}), SUM({rested.format('r.score')}), SUM({rested.format(rest)}), "
        f"SUM({rested.format('r.score * r.score')}), SUM({rested.format(f'{rest} * {rest}')}), "
        f"SUM({rested.format(f'r.score * {rest}')}) "
        f"FROM {table} r JOIN (SELECT learner_id, SUM(score) AS s, COUNT(*) AS n FROM {table} WHERE {where} "
        f"GROUP BY learner_id) t ON t.learner_id = r.learner_id "
        f"WHERE r.{where.replace(' AND learner_id', ' AND r.learner_id')} "
        f"GROUP BY r.question_id, r.question_version"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        return cursor.fetchall()


def pearson_from_sums(n, sx, sy, sxx, syy, sxy) -> float | None:
    """`pearson` from the sums it computes (the same formula, the sums made in SQL)."""
    if n < 2:
        return None
    var = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if var <= 1e-12:
        return None
    return (n * sxy - sx * sy) / math.sqrt(var)


def item_analysis(learner_ids=None, *, wrong_answers: bool = True) -> list[ItemRow]:
    """Every question version with first answers, over the given learners (None: every learner). The
    figures are aggregated in SQL (three queries however long the history); the most chosen wrong answers
    are read too unless `wrong_answers` is False (a page fills them in for the rows it shows:
    `common_wrong_answers`)."""
    if learner_ids is not None:
        learner_ids = list(learner_ids)
        if not learner_ids:
            return []
    figures = _first_answer_figures(learner_ids)
    responses = Response.objects.all()
    if learner_ids is not None:
        responses = responses.filter(learner_id__in=learner_ids)
    answers_of = {(r["question_id"], r["question_version"]): r["n"]
                  for r in responses.values("question_id", "question_version").annotate(n=Count("pk")).order_by()}
    questions = (Question.objects.select_related("section")
                 .only("key", "type", "prompt", "section__key", "section__title", "section__order")
                 .in_bulk({row[0] for row in figures}))
    rows = []
    for qid, version, n, sx, m, mx, my, mxx, myy, mxy in figures:
        row = ItemRow(
            question=questions[qid], version=version, answers=answers_of[(qid, version)], first_answers=n,
            facility=sx / n, discrimination=pearson_from_sums(m, mx, my, mxx, myy, mxy),
            common_wrong="", common_wrong_count=0,
        )
        row.flags = item_flags(row.first_answers, row.facility, row.discrimination)
        rows.append(row)
    rows.sort(key=lambda r: (not r.flagged, r.question.section.order, r.question.key, r.version))
    if wrong_answers:
        common_wrong_answers(rows, learner_ids)
    return rows


def common_wrong_answers(rows: list[ItemRow], learner_ids=None) -> None:
    """Fill in each row's most chosen wrong first answer and how many chose it (one query for all the rows).
    Wrong answers are grouped in SQL by what was given and asked, and each distinct pair is described
    once; answers described alike count together, and among equally chosen ones the one chosen first wins."""
    if not rows:
        return
    wrong = Response.objects.filter(first_try=True, correct=False, question_id__in={r.question.pk for r in rows})
    if learner_ids is not None:
        wrong = wrong.filter(learner_id__in=learner_ids)
    groups = defaultdict(dict)  # (question, version) -> description -> [count, first answered]
    for qid, version, given, asked, n, first in (
            wrong.values("question_id", "question_version", "given", "asked")
            .annotate(n=Count("pk"), first=Min("answered_at")).order_by()
            .values_list("question_id", "question_version", "given", "asked", "n", "first")):
        tally = groups[(qid, version)].setdefault(describe_answer(asked, given), [0, first])
        tally[0] += n
        tally[1] = min(tally[1], first)
    for row in rows:
        tallies = groups.get((row.question.pk, row.version))
        if tallies:
            text, (count, _first) = min(tallies.items(), key=lambda item: (-item[1][0], item[1][1]))
            row.common_wrong, row.common_wrong_count = text, count


def flagged_questions() -> set[int]:
    """Ids of the questions whose current version item_analysis() over every learner flags, for the admin's
    "flagged by item analysis" filter.

    The same figures and rules as item_analysis(), reading less. Discrimination needs every learner's
    first-answer scores, which no rollup keeps, so this reads the history's first answers, but: two aggregates
    find the current versions with at least MIN_ANSWERS_TO_FLAG first answers and each learner's total (the
    "rest of the test"), and only those candidates' first answers are read, as (learner, score),
    without the JSON of what was asked and given. Three queries however long the history; memory grows with
    the number of first answers to the candidate questions (at most learners x questions)."""
    first = Response.objects.filter(first_try=True)
    candidates = set(
        first.filter(question_version=F("question__version"))
        .values("question_id", "question_version").annotate(n=Count("pk")).filter(n__gte=MIN_ANSWERS_TO_FLAG)
        .order_by().values_list("question_id", "question_version")
    )
    if not candidates:
        return set()
    totals = {r["learner_id"]: (r["s"], r["n"])
              for r in first.values("learner_id").annotate(s=Sum("score"), n=Count("pk")).order_by()}
    by_item = defaultdict(list)
    rows = (first.filter(question_id__in={qid for qid, _ in candidates})
            .values_list("question_id", "question_version", "learner_id", "score"))
    for qid, version, learner_id, score in rows.iterator(2000):
        if (qid, version) in candidates:
            by_item[(qid, version)].append((learner_id, score))
    flagged = set()
    for (qid, _version), answers in by_item.items():
        facility = facility_index([score for _learner, score in answers])
        if item_flags(len(answers), facility, discrimination_index(answers, totals)):
            flagged.add(qid)
    return flagged


ITEM_SORTS = ("facility", "discrimination", "answers", "flags")
ITEMS_PER_PAGE = 100


def item_rows_arrange(rows: list[ItemRow], *, sort: str = "", descending: bool = False, section: str = "",
                      flag: str = "") -> list[ItemRow]:
    """The statistics page's rows: those of one section (its key) and with one flag ("any" for any flag),
    sorted by a statistic. The figures are computed over everything first (discrimination reads each
    learner's other answers), so a filter narrows what is shown, never what is counted. A row without the
    figure (discrimination undefined) sorts last either way round; equal figures keep the default order
    (flagged first, then by section and key)."""
    if section:
        rows = [r for r in rows if r.question.section.key == section]
    if flag == "any":
        rows = [r for r in rows if r.flags]
    elif flag:
        rows = [r for r in rows if flag in r.flags]
    figure = {
        "facility": lambda r: r.facility,
        "discrimination": lambda r: r.discrimination,
        "answers": lambda r: r.answers,
        "flags": lambda r: len(r.flags),
    }.get(sort)
    if figure is None:
        return rows
    known = sorted((r for r in rows if figure(r) is not None), key=figure, reverse=descending)
    return known + [r for r in rows if figure(r) is None]
