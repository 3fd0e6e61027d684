"""The simulate_srs benchmark's engine and command (a short run; the benchmark itself is not a test)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from quizapp.cards import simulation


def test_command_prints_a_table_then_one_json_line_with_every_scheduler(db):
    out = StringIO()
    call_command("simulate_srs", "--learners", "1", "--days", "40", "--cards", "30", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert "scheduler" in lines[1]
    result = json.loads(lines[-1])
    assert set(result) == {"fsrs", "fixed", "sm2"}
    for figures in result.values():
        assert set(figures) == {"reviews_per_card", "recall", "retention_day_180"}
        assert 0 < figures["recall"] <= 1 and 0 < figures["retention_day_180"] <= 1


@pytest.mark.parametrize("name", ["fsrs", "fixed", "sm2"])
def test_simulation_is_reproducible(name):
    a = simulation.simulate(name, 20, learners=1, days=30, seed=3).summary()
    b = simulation.simulate(name, 20, learners=1, days=30, seed=3).summary()
    assert a == b


def test_fsrs_keeps_measured_recall_near_its_desired_retention():
    result = simulation.simulate("fsrs", 60, learners=3, days=180, seed=2).summary()
    assert 0.85 <= result["recall"] <= 0.95
