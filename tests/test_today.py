"""Today, a signed-in learner's home page (issue 19, item 1): cards due and new today with one Study
button, the open quiz with Resume, the sections to practise next (one click each), streak and today's
count. Visitors keep the course overview."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizapp.accounts.study_days import study_day
from quizapp.cards.models import StudySettings
from quizapp.cards.services import card_start, review_record
from quizapp.catalog.models import Flashcard, Section
from quizapp.progress.models import DailyActivity
from quizapp.quizzes import services
from quizapp.quizzes.models import Attempt
from tests.factories import FlashcardFactory, QuestionFactory, SectionFactory


@pytest.fixture
def client_in(client, learner):
    client.force_login(learner)
    return client


def test_a_visitor_keeps_the_course_overview(client, starter_bank):
    html = client.get("/").content.decode()
    assert 'data-testid="today"' not in html
    assert 'class="hero"' in html and "LoRA" in html


def test_today_shows_cards_due_and_new_with_one_study_button(client_in, learner, starter_bank):
    StudySettings.objects.create(learner=learner, new_per_day=3)
    card = card_start(learner=learner, flashcard=Flashcard.objects.get(key="history-c01"))
    review_record(card=card, rating=3, expected_reps=0, now=timezone.now() - timedelta(days=9))
    review_record(card=card, rating=3, expected_reps=1, now=timezone.now() - timedelta(days=9, minutes=-10))
    html = client_in.get("/").content.decode()
    today = re.search(r'data-testid="today-cards".*?</section>', html, re.S).group(0)
    assert re.search(r'data-testid="today-due">1<', today)
    assert re.search(r'data-testid="today-new">3<', today)
    assert today.count('class="button"') == 1 and reverse("cards:review") in today


def test_today_with_nothing_left_offers_custom_study(client_in, learner, starter_bank):
    StudySettings.objects.create(learner=learner, new_per_day=0)
    html = client_in.get("/").content.decode()
    assert 'data-testid="study-cards"' not in html and reverse("cards:custom") in html


def test_today_resumes_the_open_quiz(client_in, learner, starter_bank):
    attempt = services.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)
    html = client_in.get("/").content.decode()
    assert 'data-testid="resume-quiz"' in html and attempt.get_absolute_url() in html


def test_the_next_sections_are_the_weakest_and_each_starts_in_one_click(client_in, learner, starter_bank):
    html = client_in.get("/").content.decode()
    listed = re.findall(r'data-testid="next-([\w-]+)"', html)
    assert listed == ["history", "lora", "parallel"]  # none started yet: in course order
    form = re.search(r'data-testid="next-lora".*?(<form.*?</form>)', html, re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    response = client_in.post(reverse("quizzes:start"), fields)
    attempt = Attempt.objects.get(learner=learner)
    assert response["Location"] == attempt.get_absolute_url()
    assert attempt.kind == "section" and [s.key for s in attempt.sections.all()] == ["lora"]
    keys = re.findall(r'name="start_key" value="([0-9a-f]{32})"', html)
    assert len(set(keys)) == 3  # a key per button: another section's button starts its own quiz


def test_streak_and_todays_count(client_in, learner, starter_bank):
    today = study_day(learner).date
    for back, answers in ((0, 4), (1, 2), (2, 1), (4, 7)):
        DailyActivity.objects.create(learner=learner, day=today - timedelta(days=back), answers=answers, reviews=1)
    html = client_in.get("/").content.decode()
    assert re.search(r'data-testid="streak">\D*3\D', html)  # today and the two days before
    assert re.search(r'data-testid="done-today">\D*5\D', html)


def test_no_class_assignments_are_shown_to_a_learner_without_any(client_in, starter_bank):
    assert 'data-testid="assignments-due"' not in client_in.get("/").content.decode()


def test_today_keeps_to_its_query_budget_whatever_the_history(client_in, learner, starter_bank,
                                                              django_assert_max_num_queries):
    StudySettings.objects.create(learner=learner, new_per_day=1000)
    sections = SectionFactory.create_batch(15)
    for section in sections:
        QuestionFactory(section=section)
        for flashcard in FlashcardFactory.create_batch(3, section=section):
            card = card_start(learner=learner, flashcard=flashcard)
            review_record(card=card, rating=3, expected_reps=0, now=timezone.now() - timedelta(days=20))
    for back in range(200):
        DailyActivity.objects.update_or_create(learner=learner, day=study_day(learner).date - timedelta(days=back),
                                               defaults={"answers": 3})
    services.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)
    assert Section.objects.count() > 15
    client_in.get("/")  # renews the idle-session expiry once
    # Session and user, the bank's revision (the outline is held per process), the open quiz, a year of
    # activity, 4 for today's cards (settings, done, due, new), 1 for the next sections (the learner's
    # rollups), 1 for class assignments (none here; with some, tests/classes/test_assignments.py): 11,
    # whatever the sections or history.
    with django_assert_max_num_queries(11):
        response = client_in.get("/")
    assert response.status_code == 200 and 'data-testid="today"' in response.content.decode()
