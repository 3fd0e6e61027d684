import pytest
from django.urls import reverse

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
    assert 'value="0"' in html  # mastery meters start empty


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
    assert "history-heading" in html and "作答 1 次，答对 1 次" in html
