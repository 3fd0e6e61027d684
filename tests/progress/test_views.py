import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from quizapp.catalog.models import Section
from quizapp.progress.models import SectionProgress
from quizapp.quizzes import services as quizzes

from tests.progress.helpers import Clock, answer_next, review_some_card

# Session and user, 3 for sections and cards, 1 activity, 1 open quiz, 5 for today's flashcard counts,
# 1 forecast: 13 whatever the history. (+3 when the idle-session expiry is renewed, at most hourly.)
DASHBOARD_QUERIES = 13


def test_the_dashboard_needs_a_log_in(client, db):
    response = client.get(reverse("progress:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_new_learner_sees_every_section_not_started(client, learner, starter_bank):
    client.force_login(learner)
    html = client.get(reverse("progress:dashboard")).content.decode()
    for title in ("发展历程", "LoRA", "并行方式"):
        assert title in html
    mastery = _mastery_section(html)
    assert mastery.count('class="band b0"') == mastery.count("<li") and "未开始" in mastery  # bands start empty


def test_the_dashboard_shows_activity_and_practise_now_links(client, learner, starter_bank):
    for right in (True, False, True):
        answer_next(learner, right=right)
    review_some_card(learner, 3, Clock())
    client.force_login(learner)
    html = client.get(reverse("progress:dashboard")).content.decode()
    assert "3</span><span class=\"stat-label\">" in html  # questions answered
    assert reverse("quizzes:start") + "?section=" in html
    assert "<svg class=\"chart heatmap\"" in html and "<table>" in html  # chart with its table alternative


def test_dashboard_query_count_does_not_grow_with_history(client, learner, starter_bank, django_assert_max_num_queries):
    client.force_login(learner)
    client.get(reverse("progress:dashboard"))  # renews the idle-session expiry once
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        client.get(reverse("progress:dashboard"))
    clock = Clock()
    for i in range(24):
        answer_next(learner, right=i % 3 != 0)
        review_some_card(learner, 3, clock)
        clock.advance(30)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("progress:dashboard"))
    assert response.status_code == 200


def test_the_section_page_shows_the_learners_own_record(client, learner, starter_bank):
    recorded = answer_next(learner, right=True)
    client.force_login(learner)
    html = client.get(recorded.response.section.get_absolute_url()).content.decode()
    history = html[html.index('id="history-heading"'):].split("</section>")[0]
    progress = SectionProgress.objects.get(learner=learner, section=recorded.response.section)
    state = {"learning": "学习中", "mastered": "已掌握"}[progress.state]
    assert f"1 题中答对 1 题 · {state}" in seen(history)
    assert "%" not in history


def seen(html: str) -> str:
    """The text a reader gets from the markup: tags gone, white space collapsed."""
    return " ".join(strip_tags(html).split())


def _mastery_section(html: str) -> str:
    return html[html.index('id="mastery-heading"'):].split("</section>")[0]


def test_three_right_answers_show_as_the_call_and_its_evidence(client, learner, starter_bank):
    history = Section.objects.get(key="history")
    quizzes.attempt_start(learner=learner, kind="section", section_ids=[history.pk], length=5)
    for _ in range(3):
        answer_next(learner, right=True)
    progress = SectionProgress.objects.get(learner=learner, section=history)
    assert (progress.answers, progress.correct) == (3, 3)
    client.force_login(learner)
    html = client.get(reverse("progress:dashboard")).content.decode()
    mastery = _mastery_section(html)
    row = mastery[mastery.index(history.get_absolute_url()):].split("</li>")[0]
    state = {"learning": "学习中", "mastered": "已掌握"}[progress.state]
    assert f"3 题中答对 3 题 · {state}" in seen(row)
    assert "%" not in mastery and "<meter" not in mastery  # never a percentage from three answers
    weak = html[html.index('id="weak-heading"'):].split("</section>")[0]
    assert "%" not in weak
    english = client.get(reverse("progress:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 of 3 right · " in seen(_mastery_section(english))
    # The section page says the same.
    page = client.get(history.get_absolute_url()).content.decode()
    assert f"3 题中答对 3 题 · {state}" in seen(page)
