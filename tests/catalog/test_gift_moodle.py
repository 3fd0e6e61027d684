"""GIFT as Moodle writes it: every example of Moodle's GIFT format documentation (written out in
data/moodle_docs_examples.gift) imports as a quizapp type or is refused with a reason naming its line, and
what Moodle exports often hold (case variants of one answer, question names, a forgotten blank line) imports
the way a teacher coming from Moodle expects."""

from pathlib import Path

import pytest
from django.utils import translation

from quizapp.catalog import authoring
from quizapp.catalog.models import Question

from .import_command import import_fails, run_import

DOCS = Path(__file__).parent / "data" / "moodle_docs_examples.gift"

# line -> the type each example of the documentation becomes
IMPORTED = {
    6: "single", 9: "single", 22: "single", 29: "multiple", 38: "truefalse", 41: "truefalse", 44: "fill",
    46: "fill", 49: "matching", 58: "single", 61: "numerical", 63: "numerical", 65: "numerical",
    67: "numerical", 79: "single", 84: "fill", 88: "truefalse", 91: "single", 99: "numerical", 102: "single",
    108: "single", 119: "single", 121: "truefalse", 126: "truefalse", 131: "numerical", 133: "numerical",
}


def read(text, section="history"):
    with translation.override("en"):
        parsed = authoring.import_read(text, format="gift", section=section)
        return parsed, [str(p) for p in parsed.problems], [str(p) for p in parsed.warnings]


def test_every_example_of_moodles_documentation_imports_or_is_refused_naming_its_line(starter_bank):
    parsed, problems, _warnings = read(DOCS.read_text(encoding="utf-8"))
    # quizapp's matching questions have 3 to 6 pairs: the two-pair quick example is the one refused.
    assert problems == ["line 129: a matching question needs 3 to 6 pairs (has 2)"]
    with translation.override("en"):
        assert [str(p) for p in parsed.skipped] == [
            "line 73: an essay question (empty answer block) is not supported; skipped",
            "line 76: a description (text without an answer block) is not a question; skipped",
        ]
    assert {parsed.lines[("question", q.key)]: q.type for q in parsed.questions} == IMPORTED


def test_the_documentations_examples_without_the_refused_one_import_as_their_types(starter_bank, tmp_path):
    text = DOCS.read_text(encoding="utf-8").replace(
        "::Q4:: Which animal eats which food? { =cat -> cat food =dog -> dog food }",
        "::Q4:: Which animal eats which food? { =cat -> cat food =dog -> dog food =cow -> grass }")
    path = tmp_path / "moodle.gift"
    path.write_text(text, encoding="utf-8")
    out = run_import(path, "--section", "history")
    assert f"questions:   {len(IMPORTED) + 1} created" in out
    assert "line 73: an essay question" in out and "line 76: a description" in out
    assert "line 124: note: category 'tom/dick/harry' is not a section here" in out
    imported = Question.objects.filter(origin="authored")
    assert sorted(imported.values_list("type", flat=True)) == sorted([*IMPORTED.values(), "matching"])
    tomb = Question.objects.get(key="history-grants-tomb")
    assert tomb.title == "Grants tomb" and tomb.type == "single"
    assert "Was true for 12 years" in tomb.explanation
    control = Question.objects.get(title="GIFT Control Characters")
    assert control.choices.get(is_correct=True).text == "\\"
    assert "0 created, 0 updated, 27 unchanged" in run_import(path, "--section", "history")


def test_duplicate_accepted_answers_after_folding_are_merged_with_a_note(starter_bank, tmp_path):
    path = tmp_path / "dup.gift"
    path.write_text("::架构::大模型的主流架构是 {=Transformer =transformer =ＴＲＡＮＳＦＯＲＭＥＲ =Decoder-only}。\n",
                    encoding="utf-8")
    out = run_import(path, "--section", "history")
    assert ("line 1: note: 'transformer' is the same accepted answer as 'Transformer' once case, width and "
            "punctuation are folded: merged into one") in out
    question = Question.objects.get(title="架构")
    assert [a.text for a in question.accepted_answers.all()] == ["Transformer", "Decoder-only"]
    assert question.check_answer("TRANSFORMER").correct


def test_a_missing_blank_line_says_where_the_next_question_starts(starter_bank, tmp_path):
    path = tmp_path / "nogap.gift"
    path.write_text("第一题?{=对 ~错}\n::第二题::第二题?{T}\n\n第三题 {\n=甲\n~乙\n}\n第四题 {F}\n", encoding="utf-8")
    err = import_fails(path, "--section", "history")
    assert ("line 2: start each question after a blank line (the question before ends with its answer block "
            "on line 1)") in err
    assert "line 8: start each question after a blank line" in err
    assert not Question.objects.filter(origin="authored").exists()


def test_two_answer_blocks_on_one_line_say_how_to_write_a_literal_brace(starter_bank):
    _parsed, problems, _ = read("集合 {=a} 与 {=b}\n")
    assert problems == ["line 1: a question has one answer block; this is a second one on the same line: write "
                        "\\{ and \\} for literal braces"]


@pytest.mark.parametrize("title, key", [
    ("Q1", "history-q1"),
    ("Who's buried in Grant's tomb?", "history-whos-buried-in-grants-tomb"),
    ("Transformer 架构", "history-transformer-g"),  # + 8 hex digits of the title
    ("注意力机制", "history-g"),
    ("history-mine", "history-mine"),  # an exported key is kept
])
def test_a_title_becomes_the_key(starter_bank, title, key):
    parsed, problems, _ = read(f"::{title}::问题?{{T}}\n")
    assert problems == []
    [spec] = parsed.questions
    assert spec.key.startswith(key)
    assert spec.key == key or len(spec.key) == len(key) + 8


def test_a_title_does_not_take_the_key_of_another_question_of_the_section(starter_bank, tmp_path):
    """The bank's history-q01 has another title: a Moodle question named "q01" gets history-q01-2, and importing
    the file again finds that question, not the bank's."""
    assert Question.objects.filter(key="history-q01").exists()
    path = tmp_path / "q.gift"
    path.write_text("::q01::Moodle 的第一题?{T}\n", encoding="utf-8")
    run_import(path, "--section", "history")
    assert Question.objects.get(title="q01").key == "history-q01-2"
    assert "0 created, 0 updated, 1 unchanged" in run_import(path, "--section", "history")


def test_a_long_title_makes_a_key_that_fits(starter_bank):
    parsed, problems, _ = read(f"::{'word ' * 40}::问题?{{T}}\n\n::{'word ' * 40}::另一题?{{F}}\n")
    assert problems == []
    first, second = (q.key for q in parsed.questions)
    assert len(first) <= 80 and second == f"{first}-2"


def test_an_answer_without_its_marker_is_named_alone(starter_bank):
    _parsed, problems, _ = read("问题?{对 ~错}\n")
    assert problems == ["line 1: each answer starts with '=' (right) or '~' (wrong): put one before '对', or "
                        "write \\= or \\~ for a literal one"]


def test_a_matching_distractor_is_dropped_with_a_note(starter_bank):
    """Moodle's `= -> answer` adds a wrong answer to pick from; our matching pairs every item, so it goes."""
    parsed, problems, warnings = read("配对:{=甲 -> 1 =乙 -> 2 =丙 -> 3 = -> 4}\n")
    assert problems == []
    assert parsed.questions[0].pairs == [("甲", "1"), ("乙", "2"), ("丙", "3")]
    assert warnings == ["line 1: '= -> 4' is an extra wrong answer, which a matching question here does not "
                        "have: dropped"]
    _parsed, problems, _ = read("配对:{=甲 -> 1 =乙 -> 2 =丙 -> }\n")
    assert problems == ["line 1: every matching pair needs a right item after '->'"]


def test_a_question_imported_before_titles_named_keys_is_found_again(starter_bank, tmp_path):
    """Before, every title that was not a key gave `<section>-g<digest of the title>`: a file imported then
    and imported again now updates those questions instead of adding copies."""
    from quizapp.catalog.exchange import item_key

    path = tmp_path / "old.gift"
    path.write_text("::Grants tomb::Who is buried in Grant's tomb?{=no one ~Grant}\n", encoding="utf-8")
    run_import(path, "--section", "history")
    question = Question.objects.get(title="Grants tomb")
    assert question.key == "history-grants-tomb"
    Question.objects.filter(pk=question.pk).update(key=item_key("history", "g", "Grants tomb", ""))
    assert "0 created, 0 updated, 1 unchanged" in run_import(path, "--section", "history")
    assert Question.objects.filter(title="Grants tomb").count() == 1
