"""bench_dashboard, at a toy size: its JSON line keeps the contract's shape, and the database is left as it was."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizapp.accounts.models import User
from quizapp.cards.models import Review
from quizapp.classes.management.commands import bench_dashboard
from quizapp.classes.models import Classroom
from quizapp.quizzes.models import Response


@pytest.fixture
def small_classes(monkeypatch):
    monkeypatch.setattr(bench_dashboard, "LEARNERS", 12)
    monkeypatch.setattr(bench_dashboard, "CARDS_PER_LEARNER", 4)


def test_prints_the_contract_json_and_leaves_the_database_as_it_was(starter_bank, small_classes):
    before = (User.objects.count(), Classroom.objects.count(), Response.objects.count(), Review.objects.count())
    out = StringIO()
    call_command("bench_dashboard", "--json", "--sizes", "100,300", "--runs", "2", stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(result) == {"class_dashboard_ms", "learner_dashboard_ms", "queries"}
    assert set(result["class_dashboard_ms"]) == set(result["learner_dashboard_ms"]) == {"100", "300"}
    assert all(ms > 0 for ms in result["class_dashboard_ms"].values())
    assert result["queries"]["class"] > 0 and result["queries"]["learner"] > 0
    assert (User.objects.count(), Classroom.objects.count(), Response.objects.count(),
            Review.objects.count()) == before


def test_the_table_shows_each_size_and_how_it_was_when_built(starter_bank, small_classes):
    out = StringIO()
    call_command("bench_dashboard", "--sizes", "100,300", "--runs", "1", stdout=out)
    text = out.getvalue()
    assert "built 100 events" in text and "built 300 events" in text
    assert "query counts differ" not in text


def test_refuses_to_run_without_content(db):
    with pytest.raises(CommandError, match="load_content"):
        call_command("bench_dashboard", "--sizes", "100")
