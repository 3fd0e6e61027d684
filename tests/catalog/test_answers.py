import pytest

from quizapp.catalog.answers import InvalidAnswer, near_miss, normalize
from quizapp.catalog.question_types.choice import ChoiceKey
from quizapp.catalog.question_types.fill import FillKey
from quizapp.catalog.question_types.ordering import MatchingKey, OrderingKey
from quizapp.catalog.question_types import check


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("ＬｏＲＡ", "lora"),  # full-width letters fold to half-width, case folds
        ("LoRA。", "LoRA"),  # a trailing Chinese full stop is ignored
        ("  lora  ", "LoRA"),
        ("Tensor   Parallel", "tensor parallel"),  # inner whitespace collapses
        ("ＴＰ！", "TP"),
        ("张量并行.", "张量并行"),
        ("生成式AI", "生成式 AI"),  # a space between Chinese and a Latin word is optional
        ("AI 智能体", "AI智能体"),
        ("top_k", "top-k"),  # inside a Latin term, space, hyphen, underscore and nothing are the same
        ("topk", "top-k"),
        ("Top K", "top-k"),
        ("top‐k", "top-k"),  # the Unicode hyphen a phone keyboard or a copied document gives
        ("Multi Head Attention", "Multi-Head Attention"),
        ("MultiHead Attention", "Multi-Head Attention"),
        ("Zero shot能力", "Zero-shot 能力"),
        ("GPT4", "GPT-4"),
        ("1 000", "1000"),  # a thousands separator
    ],
)
def test_fill_answers_match_after_normalization(typed, accepted):
    key = FillKey(accepted=(accepted,))
    assert check(key, typed).correct


@pytest.mark.parametrize("typed", ["", "   ", "。", "Lo", "并行", "lorax", "lo-ra-x"])
def test_fill_rejects_near_misses_and_blanks(typed):
    key = FillKey(accepted=("LoRA", "张量并行"))
    assert not check(key, typed).correct


def test_fill_accepts_any_listed_form():
    key = FillKey(accepted=("张量并行", "Tensor Parallel", "TP"))
    assert all(check(key, t).correct for t in ["张量并行", "tensor parallel", "tp"])


def test_normalize_keeps_inner_punctuation_other_than_joiners():
    assert normalize("  GPT-4.5！ ") == "gpt4.5"
    assert normalize("C++") == "c++"


@pytest.mark.parametrize(("one", "other"), [("1-2", "12"), ("3-4", "34"), ("GPT-4", "GPT-5"), ("top-k", "top-p")])
def test_distinct_answers_stay_distinct(one, other):
    """A hyphen between two digits is a range ("1-2"), not a number written apart; other joiners fold."""
    assert normalize(one) != normalize(other)
    assert not check(FillKey(accepted=(one,)), other).correct


def test_a_range_may_be_typed_with_spaces_or_a_dash():
    key = FillKey(accepted=("1-2",))
    assert all(check(key, t).correct for t in ["1 - 2", "1–2", "1-2"])


def test_single_choice_is_right_only_for_the_correct_choice():
    key = ChoiceKey(type="single", choices=(1, 2, 3), correct_choices=frozenset({2}))
    assert check(key, 2).correct and check(key, 2).score == 1.0
    assert not check(key, 1).correct and check(key, 1).score == 0.0


def test_true_false_is_checked_like_single_choice():
    key = ChoiceKey(type="truefalse", choices=(7, 8), correct_choices=frozenset({8}))
    assert check(key, 8).correct
    assert not check(key, 7).correct


@pytest.mark.parametrize("given", [99, "2", None, True, [2]])
def test_single_choice_refuses_choices_of_another_question_or_wrong_types(given):
    key = ChoiceKey(type="single", choices=(1, 2, 3), correct_choices=frozenset({2}))
    with pytest.raises(InvalidAnswer):
        check(key, given)


def test_multiple_choice_needs_exactly_the_right_set():
    key = ChoiceKey(type="multiple", choices=(1, 2, 3, 4), correct_choices=frozenset({1, 2}))
    assert check(key, {1, 2}).correct
    subset = check(key, {1})
    assert not subset.correct and subset.score == 0.5
    superset = check(key, {1, 2, 3})
    assert not superset.correct and superset.score == 0.5
    assert check(key, {3, 4}).score == 0.0
    assert not check(key, set()).correct


def test_multiple_choice_refuses_unknown_ids():
    key = ChoiceKey(type="multiple", choices=(1, 2, 3), correct_choices=frozenset({1, 2}))
    with pytest.raises(InvalidAnswer):
        check(key, {1, 9})


def test_ordering_is_right_only_in_the_exact_order_with_partial_score():
    key = OrderingKey(order=(10, 11, 12, 13))
    assert check(key, [10, 11, 12, 13]).correct
    swapped = check(key, [11, 10, 12, 13])
    assert not swapped.correct and swapped.score == 0.5


@pytest.mark.parametrize("given", [[10, 11, 12], [10, 10, 11, 12], [10, 11, 12, 99], "10,11,12,13"])
def test_ordering_must_use_every_item_once(given):
    key = OrderingKey(order=(10, 11, 12, 13))
    with pytest.raises(InvalidAnswer):
        check(key, given)


def test_matching_scores_each_pair():
    key = MatchingKey(pairs=(1, 2, 3))
    assert check(key, {1: 1, 2: 2, 3: 3}).correct
    one_swap = check(key, {1: 2, 2: 1, 3: 3})
    assert not one_swap.correct and one_swap.score == pytest.approx(1 / 3)


@pytest.mark.parametrize("given", [{1: 1, 2: 2}, {1: 1, 2: 2, 3: 9}, {1: 1, 2: 2, 3: 3, 4: 4}, [1, 2, 3]])
def test_matching_refuses_incomplete_or_foreign_pairs(given):
    key = MatchingKey(pairs=(1, 2, 3))
    with pytest.raises(InvalidAnswer):
        check(key, given)


def test_question_model_checks_with_its_own_rows(starter_bank):
    from quizapp.catalog.models import Question

    question = Question.objects.get(key="parallel-q01")
    assert question.check_answer("ＴＰ").correct
    assert not question.check_answer("EP").correct
    ordering = Question.objects.get(key="history-q02")
    right = [i.pk for i in ordering.order_items.all()]
    assert ordering.check_answer(right).correct
    assert not ordering.check_answer(list(reversed(right))).correct


NEAR = ("张量并行", "Tensor Parallel", "TP", "检索增强生成")


@pytest.mark.parametrize(
    ("typed", "edit", "typed_parts", "accepted_parts"),
    [
        ("Tensor Paxallel", "replaced", (("Tensor Pa", False), ("x", True), ("allel", False)),
         (("Tensor Pa", False), ("r", True), ("allel", False))),
        ("tensor paralel", "missing", (("tensor paral", False), ("‸", True), ("el", False)),
         (("Tensor Paral", False), ("l", True), ("el", False))),
        ("Tensor Parallels", "extra", (("Tensor Parallel", False), ("s", True)), (("Tensor Parallel", False),)),
        ("检索增强生戍", "replaced", (("检索增强生", False), ("戍", True)), (("检索增强生", False), ("成", True))),
    ],
)
def test_a_typed_answer_one_edit_off_a_long_accepted_answer_is_a_near_miss(typed, edit, typed_parts,
                                                                           accepted_parts):
    miss = near_miss(NEAR, typed)
    assert not check(FillKey(accepted=NEAR), typed).correct
    assert (miss.edit, miss.typed, miss.accepted) == (edit, typed_parts, accepted_parts)


@pytest.mark.parametrize("typed", ["Tensor Parallel", "tensor-parallel", "TQ", "张量并列", "Tensor Paxalel", ""])
def test_right_answers_short_answers_and_two_edits_are_no_near_miss(typed):
    """Right is right; a 2-character answer one letter off is a different answer, not a slip."""
    assert near_miss(NEAR, typed) is None
