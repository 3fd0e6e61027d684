import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.cards import services as cards
from quizapp.cards.models import Review
from quizapp.progress.models import DailyActivity, ItemStats, SectionDay, SectionProgress
from quizapp.progress.rebuild import progress_rebuild
from quizapp.quizzes.models import LearnerSkill, Response
from tests.progress.helpers import DAY_ONE, Clock, answer_next, moment, peak, practise, review_some_card


def test_an_answer_updates_every_rollup_in_the_same_transaction(starter_bank, learner):
    recorded = answer_next(learner, right=True)
    response = recorded.response
    progress = SectionProgress.objects.get(learner=learner, section_id=response.section_id)
    assert (progress.answers, progress.correct) == (1, 1)
    assert progress.last_activity == response.answered_at
    skill = LearnerSkill.objects.get(learner=learner, section_id=response.section_id)
    assert progress.mastery == skill.mastery and progress.state == skill.state
    day = DailyActivity.objects.get(learner=learner)
    assert (day.answers, day.correct, day.study_ms) == (1, 1, response.seconds * 1000)
    assert SectionDay.objects.get(learner=learner).answers == 1
    stats = ItemStats.objects.get(question_id=response.question_id)
    assert (stats.answers, stats.first_answers, stats.first_right) == (1, 1, 1)


def test_a_wrong_answer_counts_but_not_as_correct(starter_bank, learner):
    answer_next(learner, right=False)
    day = DailyActivity.objects.get(learner=learner)
    assert (day.answers, day.correct) == (1, 0)


def test_a_review_and_its_undo_leave_the_rollups_as_before(starter_bank, learner):
    clock = Clock()
    review = review_some_card(learner, 3, clock)
    day = DailyActivity.objects.get(learner=learner)
    assert (day.reviews, day.study_ms) == (1, 4000)
    progress = SectionProgress.objects.get(learner=learner)
    assert progress.reviews == 1 and progress.last_activity == review.reviewed_at
    cards.review_undo(learner=learner, review_id=review.pk)
    day.refresh_from_db()
    progress.refresh_from_db()
    assert (day.reviews, day.study_ms) == (0, 0)
    assert progress.reviews == 0 and progress.last_activity is None


def test_true_retention_counts_only_review_cards_and_again_as_a_miss(starter_bank, learner):
    clock = Clock()
    for rating in (3, 3):  # new -> learning -> review after the steps
        review_some_card(learner, rating, clock)
        clock.advance(1)
    card_review = None
    for _ in range(6):
        clock.advance(24 * 20)
        card_review = review_some_card(learner, 1, clock)
        if card_review and card_review.state_before == 2:
            break
    assert card_review is not None and card_review.state_before == 2
    totals = DailyActivity.objects.filter(learner=learner)
    assert sum(d.recall_reviews for d in totals) >= 1
    assert sum(d.recalled for d in totals) < sum(d.recall_reviews for d in totals)
    assert SectionProgress.objects.get(learner=learner, section_id=card_review.card.flashcard.section_id).lapses >= 1


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.booleans()),
        st.tuples(st.just("review"), st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("undo"), st.just(0)),
        st.tuples(st.just("wait"), st.floats(min_value=0.1, max_value=72)),
    ),
    min_size=1, max_size=25,
)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_rollups_equal_a_recomputation_from_history(starter_bank, learner, actions):
    with transaction.atomic():
        clock = Clock()
        for action, value in actions:
            if action == "answer":
                with moment(clock.now):  # answers follow the simulated clock too: study days pass
                    answer_next(learner, right=value)
            elif action == "review":
                review_some_card(learner, value, clock)
            elif action == "undo":
                latest = Review.objects.filter(learner=learner).order_by("-reviewed_at", "-pk").first()
                if latest:
                    cards.review_undo(learner=learner, review_id=latest.pk)
            else:
                clock.advance(value)
        report = progress_rebuild(fix=False)
        assert report.differences == []
        transaction.set_rollback(True)


def test_mastery_peak_is_the_best_level_a_study_day_began_with(starter_bank, learner):
    practise(learner, "history", [True, True, True, True], at=DAY_ONE)
    practise(learner, "history", [False, False], at=DAY_ONE + timedelta(hours=8))
    assert peak(learner) == 0.0  # the first day began at nothing; its ups and downs set no level
    # 03:31 the next morning: still the first study day, which turns at 04:00
    late = practise(learner, "history", [True], at=DAY_ONE + timedelta(hours=17, minutes=30))
    assert peak(learner) == 0.0
    second_day = practise(learner, "history", [True, True, False], at=DAY_ONE + timedelta(days=1))
    assert peak(learner) == pytest.approx(late[-1])  # the second day began where the first one ended
    assert max(second_day) > late[-1]  # what it reached is no level until a later day begins with it
    practise(learner, "history", [False], at=DAY_ONE + timedelta(days=2))
    assert peak(learner) == pytest.approx(max(late[-1], second_day[-1]))
    assert progress_rebuild(fix=False).differences == []


def test_item_stats_keep_the_first_answers_score_for_facility(starter_bank, learner, other_learner):
    """A partly right first answer adds its share to first_score (facility is their mean, as Moodle's); the
    rebuild and the migration that filled the field agree with what the answers left."""
    for who in (learner, other_learner):
        for right in (True, False, True, False, False):
            answer_next(who, right=right)
    scores = {}
    for r in Response.objects.filter(first_try=True):
        scores[(r.question_id, r.question_version)] = scores.get((r.question_id, r.question_version), 0) + r.score
    stored = {(s.question_id, s.version): s.first_score for s in ItemStats.objects.all()}
    assert stored == pytest.approx(scores)
    assert progress_rebuild(fix=False).differences == []
    ItemStats.objects.update(first_score=0.0)
    migration = importlib.import_module("quizapp.progress.migrations.0006_item_stats_first_score")
    migration.fill_first_scores(apps, None)
    assert {(s.question_id, s.version): s.first_score for s in ItemStats.objects.all()} == pytest.approx(scores)
