"""The bank's one write path (catalog/pipeline.py): a plan that writes nothing, an apply that writes all or
nothing, and versions kept the same way whether content files, an import or the admin's duplicate wrote."""

import importlib
import shutil
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from quizapp.catalog import pipeline
from quizapp.catalog.authoring import import_apply, questions_duplicate, import_read
from quizapp.catalog.loading import QuestionSpec, question_content
from quizapp.catalog.models import Question, QuestionVersion, Section, Status
from quizapp.catalog.rules import Problem
from tests.conftest import FIXTURE_BANK
from tests.factories import QuestionFactory, SectionFactory

reconstruct = importlib.import_module("quizapp.catalog.migrations.0005_reconstruct_missing_versions")


@pytest.fixture
def bank(tmp_path):
    target = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, target)
    return target


def load(path):
    out = StringIO()
    call_command("load_content", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def spec(key, section, **changes):
    fields = dict(key=key, section=section, type="fill", prompt="把一层切到多卡上叫 ____。",
                  explanation="层内切分。", difficulty=2, tags=[], status=Status.PUBLISHED, answers=["张量并行"])
    return QuestionSpec.build(**{**fields, **changes})


@pytest.mark.django_db
def test_reloading_changed_content_writes_exactly_one_version_row(bank):
    load(bank)
    question = Question.objects.get(key="history-q01")
    asked_before = question_content(question)["prompt"]
    edit(bank / "history.yaml", "哪一年 AlexNet 在 ImageNet 上取胜?", "AlexNet 在哪一年赢得 ImageNet?")
    load(bank)
    kept = list(QuestionVersion.objects.filter(question=question))
    assert [(v.number, v.content["prompt"], v.replaced_by) for v in kept] == [(1, asked_before, None)]
    assert Question.objects.get(pk=question.pk).version == 2
    load(bank)  # nothing changed: no second row, no bump
    assert QuestionVersion.objects.filter(question=question).count() == 1
    assert Question.objects.get(pk=question.pk).version == 2


@pytest.mark.django_db
def test_an_import_keeps_the_version_with_who_replaced_it(starter_bank, teacher):
    parsed = import_read("::parallel-q01:: 张量并行的英文缩写? {=TP =Tensor Parallel}", format="gift",
                         section="parallel")
    plan = import_apply(parsed=parsed, update=True, user=teacher)
    assert [(r.key, r.action, r.new_version) for r in plan.rows] == [("parallel-q01", "update", True)]
    kept = QuestionVersion.objects.get(question__key="parallel-q01")
    assert kept.number == 1 and kept.replaced_by == teacher
    assert "Tensor Parallelism" in kept.content["answers"]
    assert Question.objects.get(key="parallel-q01").version == 2


@pytest.mark.django_db
def test_a_plan_writes_nothing_and_says_what_apply_will_do(starter_bank):
    leaf = Section.objects.get(key="parallel")
    changed = spec("parallel-q01", "parallel", answers=["TP"])
    plan = pipeline.bank_plan(questions=[changed, spec("parallel-q99", "parallel")], update=True)
    assert [(r.key, r.action, r.new_version, r.section_title) for r in plan.rows] == [
        ("parallel-q01", "update", True, leaf.title), ("parallel-q99", "create", False, leaf.title)]
    assert not Question.objects.filter(key="parallel-q99").exists()
    assert Question.objects.get(key="parallel-q01").version == 1
    pipeline.plan_apply(plan)
    assert Question.objects.get(key="parallel-q01").version == 2
    assert [a.text for a in Question.objects.get(key="parallel-q01").accepted_answers.all()] == ["TP"]


@pytest.mark.django_db
def test_a_renamed_question_is_updated_under_its_new_key_not_created_again(starter_bank, teacher):
    """The admin's change form may change a key: the plan finds the question under the key it has now."""
    question = Question.objects.get(key="parallel-q01")
    before = question_content(question)
    renamed = QuestionSpec.build(key="parallel-tp", **{**before, "answers": ["TP"]})
    plan = pipeline.bank_plan(questions=[renamed], update=True, renamed={"parallel-tp": "parallel-q01"})
    assert [(r.item, r.item_label, r.key, r.action, r.new_version) for r in plan.rows] == [
        ("question", "题目", "parallel-tp", "update", True)]
    pipeline.plan_apply(plan, user=teacher)
    assert list(Question.objects.filter(key__in=["parallel-q01", "parallel-tp"]).values_list(
        "pk", "key", "version")) == [(question.pk, "parallel-tp", 2)]
    assert QuestionVersion.objects.get(question=question).content == before
    assert plan.tally("question").updated == 1


@pytest.mark.django_db
def test_apply_writes_every_row_or_none(starter_bank):
    """The second spec names a section the site does not have: the first question is not left behind."""
    plan = pipeline.bank_plan(questions=[spec("parallel-q98", "parallel"), spec("parallel-q99", "nowhere")],
                              update=True)
    with pytest.raises(KeyError):
        pipeline.plan_apply(plan)
    assert not Question.objects.filter(key__in=["parallel-q98", "parallel-q99"]).exists()


@pytest.mark.django_db
def test_a_plan_with_problems_compares_nothing_and_writes_nothing(starter_bank):
    plan = pipeline.bank_plan(questions=[spec("parallel-q99", "parallel")], update=True,
                              problems=[Problem(3, "wrong")])
    assert plan.rows == [] and not plan.ok
    pipeline.plan_apply(plan)
    assert not Question.objects.filter(key="parallel-q99").exists()


@pytest.mark.django_db
def test_withdrawals_are_planned_rows_and_applied_as_drafts(bank):
    load(bank)
    text = (bank / "history.yaml").read_text(encoding="utf-8")
    start = text.index("      - key: history-q01")
    end = text.index("      - key:", start + 1)
    (bank / "history.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    out = load(bank)
    assert "questions:   0 created, 0 updated, 7 unchanged, 1 withdrawn" in out
    assert Question.objects.get(key="history-q01").status == Status.DRAFT


@pytest.mark.django_db
def test_a_duplicate_is_written_by_the_pipeline_as_a_draft_version_one(starter_bank):
    original = Question.objects.filter(key="parallel-q01")
    Question.objects.filter(key="parallel-q01").update(title="并行")
    [copy] = questions_duplicate(questions=original)
    copy = Question.objects.get(pk=copy.pk)
    assert (copy.key, copy.status, copy.version, copy.title) == ("parallel-q01-copy", Status.DRAFT, 1, "并行")
    assert question_content(copy) == {**question_content(original.get()), "status": Status.DRAFT}


def test_one_problem_type_reads_as_each_reader_reports_it():
    """Content files name the file (`load_content`); an upload is one file, its problems say the line."""
    assert str(Problem(4, "bad", path="content/x.yaml")) == "content/x.yaml:4: bad"
    with translation.override("en"):
        assert str(Problem(4, "bad")) == "line 4: bad"
    with translation.override("zh-hans"):
        assert str(Problem(4, "bad")) == "第 4 行：bad"


# --- migration 0005: versions the old loader bumped past -------------------------------------------

@pytest.mark.django_db
def test_missing_earlier_versions_are_recorded_as_not_kept_and_kept_ones_untouched():
    question = QuestionFactory(section=SectionFactory())
    Question.objects.filter(pk=question.pk).update(version=3)
    kept = QuestionVersion.objects.create(question=question, number=2, content={"prompt": "旧的"})
    untouched = QuestionFactory(section=question.section)  # version 1: nothing earlier to record

    reconstruct.add_missing_versions(apps, None)
    reconstruct.add_missing_versions(apps, None)  # twice: nothing more

    rows = {v.number: v.content for v in QuestionVersion.objects.filter(question=question)}
    assert rows == {1: {"reconstructed": True}, 2: {"prompt": "旧的"}}
    assert not QuestionVersion.objects.filter(question=untouched).exists()
    reconstruct.remove_added_versions(apps, None)
    assert list(QuestionVersion.objects.filter(question=question)) == [kept]


@pytest.mark.django_db
def test_an_edit_planned_before_another_writer_saved_loses_neither(starter_bank, teacher):
    """Two tabs: one planned an explanation edit (no new version), the other saved a new prompt meanwhile.
    Applying the stale plan re-reads the question: the other writer's prompt is kept as a version of its
    own, never overwritten without one, and the version numbers run 1, 2 without a gap or a duplicate."""
    question = Question.objects.get(key="parallel-q01")
    content = question_content(question)
    explained = QuestionSpec.build(key=question.key, **{**content, "explanation": "另一个解释。"})
    stale = pipeline.bank_plan(questions=[explained], update=True)
    assert [(r.action, r.new_version) for r in stale.rows] == [("update", False)]
    asked = QuestionSpec.build(key=question.key, **{**content, "prompt": "另一个 ____ 问题。"})
    pipeline.plan_apply(pipeline.bank_plan(questions=[asked], update=True), user=teacher)
    pipeline.plan_apply(stale, user=teacher)
    question.refresh_from_db()
    kept = QuestionVersion.objects.filter(question=question).order_by("number")
    assert [(v.number, v.content["prompt"]) for v in kept] == [(1, content["prompt"]), (2, "另一个 ____ 问题。")]
    assert (question.version, question.explanation, question.prompt) == (3, "另一个解释。", content["prompt"])
    assert stale.rows[0].new_version  # what the admin announces is what was written


@pytest.mark.django_db
def test_two_plans_of_new_versions_applied_one_after_the_other_make_two_versions(starter_bank, teacher):
    question = Question.objects.get(key="parallel-q01")
    content = question_content(question)
    plans = [pipeline.bank_plan(questions=[QuestionSpec.build(key=question.key, **{**content, "answers": [a]})],
                                update=True) for a in ("TP", "张量切分")]
    for plan in plans:
        pipeline.plan_apply(plan, user=teacher)
    question.refresh_from_db()
    kept = QuestionVersion.objects.filter(question=question).order_by("number")
    assert [(v.number, v.content["answers"]) for v in kept] == [(1, content["answers"]), (2, ["TP"])]
    assert question.version == 3 and [a.text for a in question.accepted_answers.all()] == ["张量切分"]


@pytest.mark.django_db
def test_a_plan_whose_question_was_deleted_meanwhile_writes_nothing(starter_bank):
    question = Question.objects.get(key="parallel-q01")
    content = question_content(question)
    plan = pipeline.bank_plan(questions=[QuestionSpec.build(key=question.key, **{**content, "answers": ["TP"]}),
                                         spec("parallel-q99", "parallel")], update=True)
    question.delete()
    with pytest.raises(pipeline.WriteConflict):
        pipeline.plan_apply(plan)
    assert not Question.objects.filter(key__in=["parallel-q01", "parallel-q99"]).exists()
