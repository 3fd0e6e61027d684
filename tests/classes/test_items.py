"""Item statistics with partial credit: the facility index is the mean first-answer score, as Moodle's is
and as the discrimination index already reads the scores."""

import math
import re

import pytest
from django.urls import reverse

from quizapp.catalog.models import Question
from quizapp.classes.items import flagged_questions, item_analysis, pearson
from quizapp.classes.models import Membership
from quizapp.progress.models import ItemStats
from quizapp.quizzes import services as quizzes
from tests.classes.helpers import first_answer
from tests.factories import ClassroomFactory, QuestionFactory, SectionFactory, UserFactory


def answer(learner, question, given):
    """`learner`'s first answer to `question` (alone in its section), through the quiz service."""
    attempt = quizzes.attempt_start(
        learner=learner, kind="section", section_ids=[question.section_id], length=5)
    quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=1, question_id=question.pk,
                          given=given)


@pytest.fixture
def matching(db):
    """A three-pair matching question that six learners answer with one pair of three right (score 1/3)."""
    question = QuestionFactory(section=SectionFactory(), key="match", type="matching")
    a, b, c = (p.pk for p in question.match_pairs.all())
    learners = [UserFactory(username=f"m{i}") for i in range(6)]
    for learner in learners:
        answer(learner, question, {a: a, b: c, c: b})
    return question, learners


def test_facility_is_the_mean_first_answer_score(matching):
    question, _learners = matching
    [row] = item_analysis()
    assert row.facility == pytest.approx(1 / 3)
    # 1/3 is what guessing earns on three pairs, not "nobody got anything": no "too hard" flag.
    assert row.flags == [] and flagged_questions() == set()
    stats = ItemStats.objects.get(question=question, version=question.version)
    assert (stats.first_right, stats.facility) == (0, pytest.approx(1 / 3))


@pytest.mark.django_db
def test_facility_and_discrimination_read_the_same_scores():
    """Two learners with partial credit on an ordering question and full or no marks elsewhere: the
    facility is the mean of the very scores the discrimination correlates."""
    section = SectionFactory()
    ordering = QuestionFactory(section=section, key="order", type="ordering")
    single = QuestionFactory(section=section, key="single")
    items = [i.pk for i in ordering.order_items.all()]
    right = single.choices.get(is_correct=True).pk
    wrong = single.choices.filter(is_correct=False).first().pk
    for name, order, choice in (("s1", items[:2] + items[:1:-1], right), ("s2", items[::-1], wrong),
                                ("s3", items, right)):
        learner = UserFactory(username=name)
        attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[section.pk], length=5)
        for position in (1, 2):
            item = attempt.items.get(position=position)
            given = order if item.question_id == ordering.pk else choice
            quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=position,
                                  question_id=item.question_id, given=given)
    rows = {r.question.key: r for r in item_analysis()}
    # Ordering scores: s1 0.5 (two of four in place), s2 0 (reversed: none in place), s3 1.
    assert rows["order"].facility == pytest.approx(0.5)
    assert rows["order"].discrimination == pytest.approx(0.8660254, rel=1e-6)  # corr((.5, 0, 1), (1, 0, 1))


def test_the_class_statistics_page_and_csv_show_partial_credit(client, teacher, matching):
    _question, learners = matching
    classroom = ClassroomFactory(teacher=teacher)
    for learner in learners:
        Membership.objects.create(classroom=classroom, learner=learner)
    client.force_login(teacher)
    html = client.get(reverse("classes:items", args=[classroom.pk])).content.decode()
    assert re.search(r'<td data-label="[^"]*">0\.33</td>', html)
    csv_text = client.get(reverse("classes:items_csv", args=[classroom.pk])).content.decode("utf-8-sig")
    assert ",0.333," in csv_text


def test_item_rows_give_the_prompt_as_the_plain_text_learners_read(matching):
    question, _learners = matching
    Question.objects.filter(pk=question.pk).update(prompt="把 **方法** 和特点配对<script>x()</script>。")
    [row] = item_analysis()
    assert row.prompt_text == "把 方法 和特点配对。"


@pytest.mark.django_db
def test_item_analysis_matches_a_hand_computed_example():
    section = SectionFactory()
    a, b, c = (QuestionFactory(section=section, key=k) for k in ("item-a", "item-b", "item-c"))
    table = {  # learner: first-answer scores on A, B, C
        "l1": (1, 1, 1), "l2": (1, 1, 0), "l3": (1, 0, 0), "l4": (0, 1, 0), "l5": (0, 0, 0),
    }
    for name, scores in table.items():
        learner = UserFactory(username=name)
        for question, score in zip((a, b, c), scores):
            first_answer(learner, question, correct=bool(score))
    rows = {r.question.key: r for r in item_analysis()}
    # Item A: x = 1,1,1,0,0; rest-of-test means y = 1, .5, 0, .5, 0.
    # n=5, Σx=3, Σy=2, Σxy=1.5, Σx²=3, Σy²=1.5 -> D = (7.5-6)/sqrt((15-9)(7.5-4)) = 1.5/sqrt(21)
    assert rows["item-a"].facility == pytest.approx(0.6)
    assert rows["item-a"].discrimination == pytest.approx(1.5 / math.sqrt(21))
    # Item C: only the strongest learner got it: x = 1,0,0,0,0; y = 1, 1, .5, .5, 0.
    # Σx=1, Σy=3, Σxy=1, Σx²=1, Σy²=2.5 -> D = (5-3)/sqrt((5-1)(12.5-9)) = 2/sqrt(14)
    assert rows["item-c"].facility == pytest.approx(0.2)
    assert rows["item-c"].discrimination == pytest.approx(2 / math.sqrt(14))
    assert pearson([(1, 1), (1, 1)]) is None  # no spread, no correlation
    assert rows["item-a"].common_wrong == "错的一" and rows["item-a"].common_wrong_count == 2
    assert rows["item-c"].flags == []  # 0.2 is the boundary, not below it


@pytest.mark.django_db
def test_too_easy_and_non_discriminating_items_are_flagged():
    section = SectionFactory()
    easy, other = QuestionFactory(section=section, key="easy"), QuestionFactory(section=section, key="other")
    for i in range(6):
        learner = UserFactory(username=f"u{i}")
        first_answer(learner, easy, correct=True)
        first_answer(learner, other, correct=i % 2 == 0)
    rows = {r.question.key: r for r in item_analysis()}
    assert rows["easy"].flags == ["too_easy"] and rows["easy"].discrimination is None


@pytest.mark.django_db
def test_flagged_questions_are_the_current_versions_item_analysis_flags(django_assert_num_queries):
    section = SectionFactory()
    keys = ["normal1", "normal2", "normal3", "inverse", "hard", "easy", "few"]
    questions = {k: QuestionFactory(section=section, key=k) for k in keys}
    for i in range(8):
        learner, strong = UserFactory(username=f"u{i}"), i < 4
        right = {"normal1": strong, "normal2": strong, "normal3": strong, "inverse": not strong,
                 "hard": i == 0, "easy": True, "few": True}
        for key in keys if i < 4 else keys[:-1]:  # only four learners answer "few"
            first_answer(learner, questions[key], correct=right[key])
    flags = {r.question.key: r.flags for r in item_analysis()}
    assert flags == {"normal1": [], "normal2": [], "normal3": [], "inverse": ["weak_discrimination"],
                     "hard": ["too_hard"], "easy": ["too_easy"], "few": []}
    with django_assert_num_queries(3):
        assert flagged_questions() == {questions[k].pk for k in ("inverse", "hard", "easy")}
    # A new version of "easy" has no answers yet: its old version's flags are history.
    type(questions["easy"]).objects.filter(pk=questions["easy"].pk).update(version=2)
    assert flagged_questions() == {questions[k].pk for k in ("inverse", "hard")}


@pytest.fixture
def report(client, teacher):
    """Five learners of a class: three questions of a first section as in the hand-computed example above
    (facility 0.6, 0.6, 0.2, none flagged), and one in a second section everybody gets right (too easy)."""
    first, second = SectionFactory(key="sec-one", order=1), SectionFactory(key="sec-two", order=2)
    a, b, c = (QuestionFactory(section=first, key=k) for k in ("item-a", "item-b", "item-c"))
    easy = QuestionFactory(section=second, key="easy")
    classroom = ClassroomFactory(teacher=teacher)
    table = {"l1": (1, 1, 1), "l2": (1, 1, 0), "l3": (1, 0, 0), "l4": (0, 1, 0), "l5": (0, 0, 0)}
    for name, scores in table.items():
        learner = UserFactory(username=name)
        Membership.objects.create(classroom=classroom, learner=learner)
        for question, score in zip((a, b, c, easy), (*scores, 1)):
            first_answer(learner, question, correct=bool(score))
    client.force_login(teacher)
    return reverse("classes:items", args=[classroom.pk])


def shown_keys(client, url) -> list[str]:
    return re.findall(r'data-testid="item-row" data-key="([^"]+)"', client.get(url).content.decode())


def test_the_statistics_sort_by_each_figure_with_missing_figures_last(client, report):
    assert shown_keys(client, report) == ["easy", "item-a", "item-b", "item-c"]  # flagged first, then in order
    assert shown_keys(client, report + "?sort=facility") == ["item-c", "item-a", "item-b", "easy"]
    assert shown_keys(client, report + "?sort=facility&dir=desc") == ["easy", "item-a", "item-b", "item-c"]
    # Discrimination: c (0.53) > a (0.33) > b; "easy" has none (everyone right) and stays last both ways.
    by_discrimination = shown_keys(client, report + "?sort=discrimination&dir=desc")
    assert by_discrimination[0] == "item-c" and by_discrimination[-1] == "easy"
    assert shown_keys(client, report + "?sort=discrimination")[-1] == "easy"
    assert shown_keys(client, report + "?sort=flags&dir=desc")[0] == "easy"
    html = client.get(report + "?sort=facility&dir=desc").content.decode()
    assert re.search(r'aria-sort="descending"><a href="\?sort=facility">', html)
    assert 'href="?sort=answers&amp;dir=desc"' in html  # another figure starts largest first


def test_the_statistics_filter_by_section_and_flag_and_keep_the_sort(client, report):
    assert shown_keys(client, report + "?section=sec-one") == ["item-a", "item-b", "item-c"]
    assert shown_keys(client, report + "?flag=too_easy") == ["easy"]
    assert shown_keys(client, report + "?flag=any") == ["easy"]
    assert shown_keys(client, report + "?flag=too_hard") == []
    html = client.get(report + "?section=sec-one&sort=facility").content.decode()
    assert 'href="?sort=discrimination&amp;dir=desc&amp;section=sec-one"' in html
    assert '<option value="sec-one" selected>' in html
    assert "No question matches this filter." in client.get(report + "?flag=too_hard",
                                                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert shown_keys(client, report + "?section=nowhere") == ["easy", "item-a", "item-b", "item-c"]


@pytest.mark.django_db
def test_the_statistics_page_100_questions_at_a_time(client, teacher, django_assert_max_num_queries):
    section = SectionFactory(key="many")
    learner = UserFactory(username="busy")
    classroom = ClassroomFactory(teacher=teacher)
    Membership.objects.create(classroom=classroom, learner=learner)
    for n in range(101):
        first_answer(learner, QuestionFactory(section=section, key=f"many-{n:03d}"), correct=n % 2 == 0)
    client.force_login(teacher)
    url = reverse("classes:items", args=[classroom.pk])
    with django_assert_max_num_queries(12):
        html = client.get(url + "?sort=answers&section=many").content.decode()
    assert html.count('data-testid="item-row"') == 100
    assert 'href="?sort=answers&amp;section=many&amp;page=2" rel="next"' in html
    assert len(shown_keys(client, url + "?sort=answers&section=many&page=2")) == 1


@pytest.fixture
def long_report(client, teacher):
    """A class of two learners and 103 questions (more than a page) in two sections: each learner answers
    every question; the second learner's answers to the odd ones are wrong, with the first wrong choice."""
    sections = [SectionFactory(key="first-part", order=1), SectionFactory(key="second-part", order=2)]
    classroom = ClassroomFactory(teacher=teacher)
    learners = [UserFactory(username=f"pager{i}") for i in range(2)]
    for learner in learners:
        Membership.objects.create(classroom=classroom, learner=learner)
    for n in range(103):
        question = QuestionFactory(section=sections[n % 2], key=f"q-{n:03d}")
        first_answer(learners[0], question, correct=True)
        first_answer(learners[1], question, correct=n % 2 == 0)
    client.force_login(teacher)
    return reverse("classes:items", args=[classroom.pk])


def test_the_statistics_pages_keep_the_sort_and_filter_and_link_both_ways(client, long_report):
    first = client.get(long_report + "?sort=facility").content.decode()
    assert first.count('data-testid="item-row"') == 100
    assert 'href="?sort=facility&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    second = client.get(long_report + "?sort=facility&page=2").content.decode()
    assert 'href="?sort=facility&amp;page=1" rel="prev"' in second and 'rel="next"' not in second
    # Facility ascending: the 51 half-right questions (0.5) first, then the right ones (1.0) on page 2 too.
    keys = shown_keys(client, long_report + "?sort=facility") + shown_keys(client, long_report + "?sort=facility&page=2")
    assert len(keys) == len(set(keys)) == 103
    assert all(int(k[2:]) % 2 == 1 for k in keys[:51]) and all(int(k[2:]) % 2 == 0 for k in keys[51:])
    # A filter narrows the pages: one section is 52 questions, one page, no pager.
    html = client.get(long_report + "?section=first-part").content.decode()
    assert html.count('data-testid="item-row"') == 52 and 'rel="next"' not in html
    # A page past the end shows the last one; a page that is not a number, the first.
    assert shown_keys(client, long_report + "?page=99") == shown_keys(client, long_report + "?page=2")
    assert shown_keys(client, long_report + "?page=x") == shown_keys(client, long_report)


def test_every_page_shows_its_rows_most_chosen_wrong_answer_and_admin_link(client, long_report):
    question = Question.objects.get(key="q-101")
    wrong = next(c.text for c in question.choices.all() if not c.is_correct)
    html = client.get(long_report + "?sort=facility&dir=desc&page=2").content.decode()
    row = html[html.index('data-key="q-101"'):]
    row = row[:row.index("</tr>")]
    assert f'href="{reverse("admin:catalog_question_change", args=[question.pk])}"' in row
    assert f"{wrong} <span class=\"meta\">×1</span>" in row


def test_the_page_and_the_csv_show_the_same_figures(client, long_report):
    html = client.get(long_report + "?section=second-part").content.decode()
    csv = client.get(long_report.replace("/items/", "/items.csv")).content.decode("utf-8-sig")
    for key in ("q-001", "q-099"):
        line = next(line for line in csv.splitlines() if line.startswith(key + ","))
        assert ",2,2,0.500," in line  # answers, first answers, facility
        row = html[html.index(f'data-key="{key}"'):]
        assert ">0.50</td>" in row[:row.index("</tr>")]
