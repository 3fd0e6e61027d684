"""Simulated worlds (quizzes/worlds.py) run through the real services, and the world-file contract of
`simulate_adaptive --world`."""

import json

import pytest
from django.core.management import CommandError, call_command

from quizapp.quizzes import worlds
from quizapp.quizzes.models import Attempt, LearnerSkill, Response

KEYS = {"call_accuracy", "naive_accuracy", "auc", "sections_scored", "demotions_after_right",
        "answers_per_known_section", "answers_per_unknown_section", "answers_to_mastery"}


def test_a_small_world_runs_through_the_services_and_reports_the_contracts_figures(full_bank):
    world = worlds.World.from_json({"kind": "binary", "learners": 3, "warmup_learners": 1, "seed": 3,
                                    "quizzes": [["mixed", 12], ["weak", 6]], "p_know": 0.5})
    result = worlds.run(world)
    assert KEYS <= set(result)
    assert Attempt.objects.count() == 8 and Response.objects.count() == 4 * 18
    assert result["demotions_after_right"] == 0 and result["answers_to_mastery"] is None
    assert result["sections_scored"] == LearnerSkill.objects.filter(
        learner__username__in=[f"world-3-{n}" for n in (1, 2, 3)], answers__gte=3).count()


def test_an_irt_world_with_learning_measures_answers_to_mastery(full_bank, monkeypatch):
    monkeypatch.setattr(worlds, "MAX_ANSWERS", 40)
    world = worlds.World.from_json({"kind": "irt", "learners": 1, "seed": 5, "quizzes": [["mixed", 10]],
                                    "theta_mean": 1.0, "p_learn": 0.5})
    result = worlds.run(world)
    assert 10 <= result["answers_to_mastery"] <= 40


@pytest.mark.parametrize("text, message", [
    ("[1, 2]", "one JSON object"),
    ('{"kind": "flat", "learners": 3, "quizzes": [["mixed", 10]]}', "kind must be"),
    ('{"kind": "binary", "learners": 3, "quizzes": [["mixed", 99]]}', "each quiz"),
    ('{"kind": "binary", "learners": -1, "quizzes": [["mixed", 10]]}', "learners must be between"),
    ('{"kind": "binary", "learners": 3, "quizzes": [["mixed", 10]], "p_know": 2}', "p_know must be between"),
    ('{"kind": "binary", "learners": 3, "quizzes": [["mixed", 10]], "p_knwo": 0.2}', "unknown keys: p_knwo"),
    ("{not json", "Expecting property name"),
])
def test_a_bad_world_file_is_refused_with_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "world.json"
    path.write_text(text)
    with pytest.raises(CommandError, match=message):
        call_command("simulate_adaptive", "--world", str(path), "--json")


def test_a_missing_world_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("simulate_adaptive", "--world", str(tmp_path / "none.json"))


def test_auc_counts_ties_as_half():
    assert worlds.auc([0.1, 0.9], [False, True]) == 1.0
    assert worlds.auc([0.5, 0.5], [False, True]) == 0.5
    assert worlds.auc([0.2, 0.4, 0.4, 0.9], [False, False, True, True]) == pytest.approx(0.875)
    assert worlds.auc([0.3], [True]) is None
    assert json.dumps(worlds.auc([0.1, 0.2], [True, False])) == "0.0"
