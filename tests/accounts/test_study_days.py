from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from quizapp.accounts.study_days import study_day, study_days_between

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def test_the_study_day_rolls_over_at_four_in_the_morning_shanghai_time(learner):
    before = datetime(2025, 3, 2, 3, 59, tzinfo=SHANGHAI)
    after = datetime(2025, 3, 2, 4, 0, tzinfo=SHANGHAI)
    assert str(study_day(learner, before).date) == "2025-03-01"
    assert str(study_day(learner, after).date) == "2025-03-02"
    assert study_day(learner, before).end == after.astimezone(timezone.utc)


def test_an_answer_after_midnight_is_still_the_same_study_day(learner):
    evening = datetime(2025, 3, 1, 22, 0, tzinfo=SHANGHAI)
    small_hours = datetime(2025, 3, 2, 1, 0, tzinfo=SHANGHAI)
    next_morning = datetime(2025, 3, 2, 9, 0, tzinfo=SHANGHAI)
    assert study_days_between(learner, evening, small_hours) == 0
    assert study_days_between(learner, evening, next_morning) == 1
    assert study_days_between(learner, None, next_morning) is None
