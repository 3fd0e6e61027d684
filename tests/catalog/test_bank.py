"""The real question banks in content/: complete, well-formed, and answerable."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from quizapp.catalog import question_types
from quizapp.catalog.answers import normalize
from quizapp.catalog.question_types import check
from quizapp.catalog.question_types.fill import FillKey
from quizapp.catalog.loading import read_bank, section_leaves
from quizapp.catalog.models import Question
from quizapp.catalog.reports import content_report

CONTENT = Path(settings.CONTENT_DIR)


@pytest.fixture(scope="module")
def bank():
    """content/ as the loader reads it, without a database: the checks below are about the files. Only the
    tests that need what loading makes (row ids to answer with, the figures content_report computes from the
    loaded bank, a second load) ask for `full_bank`."""
    return read_bank()


def section_map_leaves():
    def walk(items):
        for item in items:
            if item.get("children"):
                yield from walk(item["children"])
            else:
                yield item["key"]

    return list(walk(yaml.safe_load((CONTENT / "sections.yaml").read_text(encoding="utf-8"))))


def bank_leaves():
    leaves = []
    for path in sorted(CONTENT.glob("*.yaml")):
        if path.name != "sections.yaml":
            leaves += [entry["key"] for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["sections"]]
    return leaves


def test_the_section_map_has_the_documents_51_leaves():
    leaves = section_map_leaves()
    assert len(leaves) == 51 and len(set(leaves)) == 51


def test_every_leaf_has_a_bank_entry_and_every_bank_entry_is_in_the_map():
    assert sorted(bank_leaves()) == sorted(section_map_leaves())


def test_each_bank_file_is_named_after_its_top_level_section():
    for path in CONTENT.glob("*.yaml"):
        if path.name != "sections.yaml":
            assert yaml.safe_load(path.read_text(encoding="utf-8"))["section"] == path.stem


def test_every_leaf_meets_the_coverage_bar(full_bank):
    report = content_report()
    assert len(report["sections"]) == 51
    for section in report["sections"]:
        assert section["questions"] >= 6, section
        assert len(section["types"]) >= 3, section
        assert section["flashcards"] >= 4, section
    totals = report["totals"]
    assert totals["questions"] >= 306 and totals["flashcards"] >= 204
    # The shipped bank has no numerical question yet (the type came later; writing them is content work).
    assert set(totals["types"]) == set(question_types.names()) - {"numerical"}
    assert min(totals["types"].values()) >= 20


def test_the_choices_give_no_answer_away(full_bank):
    """Issue 17: a learner who has never read the notes should score no better than chance. The bounds are
    quizapp.catalog.cues'; content_report --json and the admin's bank overview show the same figures."""
    figures = content_report()["cues"]
    outside = {name: bound for name, bound in figures["bounds"].items() if not bound["ok"]}
    assert outside == {}, figures


def test_every_leaf_has_notes_and_a_difficulty_spread(bank):
    for key in section_leaves(bank.sections):
        leaf = bank.sections[key]
        points = [line for line in (leaf.notes or "").splitlines() if line.startswith("- ")]
        assert 3 <= len(points) <= 6, leaf.key
        difficulties = {q.difficulty for q in bank.questions if q.section == key}
        assert difficulties & {1, 2}, f"{leaf.key} has no easy question"
        assert difficulties & {4, 5}, f"{leaf.key} has no hard question"


def test_every_question_is_well_formed_for_its_type(bank):
    for q in bank.questions:
        right = [text for text, correct in q.choices if correct]
        if q.type in ("single", "multiple"):  # the shipped banks' bar; the format itself takes 2 or more
            assert 3 <= len(q.choices) <= 6, q.key
        if q.type in ("single", "truefalse"):
            assert len(right) == 1, q.key
        elif q.type == "multiple":
            assert len(right) >= 2 and len(right) < len(q.choices), q.key
        elif q.type == "ordering":
            assert 3 <= len(q.items) <= 6, q.key
        elif q.type == "matching":
            assert 3 <= len(q.pairs) <= 6, q.key
        elif q.type == "fill":
            assert q.answers, q.key
        assert q.explanation.strip(), q.key


def test_no_two_questions_share_a_prompt(bank):
    prompts = Counter(normalize(q.prompt) for q in bank.questions)
    assert [p for p, n in prompts.items() if n > 1] == []


POSITIONAL = re.compile(r"前[两二三四五]项|后[两二三]项|第[一二三四五六1-6]项|最后一项|其余[两二三]?项|选项 ?[A-F1-6]|[A-F] ?项")


def test_no_choice_question_points_at_a_choice_by_its_place(bank):
    """Choices are shuffled for each learner: "the second option" would point at a different one."""
    choice_questions = [q for q in bank.questions if q.type in ("single", "multiple")]
    offenders = [q.key for q in choice_questions if POSITIONAL.search(q.explanation) or POSITIONAL.search(q.prompt)]
    assert offenders == []
    # Nor may a choice lean on the others ("all of the above"), which shuffling turns into nonsense.
    leaning = [(q.key, text) for q in choice_questions for text, _ in q.choices if re.search(r"以上|上述|皆是|都对|都不对", text)]
    assert leaning == []


def test_every_keyed_fill_in_answer_passes_its_own_checker(bank):
    for q in (q for q in bank.questions if q.type == "fill"):
        key = FillKey(accepted=tuple(q.answers))
        for accepted in q.answers:
            assert check(key, accepted).correct, (q.key, accepted)
            # A learner typing the full-width form with a trailing full stop is still right.
            assert check(key, accepted.upper() + "。").correct, (q.key, accepted)


CJK = r"[\u3400-\u9fff]"
LATIN = r"[A-Za-z0-9]"
# A separator run inside a Latin term, or the place between a Chinese and a Latin character.
JOINS = re.compile(rf"(?<={LATIN})[ _-]+(?={LATIN})|(?<={CJK}) ?(?={LATIN})|(?<={LATIN}) ?(?={CJK})")


def spelling_variants(answer: str) -> set:
    """The answer with its joins written every other way a careful reader writes them: each join alone, and
    all at once, as nothing, a space, a hyphen or an underscore (between Chinese and Latin: a space or
    nothing). A hyphen between two digits is a range and is left alone."""
    joins = [m for m in JOINS.finditer(answer)
             if not (m.group().strip() == "-" and answer[m.start() - 1].isdigit() and answer[m.end()].isdigit())]

    def written(chosen):
        out, last = [], 0
        for m, sep in chosen:
            out += [answer[last:m.start()], sep]
            last = m.end()
        return "".join(out + [answer[last:]])

    def ways(m):
        latin_both = re.fullmatch(LATIN, answer[m.start() - 1]) and re.fullmatch(LATIN, answer[m.end()])
        return ["", " ", "-", "_"] if latin_both else ["", " "]

    variants = set()
    for i, m in enumerate(joins):
        for sep in ways(m):
            variants.add(written([(j, sep if j is m else j.group()) for j in joins]))
    for sep in ["", " ", "-", "_"]:
        variants.add(written([(m, sep if sep in ways(m) else m.group()) for m in joins]))
    return variants - {answer}


def test_spelling_variants_are_generated_for_latin_terms_and_mixed_script():
    assert spelling_variants("top-k") == {"topk", "top k", "top_k"}
    assert spelling_variants("生成式 AI") == {"生成式AI"}
    assert "KV_Cache" in spelling_variants("KV Cache") and "KV Cache缓存" not in spelling_variants("KV Cache")
    assert spelling_variants("1-2") == set()


def test_every_fill_item_accepts_spacing_and_hyphen_variants_of_its_own_answers(bank):
    """Issue 17: 37 of 52 fill items refused a spacing or hyphen variant of an answer they list."""
    refused = []
    for spec in bank.questions:
        if spec.type != "fill":
            continue
        key = FillKey(accepted=tuple(spec.answers))
        refused += [(spec.key, answer, variant) for answer in spec.answers
                    for variant in sorted(spelling_variants(answer)) if not check(key, variant).correct]
    assert refused == []


def test_every_keyed_answer_of_every_type_is_marked_right(full_bank):
    questions = Question.objects.exclude(type="fill").prefetch_related("choices", "order_items", "match_pairs")
    for q in questions:
        if q.type in ("single", "truefalse"):
            given = next(c.pk for c in q.choices.all() if c.is_correct)
        elif q.type == "multiple":
            given = {c.pk for c in q.choices.all() if c.is_correct}
        elif q.type == "ordering":
            given = [i.pk for i in q.order_items.all()]
        else:
            given = {p.pk: p.pk for p in q.match_pairs.all()}
        assert q.check_answer(given).correct, q.key


@pytest.mark.django_db
def test_loading_the_whole_bank_twice_changes_nothing():
    from io import StringIO

    from django.core.management import call_command

    call_command("load_content", stdout=StringIO())
    out = StringIO()
    call_command("load_content", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert all(" 0 created, 0 updated, " in line and line.endswith(" unchanged, 0 withdrawn") for line in lines)
