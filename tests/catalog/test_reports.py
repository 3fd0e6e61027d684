"""content_report (catalog/reports.py): what each leaf of the bank holds, and a leaf left without questions."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizapp.catalog.models import Question, Status


def test_content_report_json_lists_every_leaf(starter_bank):
    import json

    out = StringIO()
    call_command("content_report", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert [s["id"] for s in report["sections"]] == ["history", "lora", "parallel"]
    history = report["sections"][0]
    assert history == {"id": "history", "title": "发展历程", "questions": 4,
                       "types": {"single": 1, "truefalse": 1, "ordering": 1, "matching": 1}, "flashcards": 2}
    assert report["totals"]["questions"] == 8 and report["totals"]["flashcards"] == 4
    assert sum(report["totals"]["types"].values()) == 8
    # The answer cues of the published choice questions, each beside its bound.
    cues = report["cues"]
    assert cues["single"]["questions"] == 2 and cues["truefalse"]["questions"] == 1
    assert cues["truefalse"]["true_share"] in (0.0, 1.0)
    assert set(cues["bounds"]) == {"single_right_longest", "single_right_shortest", "truefalse_true_share",
                                   "multiple_max_count_share", "multiple_right_longer", "gloss_only_right"}
    assert cues["bounds"]["truefalse_true_share"]["ok"] is False  # one true/false question: 0% or 100% true


def test_content_report_fails_when_a_leaf_has_no_question(starter_bank):
    Question.objects.filter(section__key="lora").update(status=Status.DRAFT)
    with pytest.raises(CommandError, match="lora"):
        call_command("content_report", stdout=StringIO())
