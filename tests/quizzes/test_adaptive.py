"""The pure engine (quizzes/adaptive.py): the properties issue 15 asks for, tested with hypothesis, and the
quiz rules of question selection."""

import math
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.quizzes import adaptive
from quizapp.quizzes.adaptive import Belief, Calibration, Candidate, PastAnswer, QuizHistory

scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
offsets = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False)
# Any prior a fit could produce: arbitrary non-negative weights (the engine floors and normalises them).
priors = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=adaptive.GRID_POINTS,
                  max_size=adaptive.GRID_POINTS).filter(lambda w: sum(w) > 0)
calibrations = st.builds(lambda prior, learn: Calibration(prior=tuple(adaptive.floored(prior)), learn=learn),
                         priors, st.floats(min_value=0.0, max_value=0.3))
answer_lists = st.lists(st.tuples(offsets, scores), max_size=40)


def replay(calibration, answers):
    belief = Belief.start(calibration)
    for offset, score in answers:
        belief = adaptive.update(belief, offset, score, calibration)
    return belief


@given(calibrations, answer_lists)
@settings(max_examples=200, deadline=None)
def test_estimates_stay_bounded_and_the_belief_a_distribution_for_any_answers(calibration, answers):
    belief = replay(calibration, answers)
    w = np.asarray(belief.weights)
    assert np.all(w >= 0) and math.isclose(w.sum(), 1.0, rel_tol=1e-9)
    m = adaptive.mastery(belief)
    assert 0.0 <= m.estimate <= 1.0
    assert adaptive.Z_MIN <= belief.mean <= adaptive.Z_MAX and belief.sd >= 0
    assert belief.answers == len(answers) and belief.right == sum(1 for _, s in answers if s >= 1.0)


@given(calibrations, answer_lists, offsets)
@settings(max_examples=300, deadline=None)
def test_a_right_answer_never_lowers_the_estimate_nor_the_call(calibration, answers, offset):
    before = replay(calibration, answers)
    after = adaptive.update(before, offset, 1.0, calibration)
    m0, m1 = adaptive.mastery(before), adaptive.mastery(after)
    assert m1.estimate >= m0.estimate - 1e-12
    order = [adaptive.NOT_STARTED, adaptive.LEARNING, adaptive.MASTERED]
    assert order.index(m1.state) >= order.index(m0.state)


@given(calibrations, answer_lists, offsets)
@settings(max_examples=300, deadline=None)
def test_a_wrong_answer_never_raises_the_estimate_nor_promotes(calibration, answers, offset):
    before = replay(calibration, answers)
    after = adaptive.update(before, offset, 0.0, calibration)
    m0, m1 = adaptive.mastery(before), adaptive.mastery(after)
    assert m1.estimate <= m0.estimate + 1e-12
    assert not (m1.state == adaptive.MASTERED and m0.state != adaptive.MASTERED)


@given(calibrations, answer_lists)
@settings(max_examples=100, deadline=None)
def test_the_call_is_the_same_when_the_same_answers_are_replayed(calibration, answers):
    first, second = replay(calibration, answers), replay(calibration, answers)
    assert first == second
    assert adaptive.mastery(first) == adaptive.mastery(second)


def test_three_right_answers_from_the_start_are_a_mastered_call_with_the_default_calibration():
    belief = Belief.start()
    states = []
    for _ in range(3):
        belief = adaptive.update(belief, 0.0, 1.0)
        states.append(adaptive.mastery(belief).state)
    assert states == [adaptive.LEARNING, adaptive.LEARNING, adaptive.MASTERED]


@given(calibrations, st.lists(st.floats(-adaptive.OFFSET_BOUND, adaptive.OFFSET_BOUND), min_size=12, max_size=12))
@settings(max_examples=100, deadline=None)
def test_twelve_right_answers_in_a_row_reach_mastered_whatever_the_fit_and_the_questions(calibration, offsets_):
    # However pessimistic a fitted prior, it keeps PRIOR_FLOOR spread over every skill, so right answers win.
    belief = Belief.start(calibration)
    for offset in offsets_:
        belief = adaptive.update(belief, offset, 1.0, calibration)
    assert adaptive.mastery(belief).state == adaptive.MASTERED


def test_a_wrong_answer_after_right_ones_is_a_setback_not_a_reset():
    belief = Belief.start()
    for _ in range(4):
        belief = adaptive.update(belief, 0.0, 1.0)
    slipped = adaptive.update(belief, 0.0, 0.0)
    assert 0.0 < adaptive.mastery(slipped).estimate < adaptive.mastery(belief).estimate
    assert slipped.answers == 5 and slipped.right == 4


def test_a_right_answer_to_a_hard_question_says_more_than_one_to_an_easy_question():
    start = Belief.start()
    hard = adaptive.mastery(adaptive.update(start, 2.0, 1.0)).estimate
    easy = adaptive.mastery(adaptive.update(start, -2.0, 1.0)).estimate
    assert hard > easy


# --- selection -------------------------------------------------------------------------------------------

def _pool():
    return [Candidate(q, 1 if q <= 5 else 2, 0.0) for q in range(1, 11)]


def test_selection_never_returns_a_question_outside_the_pool_or_against_the_rules():
    rng = random.Random(3)
    for _ in range(50):
        pool = [Candidate(q, rng.randint(1, 4), rng.uniform(-2, 2)) for q in rng.sample(range(1, 60), 12)]
        in_quiz = {c.question_id: (i + 1, rng.random() < 0.5) for i, c in enumerate(pool[:4])}
        history = QuizHistory(position=5, in_quiz=in_quiz, last_question=pool[3].question_id, length=10)
        chosen = adaptive.select_question(pool, {}, history, rng)
        assert chosen in {c.question_id for c in pool}
        assert chosen != history.last_question
        assert chosen not in in_quiz or not in_quiz[chosen][1]


def test_ties_are_broken_reproducibly_by_the_seed():
    picks = {adaptive.select_question(_pool(), {}, QuizHistory(), random.Random(7)) for _ in range(5)}
    assert len(picks) == 1
    spread = {adaptive.select_question(_pool(), {}, QuizHistory(), random.Random(s)) for s in range(40)}
    assert len(spread) > 1


def test_never_the_same_question_twice_in_a_row_nor_a_right_one_again_in_the_quiz():
    pool = [Candidate(1, 1), Candidate(2, 1)]
    history = QuizHistory(position=2, in_quiz={1: (1, True)}, last_question=1)
    assert adaptive.select_question(pool, {}, history, random.Random(0)) == 2
    history = QuizHistory(position=3, in_quiz={1: (1, True), 2: (2, True)}, last_question=2)
    assert adaptive.select_question(pool, {}, history, random.Random(0)) is None


def test_a_missed_question_comes_back_three_positions_later_not_at_once():
    pool = [Candidate(q, 1) for q in range(1, 9)]
    soon = QuizHistory(position=2, in_quiz={1: (1, False)}, last_question=1, length=10)
    assert adaptive.select_question(pool, {}, soon, random.Random(0)) != 1
    later = QuizHistory(position=4, in_quiz={1: (1, False), 2: (2, True), 3: (3, True)}, last_question=3, length=10)
    assert adaptive.select_question(pool, {}, later, random.Random(0)) == 1


def test_a_question_missed_near_the_end_comes_back_before_the_quiz_ends():
    pool = [Candidate(q, 1) for q in range(1, 12)]
    in_quiz = {q: (q, q != 8) for q in range(1, 10)}  # 8 missed at position 8; position 10 is the last
    history = QuizHistory(position=10, in_quiz=in_quiz, last_question=9, length=10)
    assert adaptive.select_question(pool, {}, history, random.Random(0)) == 8


def test_a_missed_question_comes_back_once_not_a_third_time():
    pool = [Candidate(q, 1) for q in range(1, 9)]
    in_quiz = {1: (4, False), 2: (2, True), 3: (3, True), 4: (5, True)}
    again = QuizHistory(position=8, in_quiz=in_quiz, last_question=4, length=10)
    assert adaptive.select_question(pool, {}, again, random.Random(0)) == 1
    third = QuizHistory(position=8, in_quiz=in_quiz, last_question=4, asked_twice=frozenset({1}), length=10)
    assert adaptive.select_question(pool, {}, third, random.Random(0)) != 1


def test_at_most_a_third_of_a_quiz_is_second_tries():
    pool = [Candidate(q, 1) for q in range(1, 30)]
    in_quiz = {q: (q, False) for q in range(1, 8)}
    history = QuizHistory(position=8, in_quiz=in_quiz, last_question=7, asked_twice=frozenset({1, 2, 3}), length=10)
    assert adaptive.select_question(pool, {}, history, random.Random(0)) not in in_quiz


def test_in_a_quiz_as_long_as_its_pool_a_missed_question_waits_for_a_later_quiz():
    pool = [Candidate(q, 1) for q in range(1, 6)]
    history = {"position": 5, "in_quiz": {1: (1, False), 2: (2, True), 3: (3, True), 4: (4, True)},
               "last_question": 4, "length": 5}
    assert adaptive.select_question(pool, {}, QuizHistory(**history), random.Random(0)) == 1
    assert adaptive.select_question(pool, {}, QuizHistory(**history, capped=True), random.Random(0)) == 5


def test_a_question_answered_right_recently_waits_and_one_missed_in_an_earlier_quiz_returns():
    pool = [Candidate(1, 1), Candidate(2, 1), Candidate(3, 1)]
    history = QuizHistory(earlier={1: PastAnswer(correct=True, days_ago=0.1), 2: PastAnswer(correct=False, days_ago=0.1)})
    scores = adaptive.score_candidates(pool, {}, history)
    assert scores[2] > scores[3] > scores[1]


def _after(answers):
    belief = Belief.start()
    for score in answers:
        belief = adaptive.update(belief, 0.0, score)
    return belief


def test_an_unsettled_section_gets_the_next_question_and_settled_ones_wait():
    # Two right answers: one more could make the call. Six right, or six wrong: settled either way.
    pool = [Candidate(1, 1), Candidate(2, 2), Candidate(3, 3)]
    beliefs = {1: _after([1, 1, 1, 1, 1, 1]), 2: _after([0, 0, 0, 0, 0, 0]), 3: _after([1, 1])}
    assert adaptive.select_question(pool, beliefs, QuizHistory(), random.Random(0)) == 3


def test_a_section_whose_first_answer_was_right_is_asked_again_to_settle_its_call():
    # One right answer cannot make a mastered call (MIN_RIGHT), two more can: the look-ahead sees that.
    pool = [Candidate(1, 1), Candidate(2, 2)]
    beliefs = {1: _after([1]), 2: _after([1, 1, 1, 1, 1, 1])}
    assert adaptive.select_question(pool, beliefs, QuizHistory(), random.Random(0)) == 1


def test_a_weak_spots_quiz_practises_the_least_mastered_section():
    pool = [Candidate(1, 1), Candidate(2, 2)]
    beliefs = {1: _after([0, 0, 0, 0]), 2: _after([1, 1])}
    assert adaptive.select_question(pool, beliefs, QuizHistory(), random.Random(0),
                                    practice=adaptive.WEAK_PRACTICE) == 1
    assert adaptive.select_question(pool, beliefs, QuizHistory(), random.Random(0)) == 2
