import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizapp.classes.grid import class_grid
from quizapp.classes.models import Membership
from quizapp.progress.models import SectionProgress
from tests.classes.helpers import first_answer
from tests.factories import ClassroomFactory, QuestionFactory, SectionFactory, UserFactory
from tests.progress.helpers import answer_next, moment, practise


@pytest.fixture
def classroom(teacher):
    return ClassroomFactory(teacher=teacher, name="周五 AI 班")


def join(classroom, *learners):
    for learner in learners:
        Membership.objects.create(classroom=classroom, learner=learner)


def test_item_report_shows_true_false_answers_and_flags_as_the_teacher_reads_them(client, teacher, classroom):
    section = SectionFactory()
    statement = QuestionFactory(section=section, key="tf", type="truefalse")
    for i in range(6):
        learner = UserFactory(username=f"tf{i}")
        join(classroom, learner)
        first_answer(learner, statement, correct=False)  # everyone says "false": too hard
    client.force_login(teacher)
    page = client.get(reverse("classes:items", args=[classroom.pk])).content.decode()
    assert '>错 <span class="meta">×6</span></td>' in page
    row = page[page.index('data-key="tf"'):].split("</tr>")[0]
    assert "太难" in row and "too_hard" not in row
    items = client.get(reverse("classes:items_csv", args=[classroom.pk])).content.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(items)) if r[0] == "tf")
    assert row[-2] == "错" and row[-1] == "太难"
    english = client.get(reverse("classes:items_csv", args=[classroom.pk]), HTTP_ACCEPT_LANGUAGE="en")
    row = next(r for r in csv.reader(io.StringIO(english.content.decode("utf-8-sig"))) if r[0] == "tf")
    assert row[-2] == "False" and row[-1] == "too hard"


def grid_rows(html: str) -> dict:
    """The grid's rows as the teacher reads them: {username: {"attention": the reasons marked (a set),
    "not_started": the not-started ring shown, "falling": how many cells show ↓, "row_class": the row's class}}."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = {}
    for tr in re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S):
        name = re.search(r'class="learner-col"><a [^>]*>([^<]+)</a>', tr).group(1)
        reasons = re.search(r'data-testid="attention" data-reasons="([^"]*)"', tr)
        rows[name] = {
            "attention": set(reasons.group(1).split()) if reasons else set(),
            "not_started": 'data-testid="not-started"' in tr,
            "falling": tr.count('<span aria-hidden="true">↓</span>'),
            "row_class": re.match(r'<tr(?: class="([^"]*)")?', tr).group(1) or "",
        }
    return rows


def test_the_grid_shows_each_learners_mastery_and_flags_idle_learners(client, teacher, classroom, learner,
                                                                      other_learner, starter_bank):
    join(classroom, learner, other_learner)
    Membership.objects.filter(learner=other_learner).update(joined_at=timezone.now() - timedelta(days=8))
    for right in (True, True, True, True):
        answer_next(learner, right=right)
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url()).content.decode()
    assert learner.username in html and other_learner.username in html
    progress = SectionProgress.objects.filter(learner=learner).order_by("-mastery").first()
    assert f">{progress.correct}/{progress.answers}" in html  # the evidence, not the estimate
    assert f">{round(progress.mastery * 100)}<" not in html
    rows = grid_rows(html)
    assert rows[other_learner.username]["row_class"] == "attention"
    assert rows[other_learner.username]["attention"] == {"not_started"}  # a member for 8 days, never started
    assert rows[learner.username]["row_class"] == "" and rows[learner.username]["attention"] == set()


def test_a_learner_who_just_joined_is_not_started_not_idle(client, teacher, classroom, learner, starter_bank):
    join(classroom, learner)
    client.force_login(teacher)
    row = grid_rows(client.get(classroom.get_absolute_url()).content.decode())[learner.username]
    assert row == {"attention": set(), "not_started": True, "falling": 0, "row_class": ""}


@pytest.mark.parametrize(("joined_days_ago", "reasons"), [(2, set()), (8, {"idle"})])
def test_idle_days_count_from_joining_the_class(starter_bank, classroom, learner, joined_days_ago, reasons):
    """Work done long before joining does not make a new member idle; a week in the class without any does."""
    from quizapp.catalog.models import Section

    now = timezone.now()
    SectionProgress.objects.create(learner=learner, section=Section.objects.get(key="lora"), mastery=0.5,
                                   state="learning", answers=3, last_activity=now - timedelta(days=30))
    join(classroom, learner)
    Membership.objects.filter(learner=learner).update(joined_at=now - timedelta(days=joined_days_ago))
    row = class_grid(classroom, now=now).rows[0]
    assert set(row.reasons) == reasons and not row.new


DAY_ONE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the learners' zone


def test_a_first_study_day_never_marks_mastery_falling(client, teacher, classroom, learner, starter_bank):
    """Mastery rises and falls while the engine learns about a new learner: none of it is a decline."""
    join(classroom, learner)
    morning = practise(learner, "history", [True, True, True, True], at=DAY_ONE)
    evening = practise(learner, "history", [True, False, False, False], at=DAY_ONE + timedelta(hours=8))
    assert max(morning + evening) - evening[-1] > 0.3  # well below the day's best, which is no "peak"
    client.force_login(teacher)
    with moment(DAY_ONE + timedelta(hours=9)):
        row = grid_rows(client.get(classroom.get_absolute_url()).content.decode())[learner.username]
    assert row["falling"] == 0 and row["row_class"] == ""


def test_a_day_ending_well_below_where_an_earlier_day_began_marks_falling(client, teacher, classroom, learner,
                                                                           starter_bank):
    join(classroom, learner)
    practise(learner, "history", [True, True, True, True], at=DAY_ONE)
    second_day = practise(learner, "history", [True], at=DAY_ONE + timedelta(days=1))
    third_day = practise(learner, "history", [False, False, False, False], at=DAY_ONE + timedelta(days=2))
    assert third_day[-1] < second_day[0] - 0.15
    client.force_login(teacher)
    with moment(DAY_ONE + timedelta(days=2, hours=1)):
        row = grid_rows(client.get(classroom.get_absolute_url()).content.decode())[learner.username]
    assert row["falling"] == 1 and row["attention"] == {"falling"}


def test_grid_sorts_by_a_section_and_pages(client, teacher, classroom, starter_bank):
    learners = [UserFactory(username=f"s{i:02d}") for i in range(3)]
    join(classroom, *learners)
    from quizapp.catalog.models import Section

    lora = Section.objects.get(key="lora")
    for value, learner in zip((0.2, 0.9, 0.5), learners):
        SectionProgress.objects.create(learner=learner, section=lora, mastery=value, state="learning", answers=4)
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url() + "?sort=lora&dir=desc").content.decode()
    assert html.index(">s01<") < html.index(">s02<") < html.index(">s00<")
    assert 'aria-sort="descending"' in html


def test_grid_query_count_is_fixed(client, teacher, classroom, starter_bank, django_assert_max_num_queries):
    client.force_login(teacher)
    client.get(classroom.get_absolute_url())
    join(classroom, *[UserFactory(username=f"q{i}") for i in range(12)])
    # 12 before issue 20, then the course's numbering, then the class's assignments (none here; with some,
    # see tests/classes/test_assignments.py)
    with django_assert_max_num_queries(14):
        assert client.get(classroom.get_absolute_url()).status_code == 200


def test_teacher_drills_down_into_a_learners_dashboard_read_only(client, teacher, classroom, learner, starter_bank):
    join(classroom, learner)
    answer_next(learner, right=True)
    client.force_login(teacher)
    html = client.get(reverse("classes:learner", args=[classroom.pk, learner.pk])).content.decode()
    assert learner.username in html and "mastery-heading" in html
    assert reverse("quizzes:start") + "?section=" not in html  # no practise buttons for the teacher


def test_csv_exports_open_with_chinese_intact(client, teacher, classroom, learner, starter_bank):
    join(classroom, learner)
    answer_next(learner, right=True)
    client.force_login(teacher)
    response = client.get(reverse("classes:grid_csv", args=[classroom.pk]))
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "发展历程" in rows[0] and rows[1][0] == learner.username
    items = client.get(reverse("classes:items_csv", args=[classroom.pk])).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(items)))[1][0].endswith(tuple("0123456789"))


def test_the_two_question_reports_download_under_different_names(client, teacher, classroom):
    client.force_login(teacher)
    url = reverse("classes:items_csv", args=[classroom.pk])
    this_class = client.get(url)["Content-Disposition"]
    everyone = client.get(url + "?scope=all")["Content-Disposition"]
    assert this_class == f'attachment; filename="class-{classroom.pk}-items.csv"'
    assert everyone.startswith("attachment; filename=") and everyone != this_class


@pytest.mark.parametrize("name", ["dashboard", "items", "grid_csv", "items_csv"])
def test_class_pages_are_for_the_classes_own_teacher(client, classroom, learner, name):
    from quizapp.accounts.roles import teacher_role_grant

    join(classroom, learner)
    url = reverse(f"classes:{name}", args=[classroom.pk])
    other = UserFactory(username="other-teacher")
    teacher_role_grant(other)
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(learner)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(classroom.teacher)
    assert client.get(url).status_code == 200


def test_drill_down_refuses_learners_outside_the_class(client, teacher, classroom, learner, other_learner):
    join(classroom, learner)
    client.force_login(teacher)
    assert client.get(reverse("classes:learner", args=[classroom.pk, other_learner.pk])).status_code == 404
    assert client.get(reverse("classes:learner", args=[classroom.pk, learner.pk])).status_code == 200


def test_a_mastered_cell_says_so_in_words_not_by_colour_alone(client, teacher, classroom, starter_bank):
    from quizapp.catalog.models import Section

    sure, unsure = UserFactory(username="sure"), UserFactory(username="unsure")
    join(classroom, sure, unsure)
    lora = Section.objects.get(key="lora")
    record(sure, lora, 0.9, "mastered", answers=6, right=6)
    record(unsure, lora, 0.9, "learning", answers=2, right=2)
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url()).content.decode()
    row = {name: html[html.index(f">{name}</a>"):].split("</tr>")[0] for name in ("sure", "unsure")}
    # The evidence and the call, in text as well as colour; the estimate (0.9 for both) is not printed.
    assert ('<td class="m3">6/6<span aria-hidden="true">✓</span><span class="visually-hidden">已掌握</span></td>'
            in row["sure"])
    assert '<td class="m2">2/2</td>' in row["unsure"]
    assert "90" not in row["sure"] + row["unsure"]
    # No percentage in the cells or the summary: the one in the footer is the right answers' share.
    body = html[html.index("<tbody>"):].split("</tbody>")[0]
    assert "%" not in body and "%" not in html[html.index('class="stat-row"'):].split("</section>")[0]


def record(learner, section, mastery, state, *, answers, right):
    SectionProgress.objects.create(learner=learner, section=section, mastery=mastery, state=state,
                                   answers=answers, correct=right)


def test_the_grid_says_not_started_and_sorts_by_sections_mastered(client, teacher, classroom, starter_bank):
    from quizapp.catalog.models import Section

    fresh, some, more = (UserFactory(username=name) for name in ("fresh", "some", "more"))
    join(classroom, fresh, some, more)
    lora, history = Section.objects.get(key="lora"), Section.objects.get(key="history")
    record(some, lora, 0.95, "learning", answers=9, right=8)
    record(more, lora, 0.6, "mastered", answers=4, right=4)
    record(more, history, 0.1, "learning", answers=3, right=1)
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url() + "?sort=total&dir=desc").content.decode()
    assert html.index(">more</a>") < html.index(">some</a>") < html.index(">fresh</a>")
    row = html[html.index(">fresh</a>"):].split("</tr>")[0]
    assert '<span aria-hidden="true">–</span><span class="visually-hidden">未开始</span>' in row
    more_row = html[html.index(">more</a>"):].split("</tr>")[0]
    assert '<td class="total">1<span class="visually-hidden">' in more_row


def test_the_mastery_csv_has_the_estimate_and_the_evidence(client, teacher, classroom, starter_bank):
    from quizapp.catalog.models import Section

    learner = UserFactory(username="csv-learner")
    join(classroom, learner)
    lora = Section.objects.get(key="lora")
    record(learner, lora, 0.8765, "learning", answers=9, right=6)
    client.force_login(teacher)
    raw = client.get(reverse("classes:grid_csv", args=[classroom.pk])).content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(raw)))
    sections = classroom.studied_sections()
    titles = [s.title for s in sections]
    # The columns from before, in their places (tools read them); the new ones after them.
    assert header[:len(titles) + 2] == ["学员", *titles, "总体"]
    added = [f"{t} {name}" for t in titles for name in ("answers", "right", "state")]
    assert header[len(titles) + 2:] == added
    values = dict(zip(header, row))
    assert values[lora.title] == "0.88"  # the estimate, rounded to 2 decimals; not a percentage
    evidence = [values[f"{lora.title} {name}"] for name in ("answers", "right", "state")]
    assert evidence == ["9", "6", "learning"]
    assert all(values[f"{t} state"] == "not_started" for t in titles if t != lora.title)


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_class_csvs_never_hand_a_spreadsheet_a_formula(client, teacher, classroom):
    """A learner's typed answer, a username, another teacher's section title and choice text all reach
    the teacher's downloads as text that Excel shows, not formulas it runs."""
    from quizapp.quizzes import services as quizzes

    section = SectionFactory(title="=1+1")
    fill = QuestionFactory(section=section, key="fill-q", type="fill", prompt="____ 是什么?")
    single = QuestionFactory(section=section, key="single-q")
    single.choices.filter(is_correct=False).update(text="+SUM(1,2)")
    hyperlink = '=HYPERLINK("http://evil.example/","x")'
    for i in range(2):
        learner = UserFactory(username=f"-2+3{i}")
        join(classroom, learner)
        attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[section.pk], length=5)
        for position in (1, 2):
            item = attempt.items.get(position=position)
            wrong_choice = single.choices.filter(is_correct=False).first().pk
            given = hyperlink if item.question_id == fill.pk else wrong_choice
            quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=position,
                                  question_id=item.question_id, given=given)
    client.force_login(teacher)
    grid = _csv_rows(client.get(reverse("classes:grid_csv", args=[classroom.pk])))
    assert "'=1+1" in grid[0]
    assert {row[0] for row in grid[1:]} == {"'-2+30", "'-2+31"}
    items = {row[0]: row for row in _csv_rows(client.get(reverse("classes:items_csv", args=[classroom.pk])))}
    assert items["fill-q"][1] == "'=1+1"
    assert items["fill-q"][-2] == "'" + hyperlink.lower()  # the most chosen wrong answer, as normalised
    assert items["single-q"][-2] == "'+SUM(1,2)"
    assert not any(cell.startswith(tuple("=+-@\t\r")) for row in items.values() for cell in row)


def column_cells(html: str, testid: str) -> list[str]:
    """The footer row `testid`'s figures, one per section column, as text."""
    row = html[html.index(f'data-testid="{testid}"'):].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
    return [re.sub(r'<span class="visually-hidden">.*?</span>|<[^>]+>', "", c).strip() for c in cells]


def test_a_section_mean_is_over_the_learners_who_started_it_and_says_how_many(client, teacher, classroom,
                                                                                starter_bank):
    """Two members, one with 7 of 9 right in LoRA: the footer says 1 started and 78%, not 39%."""
    from quizapp.catalog.models import Section

    began, idle = UserFactory(username="began"), UserFactory(username="idle")
    join(classroom, began, idle)
    record(began, Section.objects.get(key="lora"), 0.6, "learning", answers=9, right=7)
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url()).content.decode()
    # Columns in course order: 1 history, 2.1 lora, 2.2 parallel.
    assert column_cells(html, "started-row") == ["0", "1", "0"]
    assert column_cells(html, "right-share-row") == ["–", "78%", "–"]
    column = class_grid(classroom).columns[1]
    assert (column.section.key, column.started, column.mean) == ("lora", 1, pytest.approx(0.6))


def test_section_headers_are_numbers_with_the_title_in_an_abbr_and_the_legend(client, teacher, classroom,
                                                                               starter_bank):
    join(classroom, UserFactory(username="n1"))
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url()).content.decode()
    heads = re.findall(r'<th scope="col" class="section-col"[^>]*>.*?<abbr title="([^"]+)">([^<]+)</abbr>', html)
    assert heads == [("发展历程", "1"), ("LoRA", "2.1"), ("并行方式", "2.2")]
    legend = html[html.index('data-testid="section-legend"'):].split("</ol>")[0]
    assert re.findall(r'legend-num">([^<]+)</span> <span lang="zh-Hans">([^<]+)<', legend) == [
        ("1", "发展历程"), ("2.1", "LoRA"), ("2.2", "并行方式")]


def test_each_learner_shows_last_active_and_answers_and_sorts_by_them(client, teacher, classroom, starter_bank):
    from quizapp.catalog.models import Section

    lora, history = Section.objects.get(key="lora"), Section.objects.get(key="history")
    a, b, c = (UserFactory(username=name) for name in ("amy", "bob", "cai"))
    join(classroom, a, b, c)
    now = timezone.now()
    record(a, lora, 0.5, "learning", answers=3, right=2)
    record(a, history, 0.5, "learning", answers=4, right=2)
    record(b, lora, 0.5, "learning", answers=12, right=6)
    SectionProgress.objects.filter(learner=a).update(last_activity=now - timedelta(days=3))
    SectionProgress.objects.filter(learner=b).update(last_activity=now - timedelta(hours=1))
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url() + "?sort=answers&dir=desc").content.decode()
    assert html.index(">bob</a>") < html.index(">amy</a>") < html.index(">cai</a>")
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    answers = dict(re.findall(r'>(\w+)</a>.*?data-testid="answers">(\d+)<', body, flags=re.S))
    assert answers == {"bob": "12", "amy": "7", "cai": "0"}
    assert re.search(r'aria-sort="descending"><a href="\?sort=answers">', html)  # the link turns it round
    html = client.get(classroom.get_absolute_url() + "?sort=last&dir=desc").content.decode()
    assert html.index(">bob</a>") < html.index(">amy</a>") < html.index(">cai</a>")  # never active: last
    html = client.get(classroom.get_absolute_url() + "?sort=last").content.decode()
    assert html.index(">cai</a>") < html.index(">amy</a>") < html.index(">bob</a>")
    cai = html[html.index(">cai</a>"):].split("</tr>")[0]
    assert 'data-testid="last-active"><span class="meta">从未</span>' in cai


def test_the_grid_filters_by_part_and_keeps_the_filter_when_sorting_and_paging(client, teacher, classroom,
                                                                                  starter_bank):
    from quizapp.catalog.models import Section

    learners = [UserFactory(username=f"p{i:02d}") for i in range(3)]
    join(classroom, *learners)
    record(learners[0], Section.objects.get(key="history"), 0.9, "mastered", answers=5, right=5)
    client.force_login(teacher)
    html = client.get(classroom.get_absolute_url() + "?part=tuning&sort=total&dir=desc").content.decode()
    heads = re.findall(r'<abbr title="([^"]+)">', html)
    assert heads == ["LoRA", "并行方式"]
    assert 'href="?sort=lora&amp;dir=desc&amp;part=tuning"' in html
    assert '<option value="tuning" selected>' in html
    row = html[html.index(">p00</a>"):].split("</tr>")[0]
    assert 'data-testid="answers">0<' in row  # history's answers are not in this part
    grid = class_grid(classroom, part="tuning", per_page=2, page=2, sort="name")
    assert [r.learner.username for r in grid.rows] == ["p02"] and grid.part.key == "tuning"
    assert len(class_grid(classroom, part="no-such-part").sections) == 3  # an unknown part: all of them


@pytest.mark.parametrize("query", ["?part=tuning&sort=last&dir=desc", "?sort=answers", "?sort=lora&page=2"])
def test_sorted_and_filtered_grids_read_a_fixed_number_of_queries(client, teacher, classroom, starter_bank, query,
                                                                  django_assert_max_num_queries):
    client.force_login(teacher)
    client.get(classroom.get_absolute_url())
    join(classroom, *[UserFactory(username=f"f{i}") for i in range(60)])
    with django_assert_max_num_queries(14):  # 13, and the class's assignments (none here)
        assert client.get(classroom.get_absolute_url() + query).status_code == 200
