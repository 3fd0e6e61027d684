"""The pure FSRS wrapper: no database."""

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from quizapp.cards.scheduling import Memory, Phase, Settings, fuzz_seed, interval_parts, preview, review

NOW = datetime(2025, 3, 1, 1, 0, tzinfo=timezone.utc)
SETTINGS = Settings()


def test_new_card_goes_through_learning_steps_into_review_then_relearning_on_a_lapse():
    m = review(Memory(), 3, NOW, SETTINGS, seed=1)
    assert (m.state, m.step, m.due - NOW) == (Phase.LEARNING, 1, timedelta(minutes=10))
    m = review(m, 3, m.due, SETTINGS, seed=2)
    assert m.state == Phase.REVIEW and m.due - m.last_review >= timedelta(days=1)
    m = review(m, 1, m.due, SETTINGS, seed=3)
    assert (m.state, m.lapses, m.due - m.last_review) == (Phase.RELEARNING, 1, timedelta(minutes=10))
    m = review(m, 3, m.due, SETTINGS, seed=4)
    assert m.state == Phase.REVIEW and m.reps == 4


def test_again_on_a_new_card_comes_back_after_one_minute():
    m = review(Memory(), 1, NOW, SETTINGS, seed=1)
    assert m.state == Phase.LEARNING and m.due - NOW == timedelta(minutes=1) and m.lapses == 0


def test_higher_desired_retention_gives_shorter_intervals():
    m = review(review(Memory(), 3, NOW, SETTINGS), 3, NOW + timedelta(minutes=10), SETTINGS)
    later = m.due
    low = preview(m, later, Settings(desired_retention=0.80))[3]
    high = preview(m, later, Settings(desired_retention=0.97))[3]
    assert high < low


memories = st.builds(
    Memory,
    state=st.sampled_from([Phase.REVIEW]),
    step=st.none(),
    stability=st.floats(min_value=0.5, max_value=400),
    difficulty=st.floats(min_value=1, max_value=10),
    due=st.just(NOW),
    last_review=st.integers(min_value=1, max_value=400).map(lambda d: NOW - timedelta(days=d)),
    reps=st.integers(min_value=1, max_value=50),
)


@hsettings(max_examples=200, deadline=None)
@given(memory=memories, seed=st.integers(min_value=0, max_value=2**63), rating=st.integers(1, 4))
def test_preview_equals_the_interval_the_review_applies(memory, seed, rating):
    shown = preview(memory, NOW, SETTINGS, seed)
    applied = review(memory, rating, NOW, SETTINGS, seed)
    assert applied.due - NOW == shown[rating]


def test_fuzz_depends_on_the_seed_and_stays_within_a_few_percent():
    m = Memory(state=Phase.REVIEW, stability=60.0, difficulty=5.0, due=NOW,
               last_review=NOW - timedelta(days=60))
    unfuzzed = preview(m, NOW, SETTINGS, seed=None)[3].days
    fuzzed = {preview(m, NOW, SETTINGS, seed=fuzz_seed(1, 2, n))[3].days for n in range(40)}
    assert len(fuzzed) > 1
    assert all(abs(d - unfuzzed) <= 0.1 * unfuzzed + 2 for d in fuzzed)


def test_interval_parts_read_like_anki():
    assert interval_parts(timedelta(minutes=10)) == ("minutes", 10)
    assert interval_parts(timedelta(days=4)) == ("days", 4)
    assert interval_parts(timedelta(days=36)) == ("months", 1.2)
    assert interval_parts(timedelta(days=730)) == ("years", 2.0)
    # At a unit's edge the next unit takes over, rather than "<60m", "30d" or "12.0mo".
    assert interval_parts(timedelta(minutes=59, seconds=30)) == ("hours", 1)
    assert interval_parts(timedelta(hours=5, minutes=20)) == ("hours", 5)
    assert interval_parts(timedelta(hours=23, minutes=40)) == ("days", 1)
    assert interval_parts(timedelta(days=29, hours=12)) == ("months", 1.0)
    assert interval_parts(timedelta(days=364)) == ("years", 1.0)


def test_a_review_on_the_next_study_day_counts_a_whole_day_even_if_under_24_hours():
    m = review(review(Memory(), 3, NOW, SETTINGS), 3, NOW + timedelta(minutes=10), SETTINGS)
    next_morning = m.last_review + timedelta(hours=20)
    same_day = review(m, 3, next_morning, SETTINGS)  # on the clock: 20 h is "the same day"
    next_day = review(m, 3, next_morning, SETTINGS, elapsed_days=1)
    assert next_day.stability > same_day.stability
    assert next_day.last_review == next_morning
