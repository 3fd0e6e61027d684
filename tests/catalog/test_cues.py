"""The cue figures on small hand-made banks: what a test-wise learner would exploit is counted."""

import pytest

from quizapp.catalog.question_types.cues import (
    ChoiceQuestion,
    bounds,
    cues,
    gloss_only_right,
    has_gloss,
    multiple_cues,
    single_cues,
    text_length,
    truefalse_cues,
)


def single(key, right, *wrong):
    return ChoiceQuestion(key, "single", ((right, True), *((w, False) for w in wrong)))


def multiple(key, right, wrong):
    return ChoiceQuestion(key, "multiple", tuple((t, True) for t in right) + tuple((t, False) for t in wrong))


def truefalse(key, answer):
    return ChoiceQuestion(key, "truefalse", (("true", answer), ("false", not answer)))


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("张量并行", 4),
        ("Tensor Parallel", 14),  # spaces do not count
        ("ＴＰ（张量）", 6),  # NFKC: full-width letters and brackets are one character each, as read
        ("**张量**并行", 4),  # Markdown marks do not count
        ("`top_k` 采样", 6),
        ("[张量并行](https://example.org/tp)", 4),  # a link counts by its text
        ("> # 标题", 2),
    ],
)
def test_length_is_what_a_learner_reads(text, length):
    assert text_length(text) == length


def test_a_gloss_is_a_bracketed_note_in_either_width():
    assert has_gloss("OCR（光学字符识别）") and has_gloss("OCR (optical character recognition)")
    assert not has_gloss("图像分类") and not has_gloss("f(")


def test_single_choice_counts_the_right_option_strictly_longest_and_strictly_shortest():
    bank = [
        single("a", "很长很长的正确选项", "短", "短二"),  # longest
        single("b", "短", "很长的错误选项", "也很长的错误"),  # shortest
        single("c", "一样长", "一样长", "短"),  # tied for longest: not strictly
        single("d", "中等长度", "短", "很长很长的错误选项"),  # neither
    ]
    assert single_cues(bank) == {"questions": 4, "right_longest": 0.25, "right_shortest": 0.25}


def test_true_false_share_is_the_share_of_true_statements():
    bank = [truefalse("a", True), truefalse("b", True), truefalse("c", False), truefalse("d", True)]
    assert truefalse_cues(bank) == {"questions": 4, "true_share": 0.75}


def test_multiple_choice_counts_right_options_and_which_are_longer_on_average():
    bank = [
        multiple("a", ["长长长长", "长长长长"], ["短", "短", "短"]),  # right longer
        multiple("b", ["短", "短", "短"], ["长长长长", "长长长长"]),
        multiple("c", ["中中", "中中", "中中"], ["中中", "中中"]),  # equal: not longer
        multiple("d", ["长长长长", "长长长长", "长长", "短"], ["中中"]),  # 2.75 > 2: longer
    ]
    assert multiple_cues(bank) == {"questions": 4, "right_counts": {"2": 1, "3": 2, "4": 1},
                                   "max_count_share": 0.5, "right_longer": 0.5}


def test_gloss_counts_questions_where_only_right_options_carry_one():
    bank = [
        single("only-right", "OCR（光学字符识别）", "图像分类", "语音识别"),
        single("every-option", "OCR（光学字符识别）", "ASR（语音识别）", "NLP（自然语言处理）"),
        single("only-wrong", "OCR", "ASR（语音识别）", "NLP"),
        multiple("multi-right", ["TP(张量并行)", "PP"], ["显存", "带宽"]),
        truefalse("tf", True),
    ]
    assert gloss_only_right(bank) == ["only-right", "multi-right"]


def test_every_figure_has_a_bound_and_says_whether_the_bank_keeps_it():
    bank = [single("a", "很长很长的正确选项", "短", "短二")] + [truefalse(str(i), i < 3) for i in range(5)]
    figures = cues(bank)
    kept = {name: b["ok"] for name, b in figures["bounds"].items()}
    assert kept == {"single_right_longest": False, "single_right_shortest": True, "truefalse_true_share": True,
                    "multiple_max_count_share": True, "multiple_right_longer": True, "gloss_only_right": True}
    assert figures["bounds"]["truefalse_true_share"] == {"value": 0.6, "min": 0.4, "max": 0.6, "ok": True}
    assert [b.name for b in bounds(figures)] == list(figures["bounds"])


def test_a_bank_without_multiple_choice_has_no_multiple_figures_and_breaks_no_bound():
    figures = cues([truefalse("a", True), truefalse("b", False)])
    assert figures["multiple"] == {"questions": 0, "right_counts": {}, "max_count_share": None, "right_longer": None}
    assert all(b["ok"] for b in figures["bounds"].values())
