"""Grades back: a finished quiz that an LMS quiz link asked for posts its score to the link's gradebook column,
once, after the commit, retried with growing pauses while the LMS fails, and the teacher sees where each is."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from quizapp.catalog.models import Section
from quizapp.lti.grades import score_posts_send
from quizapp.lti.models import ScorePost
from quizapp.quizzes import services
from quizapp.quizzes.models import Attempt, Response

from ..quizzes.helpers import answer_data, current_item
from .platform import INSTRUCTOR, LEARNER


@pytest.fixture
def leaf(starter_bank):
    return Section.objects.leaves().order_by("order").first()


def launch_quiz_link(client, platform, leaf, *, sub="learner-1"):
    response, _ = platform.launch(client, sub=sub, roles=[LEARNER], resource_link_id="quiz-link",
                                  custom={"quizapp_target": f"section_quiz:{leaf.key}"})
    assert response["Location"] == f"/quiz/?section={leaf.key}"


def finish_quiz(client, leaf, capture, *, wrong_first=False):
    """Start the section quiz the link opens and answer every question through the answer view."""
    learner = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    attempt = services.attempt_start(learner=learner, kind="section", section_ids=[leaf.pk], length=5)
    for n in range(attempt.length):
        item = current_item(attempt)
        with capture(execute=True):
            page = client.post(reverse("quizzes:answer", args=[attempt.pk]),
                               answer_data(item, right=not (wrong_first and n == 0)))
        assert page.status_code == 302  # no htmx: the page with the feedback
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINISHED
    return attempt


def test_a_finished_quiz_posts_its_score_once(client, platform, leaf, django_capture_on_commit_callbacks):
    launch_quiz_link(client, platform, leaf)
    attempt = finish_quiz(client, leaf, django_capture_on_commit_callbacks, wrong_first=True)
    [(path, score)] = platform.scores()
    assert path == "/lineitems/quiz-link/scores"
    assert score["userId"] == "learner-1"
    expected = round(100 * attempt.score / attempt.answered, 2)
    assert score["scoreGiven"] == expected < 100 and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"] == attempt.finished_at.isoformat()
    post = ScorePost.objects.get()
    assert post.state == ScorePost.State.SENT and post.tries == 1
    # The token came from the client-credentials exchange, with an assertion signed by the tool's key.
    assert any(method == "POST" and path == "/token" for method, path, _h, _b in platform.received)
    # Nothing is sent twice: neither by the cron command nor by the same quiz's answers replayed.
    assert score_posts_send(now=timezone.now() + timedelta(days=1)) == {"sent": 0, "failed": 0}
    assert len(platform.scores()) == 1


def test_a_failing_lms_gets_the_score_on_the_third_try(client, platform, leaf, django_capture_on_commit_callbacks):
    launch_quiz_link(client, platform, leaf)
    platform.fail_next = 2
    attempt = finish_quiz(client, leaf, django_capture_on_commit_callbacks)
    assert Response.objects.filter(attempt=attempt).count() == attempt.length  # the answers are all kept
    post = ScorePost.objects.get()
    assert (post.state, post.tries) == (ScorePost.State.PENDING, 1) and "500" in post.last_error
    first_pause = post.next_try_at - timezone.now()
    assert timedelta(seconds=20) < first_pause <= timedelta(seconds=30)

    assert score_posts_send() == {"sent": 0, "failed": 0}  # not due yet
    assert score_posts_send(now=post.next_try_at) == {"sent": 0, "failed": 1}
    post.refresh_from_db()
    assert post.tries == 2 and post.next_try_at > timezone.now() + timedelta(seconds=50)  # a longer pause
    assert score_posts_send(now=post.next_try_at) == {"sent": 1, "failed": 0}
    post.refresh_from_db()
    assert post.state == ScorePost.State.SENT and post.tries == 3
    posted = platform.scores()
    assert len(posted) == 3 and len({p[1]["timestamp"] for p in posted}) == 1  # one change, same timestamp


def test_an_unreachable_lms_never_loses_the_answer(client, platform, leaf, django_capture_on_commit_callbacks,
                                                   settings):
    launch_quiz_link(client, platform, leaf)
    registration = platform.registration
    registration.token_url = "http://127.0.0.1:9/token"  # nothing listens there
    registration.save()
    attempt = finish_quiz(client, leaf, django_capture_on_commit_callbacks)
    assert Response.objects.filter(attempt=attempt).count() == attempt.length
    assert ScorePost.objects.get().state == ScorePost.State.PENDING


def test_a_quiz_no_link_asked_for_posts_nothing(client, platform, leaf, django_capture_on_commit_callbacks):
    launch_quiz_link(client, platform, leaf)
    other = Section.objects.leaves().exclude(pk=leaf.pk).order_by("order").first()
    finish_quiz(client, other, django_capture_on_commit_callbacks)
    assert not ScorePost.objects.exists() and platform.scores() == []


def test_the_teacher_sees_the_sync_state(client, platform, leaf, django_capture_on_commit_callbacks):
    platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
    client.logout()
    launch_quiz_link(client, platform, leaf)
    platform.fail_next = 1
    finish_quiz(client, leaf, django_capture_on_commit_callbacks)
    client.logout()
    platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
    page = client.get("/lti/courses/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-state="pending"' in html and "500" in html


def test_courses_page_is_for_teachers(client, learner):
    client.force_login(learner)
    assert client.get("/lti/courses/").status_code == 403


def test_a_mastery_link_posts_the_share_mastered_when_it_changes(client, platform, leaf,
                                                                  django_capture_on_commit_callbacks):
    other = Section.objects.leaves().exclude(pk=leaf.pk).order_by("order").first()
    response, _ = platform.launch(client, resource_link_id="mastery-link",
                                  custom={"quizapp_target": f"mastery:{leaf.key},{other.key}"})
    assert response["Location"] == "/progress/"
    finish_quiz(client, leaf, django_capture_on_commit_callbacks)  # all right: mastered after the third
    [(path, score)] = platform.scores()  # one change: 0 of 2 sections mastered -> 1 of 2; later answers none
    assert path == "/lineitems/mastery-link/scores"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (50, 100)
    assert ScorePost.objects.get().change.startswith("answer:")
