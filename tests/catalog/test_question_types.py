"""The question-type registry, and the numerical type everywhere a type must work: YAML content, GIFT and YAML
import and export, the admin (inline rows, preview), the quiz (question and feedback), item statistics."""

import re
import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.core.management.base import CommandError
from django.utils import translation

from quizapp.catalog import question_types
from quizapp.catalog.models import NumericalAnswer, Question, Section
from quizapp.catalog.question_types.numerical import number_text
from quizapp.classes.items import item_analysis
from quizapp.quizzes import services as quizzes
from tests.conftest import FIXTURE_BANK
from tests.factories import SectionFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield

NUMERICAL_YAML = """\
section: tuning
sections:
  - key: lora
    questions:
      - key: lora-q09
        type: numerical
        difficulty: 2
        prompt: GPT-3 有多少十亿参数?
        numbers:
          - {value: 175, tolerance: 1}
          - {value: 170, tolerance: 10, credit: 0.5}
        explanation: 1750 亿参数。
      - key: lora-q10
        type: numerical
        difficulty: 1
        prompt: LoRA 论文发表于哪一年?
        numbers: [2021]
        explanation: 2021 年。
"""


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def numerical_question(*, key="num", numbers=((3.14, 0.01, 1.0), (3.0, 0.5, 0.5)), section=None):
    question = Question.objects.create(key=key, section=section or SectionFactory(), type="numerical",
                                       prompt="π 约等于多少?", explanation="π ≈ 3.14159。", difficulty=2)
    for i, (value, tolerance, credit) in enumerate(numbers):
        NumericalAnswer.objects.create(question=question, value=value, tolerance=tolerance, credit=credit, order=i)
    return question


def answers_of(question):
    return [(a.value, a.tolerance, a.credit) for a in question.numerical_answers.all()]


# --- The registry ----------------------------------------------------------------------------------


def test_every_stored_type_has_a_class_and_partials(settings):
    from django.template.loader import get_template

    assert [name for name, _label in Question._meta.get_field("type").choices] == question_types.names()
    for qtype in question_types.all():
        assert question_types.get(qtype.name) is qtype
        get_template(qtype.question_template)
        get_template(qtype.feedback_template)


def test_an_unknown_type_is_refused_by_name():
    with pytest.raises(question_types.UnknownType):
        question_types.get("essay")


# --- Checking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, score",
    [("3.14", 1.0), ("3.15", 1.0), ("3.13", 1.0), ("３．１４", 1.0), (" 3.140 ", 1.0), ("3.2", 0.5), ("2.5", 0.5),
     ("3.6", 0.0), ("-3.14", 0.0), ("314e-2", 1.0)],
)
def test_the_best_credit_among_the_intervals_that_contain_the_number(typed, score):
    question = numerical_question()
    outcome = question.check_answer(question_types.get("numerical").parse_answer({}, {"number": typed}))
    assert outcome.score == score and outcome.correct == (score == 1.0)


@pytest.mark.parametrize("typed, says", [
    ("", "Type a number first."),
    ("三点一四", "That is not a number"),
    ("3,14", "decimal point"),
    ("1,000", "decimal point"),
    ("NaN", "That is not a number"),
    ("1" * 41, "too long"),
    ("inf", "That is not a number"),
    ("-Infinity", "That is not a number"),
    ("1e999", "too large or too precise"),
    ("9" * 16, "too large or too precise"),
    ("1e-999", "too large or too precise"),
    ("0." + "1" * 16, "too large or too precise"),
    ("1e999999999999999999999", "That is not a number"),
    ("10²", "That is not a number"),  # NFKC would read 102
    ("½", "That is not a number"),  # NFKC would read 1⁄2
    ("①", "That is not a number"),
])
def test_what_is_not_a_number_is_refused_not_marked(typed, says):
    with pytest.raises(question_types.AnswerRefused, match=says):
        question_types.get("numerical").parse_answer({}, {"number": typed})


@pytest.mark.parametrize("numbers, problem", [
    ([], "needs at least one answer"),
    ([(1.0, 0.0, 0.5)], "an answer with full credit"),
    ([(1.0, -1.0, 1.0)], "cannot be negative"),
    ([(1.0, 0.0, 1.5)], "at most 1"),
    ([(1.0, 0.0, 1.0), (1.0, 0.0, 0.5)], "same value and tolerance"),
])
def test_what_makes_numerical_answers_unanswerable(numbers, problem):
    problems = [str(p) for p in question_types.get("numerical").answer_problems(numbers)]
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("value, text", [
    (31.4, "31.4"), (-0.0, "0"), (1e-05, "0.00001"), (2021.0, "2021"), (1e14, "100000000000000"),
    (Decimal("3.1400000"), "3.14"), (Decimal("314E-1"), "31.4"), (Decimal("-0.000"), "0"), (Decimal("1E+2"), "100"),
])
def test_numbers_are_shown_plainly(value, text):
    assert number_text(value) == text


@pytest.mark.parametrize("numbers", [
    [(float("inf"), 0.0, 1.0)], [(1.0, float("nan"), 1.0)], [(1e20, 0.0, 1.0)], [(1e-20, 0.0, 1.0)],
])
def test_authored_numbers_out_of_range_are_refused(numbers):
    problems = [str(p) for p in question_types.get("numerical").answer_problems(numbers)]
    assert any("at most 15 digits before the point" in p for p in problems), problems


# --- YAML content and the YAML exchange ----------------------------------------------------------


@pytest.fixture
def numerical_bank(tmp_path):
    bank = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, bank)
    tuning = (bank / "tuning.yaml").read_text(encoding="utf-8")
    extra = NUMERICAL_YAML.split("    questions:\n", 1)[1]
    (bank / "tuning.yaml").write_text(tuning.replace("    questions:\n", "    questions:\n" + extra, 1),
                                      encoding="utf-8")
    return bank


def test_content_files_load_numerical_questions(numerical_bank):
    out = run("load_content", numerical_bank)
    assert "questions:   10 created" in out
    assert answers_of(Question.objects.get(key="lora-q09")) == [(175.0, 1.0, 1.0), (170.0, 10.0, 0.5)]
    assert answers_of(Question.objects.get(key="lora-q10")) == [(2021.0, 0.0, 1.0)]
    assert "10 unchanged" in run("load_content", numerical_bank)


def test_a_numerical_spec_without_full_credit_is_reported_on_its_line(numerical_bank):
    path = numerical_bank / "tuning.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("numbers: [2021]", "numbers: [{value: 2021, credit: 0.5}]"),
                    encoding="utf-8")
    err = StringIO()
    with pytest.raises(Exception, match="nothing was written"):
        call_command("load_content", str(numerical_bank), stdout=StringIO(), stderr=err)
    assert re.search(r"tuning.yaml:\d+: a numerical question needs an answer with full credit", err.getvalue())


def test_yaml_export_import_export_gives_the_identical_file(numerical_bank, tmp_path):
    run("load_content", numerical_bank)
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    run("export_questions", first, "--section", "tuning")
    text = first.read_text(encoding="utf-8")
    assert "numbers:\n" in text and "{value: 170, tolerance: 10, credit: 0.5}" in text and "- 2021\n" in text
    Question.objects.filter(type="numerical").delete()
    assert "2 created" in run("import_questions", first)
    run("export_questions", second, "--section", "tuning")
    assert second.read_text(encoding="utf-8") == text


def import_fails(path, *args):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_questions", str(path), *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_a_yaml_import_with_numbers_too_large_or_not_finite_is_refused_with_a_message(starter_bank, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(NUMERICAL_YAML.replace("section: tuning", "section: tuning").replace(
        "- {value: 175, tolerance: 1}", "- {value: " + "9" * 400 + ", tolerance: .inf}").replace(
        "numbers: [2021]", "numbers: [.nan, 1.0e+999]"), encoding="utf-8")
    err = import_fails(path)
    assert err.count("too large or too precise") >= 3 and "Traceback" not in err
    assert not Question.objects.filter(type="numerical").exists()


@pytest.mark.parametrize("block", ["{#1e999}", "{#" + "9" * 400 + "}", "{#1e999999..1e999999}", "{#=3:1e999}",
                                   "{#Infinity}", "{#NaN}"])
def test_a_gift_numerical_answer_too_large_or_not_finite_is_refused(starter_bank, tmp_path, block):
    path = tmp_path / "huge.gift"
    path.write_text(f"::lora-huge::多大?{block}\n", encoding="utf-8")
    err = import_fails(path, "--section", "lora")
    assert "too large or too precise" in err or "is not a number" in err
    assert not Question.objects.filter(key="lora-huge").exists()


def test_gift_partial_credit_is_kept_without_float_noise(starter_bank, tmp_path):
    path, again = tmp_path / "third.gift", tmp_path / "again.gift"
    path.write_text("::lora-third::三分之一?{#=0.333:0.001 =%33.33333%0.3:0.01}\n", encoding="utf-8")
    run("import_questions", path, "--section", "lora")
    question = Question.objects.get(key="lora-third")
    assert answers_of(question) == [(0.333, 0.001, 1.0), (0.3, 0.01, 0.3333333)]
    run("export_questions", again, "--section", "lora", "--format", "gift")
    text = again.read_text(encoding="utf-8")
    assert "=%33.33333%0.3:0.01" in text
    question.delete()
    run("import_questions", again, "--section", "lora")
    assert answers_of(Question.objects.get(key="lora-third")) == [(0.333, 0.001, 1.0), (0.3, 0.01, 0.3333333)]


def test_yaml_export_writes_numbers_plainly(starter_bank, tmp_path):
    numerical_question(key="lora-small", numbers=((1e-05, 1e-06, 1.0), (2e-05, 0.0, 0.3333333)),
                       section=Section.objects.get(key="lora"))
    path = tmp_path / "lora.yaml"
    run("export_questions", path, "--section", "lora", "--format", "yaml")
    text = path.read_text(encoding="utf-8")
    assert "{value: 0.00001, tolerance: 0.000001}" in text and "{value: 0.00002, credit: 0.3333333}" in text
    assert "e-0" not in text


# --- GIFT -----------------------------------------------------------------------------------------


def test_gift_numerical_forms_import_with_tolerance_range_and_credit(starter_bank, tmp_path):
    path = tmp_path / "n.gift"
    path.write_text(
        "::lora-n1::π 约等于?{#3.14:0.01}\n\n"
        "::lora-n2::一周有几天?{#6..8}\n\n"
        "::lora-n3::π 保留两位?{#=3.14:0.01#对 =%50%3:0.5#接近}\n", encoding="utf-8")
    run("import_questions", path, "--section", "lora")
    assert answers_of(Question.objects.get(key="lora-n1")) == [(3.14, 0.01, 1.0)]
    assert answers_of(Question.objects.get(key="lora-n2")) == [(7.0, 1.0, 1.0)]
    third = Question.objects.get(key="lora-n3")
    assert answers_of(third) == [(3.14, 0.01, 1.0), (3.0, 0.5, 0.5)]
    assert "3.14:0.01: 对" in third.explanation


def test_a_tilde_is_not_valid_in_a_numerical_block(starter_bank, tmp_path):
    path = tmp_path / "bad.gift"
    path.write_text("::lora-bad::π?{#=3.14 ~3}\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(Exception, match="nothing was written"):
        call_command("import_questions", str(path), "--section", "lora", stdout=StringIO(), stderr=err)
    assert "'~' has no meaning in a numerical question" in err.getvalue()


def test_gift_export_import_round_trip(starter_bank, tmp_path):
    numerical_question(key="lora-round", section=Section.objects.get(key="lora"))
    first, second = tmp_path / "first.gift", tmp_path / "second.gift"
    run("export_questions", first, "--section", "lora", "--format", "gift")
    text = first.read_text(encoding="utf-8")
    assert "#=3.14:0.01\n    =%50%3:0.5" in text
    Question.objects.filter(key="lora-round").delete()
    run("import_questions", first, "--section", "lora")
    assert answers_of(Question.objects.get(key="lora-round")) == [(3.14, 0.01, 1.0), (3.0, 0.5, 0.5)]
    run("export_questions", second, "--section", "lora", "--format", "gift")
    assert second.read_text(encoding="utf-8") == text


# --- The admin ------------------------------------------------------------------------------------

FORMSETS = ("choices", "accepted_answers", "order_items", "match_pairs", "numerical_answers", "versions")


def admin_data(section, rows):
    data = {"key": "lora-admin-n", "section": section.pk, "title": "", "type": "numerical", "status": "published",
            "difficulty": 3, "prompt": "π 约等于?", "explanation": "", "tags": ""}
    for prefix in FORMSETS:
        forms = rows if prefix == "numerical_answers" else []
        data.update({f"{prefix}-TOTAL_FORMS": len(forms), f"{prefix}-INITIAL_FORMS": 0,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
        for i, row in enumerate(forms):
            data.update({f"{prefix}-{i}-{name}": value for name, value in row.items()})
    return data


def test_the_admin_saves_numerical_rows_and_checks_them(client, teacher, starter_bank):
    client.force_login(teacher)
    section = Section.objects.get(key="lora")
    add = reverse("admin:catalog_question_add")
    page = client.post(add, admin_data(section, [{"value": "3.14", "tolerance": "0.01", "credit": "0.5",
                                                   "order": 0}]), **EN)
    assert page.status_code == 200 and "A numerical question needs an answer with full credit" in page.content.decode()
    page = client.post(add, admin_data(section, [{"value": "3.14", "tolerance": "0.01", "credit": "1", "order": 0},
                                                 {"value": "3", "tolerance": "0.5", "credit": "0.5", "order": 1}]),
                       **EN)
    assert page.status_code == 302
    assert answers_of(Question.objects.get(key="lora-admin-n")) == [(3.14, 0.01, 1.0), (3.0, 0.5, 0.5)]


def test_the_change_form_tells_the_script_which_rows_numerical_uses(client, teacher, starter_bank):
    client.force_login(teacher)
    question = numerical_question(section=Section.objects.get(key="lora"))
    html = client.get(reverse("admin:catalog_question_change", args=[question.pk])).content.decode()
    assert "&quot;numerical&quot;: &quot;numerical_answers&quot;" in html
    assert 'id="numerical_answers-group"' in html


def test_the_admin_preview_marks_a_numerical_answer(client, teacher, starter_bank):
    client.force_login(teacher)
    question = numerical_question(section=Section.objects.get(key="lora"))
    url = reverse("admin:catalog_question_preview", args=[question.pk])
    assert 'name="number"' in client.get(url).content.decode()
    html = client.post(url, {"number": "3.2"}, **EN).content.decode()
    assert "Partly right (50%)" in html
    html = client.post(url, {"number": "abc"}, **EN).content.decode()
    assert "That is not a number" in html


# --- The quiz -------------------------------------------------------------------------------------


@pytest.fixture
def quiz(client, learner):
    """A learner's section quiz on one numerical question."""
    question = numerical_question()
    client.force_login(learner)
    attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[question.section_id], length=5)
    return client, attempt, question


def post_answer(client, attempt, question, typed):
    return client.post(reverse("quizzes:answer", args=[attempt.pk]),
                       {"position": "1", "question": str(question.pk), "number": typed}, HTTP_HX_REQUEST="true", **EN)


def test_the_quiz_asks_for_a_number(quiz):
    client, attempt, _question = quiz
    html = client.get(reverse("quizzes:question", args=[attempt.pk])).content.decode()
    assert 'name="number"' in html and 'inputmode="decimal"' in html and 'data-type="numerical"' in html


def test_a_right_number_is_right(quiz):
    client, attempt, question = quiz
    html = post_answer(client, attempt, question, "3.141").content.decode()
    assert "Right!" in html and attempt.responses.get().score == 1.0


def test_a_number_in_a_partial_interval_earns_its_credit(quiz):
    client, attempt, question = quiz
    html = post_answer(client, attempt, question, "2.9").content.decode()
    assert "Partly right (50%)" in html
    assert 'data-testid="right-answer"' in html and "3.14 ± 0.01" in html
    response = attempt.responses.get()
    assert (response.correct, response.score) == (False, 0.5)


def test_a_wrong_number_is_wrong(quiz):
    client, attempt, question = quiz
    html = post_answer(client, attempt, question, "42").content.decode()
    assert "Not quite." in html and "3.14 ± 0.01" in html and "3 ± 0.5 (50%)" in html
    assert attempt.responses.get().score == 0.0


@pytest.mark.parametrize("typed, shown", [("3.1400000", "3.14"), ("314E-2", "3.14"), ("-0", "0"), ("４２", "42")])
def test_the_feedback_shows_the_typed_number_plainly(quiz, typed, shown):
    client, attempt, question = quiz
    html = post_answer(client, attempt, question, typed).content.decode()
    [yours] = re.findall(r'data-testid="your-answer">(.*?)</dd>', html, re.S)
    assert f">{shown}<" in yours and typed not in yours.replace(f">{shown}<", "")


def test_a_number_too_large_is_refused_and_nothing_recorded(quiz):
    client, attempt, question = quiz
    page = post_answer(client, attempt, question, "1e999")
    assert page.status_code == 400 and "too large or too precise" in page.content.decode()
    assert not attempt.responses.exists()


def test_what_is_not_a_number_is_refused_and_nothing_recorded(quiz):
    client, attempt, question = quiz
    page = post_answer(client, attempt, question, "三点一四")
    assert page.status_code == 400 and "That is not a number" in page.content.decode()
    page = post_answer(client, attempt, question, "3,14")
    assert page.status_code == 400 and "decimal point" in page.content.decode()
    assert not attempt.responses.exists()


# --- Item statistics ------------------------------------------------------------------------------


def test_item_statistics_count_partial_credit_and_name_the_common_wrong_number(db):
    question = numerical_question()
    for i, typed in enumerate(["3.14", "3.2", "42", "42.0", "４２"]):
        learner = UserFactory(username=f"n{i}")
        attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[question.section_id], length=5)
        quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=1, question_id=question.pk,
                              given=question_types.get("numerical").parse_answer({}, {"number": typed}))
    [row] = item_analysis()
    assert row.facility == pytest.approx((1 + 0.5) / 5)
    assert (row.common_wrong, row.common_wrong_count) == ("42", 3)


@pytest.mark.parametrize("typed, says", [
    ("", "请先输入一个数字。"), ("10²", "这不是数字"), ("3,14", "小数点"), ("1e999", "太大或太精确")])
def test_a_refused_number_is_explained_in_chinese(typed, says):
    with translation.override("zh-hans"), pytest.raises(question_types.AnswerRefused, match=says):
        question_types.get("numerical").parse_answer({}, {"number": typed})


def test_no_module_hides_gettext_under_a_name_makemessages_does_not_know():
    """makemessages finds gettext(), _() and friends; `gettext as gettext_now` kept the types' refusals out
    of the .po files, so a new one would have reached learners in English."""
    from pathlib import Path

    from django.conf import settings

    hidden = [str(path) for path in Path(settings.BASE_DIR, "quizapp").rglob("*.py")
              if re.search(r"import (?:gettext|pgettext|ngettext)\w* as (?!_\b)", path.read_text(encoding="utf-8"))]
    assert hidden == []
