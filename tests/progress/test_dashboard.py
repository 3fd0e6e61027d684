"""The dashboard's figures (quizapp/progress/dashboard.py) computed another way for the Today page."""

import random
from datetime import date, timedelta

from quizapp.progress.dashboard import ActivityDay, activity_days, current_streak, streaks


def test_the_current_streak_without_the_year_drawn_is_the_dashboards():
    rng = random.Random(21)
    today = date(2026, 12, 7)
    for _ in range(300):
        density = rng.random()
        year = [ActivityDay(today - timedelta(days=back), rng.randint(0, 3), 0, rng.randint(0, 1), 0, 0)
                for back in range(rng.randint(0, 365)) if rng.random() < density]
        active = {a.day for a in year if a.activity}
        assert current_streak(active, today) == streaks(activity_days(year, today))[0]
