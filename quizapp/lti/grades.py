"""Grades back to the LMS (LTI Assignment and Grade Services): a finished quiz that a quiz link of the learner's
LMS course asked for is queued in the quiz's own transaction (ScorePost), posted after the commit, and retried
with growing pauses while the LMS fails (`manage.py lti_send_scores`, from cron, sends what is due)."""

import logging
from datetime import timedelta

import requests
from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiUser
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from quizapp.catalog.models import Section
from quizapp.quizzes.models import Attempt

from .models import LinkTarget, ScorePost
from .services import SCORE_SCOPE

log = logging.getLogger(__name__)
Kind = LinkTarget.Kind
QUIZ_OF_LINK = {Kind.SECTION_QUIZ: Attempt.Kind.SECTION, Kind.MIXED_QUIZ: Attempt.Kind.MIXED}
SCORE_MAXIMUM = 100.0
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(hours=1)
MAX_TRIES = 10  # about 4 hours of tries, then the teacher sees "not sent"
# A learner's last answer waits for the first try: the LMS gets a few seconds, then the retries take over.
TIMEOUT_SECONDS = (2, 4)


def pause_after(tries: int) -> timedelta:
    """30 s, 1, 2, 4 ... minutes, at most an hour: the pause before try number tries + 1."""
    return min(FIRST_PAUSE * 2 ** max(tries - 1, 0), LONGEST_PAUSE)


def _links_asking_for(attempt: Attempt):
    """(link, LMS user) for every quiz link of the learner's LMS courses whose quiz this attempt is."""
    lms_users = list(LtiUser.objects.filter(auth_user_id=attempt.learner_id).values_list("pk", "sub"))
    if not lms_users:
        return []
    sub_of = dict(lms_users)
    links = (LinkTarget.objects.filter(kind__in=list(QUIZ_OF_LINK), lineitem_url__gt="",
                                       resource_link__context__memberships__user__in=list(sub_of))
             .values_list("pk", "kind", "section_keys", "resource_link__context__memberships__user"))
    attempt_leaves = set(attempt.sections.values_list("pk", flat=True))
    found = []
    for link_id, kind, keys, lms_user_id in links:
        if QUIZ_OF_LINK[kind] != attempt.kind:
            continue
        chosen = list(Section.objects.filter(key__in=keys))
        if set(Section.objects.leaves_under(chosen).values_list("pk", flat=True)) == attempt_leaves:
            found.append((link_id, sub_of[lms_user_id]))
    return found


def score_posts_queue(*, attempt: Attempt) -> list[int]:
    """Inside the transaction that finished `attempt`: a ScorePost per link asking for it (none twice), sent
    once the transaction commits. Returns the new posts' ids."""
    if attempt.status != Attempt.Status.FINISHED or not attempt.answered:
        return []
    new = []
    for link_id, sub in _links_asking_for(attempt):
        post, created = ScorePost.objects.get_or_create(
            link_id=link_id, attempt=attempt,
            defaults={"learner_id": attempt.learner_id, "lms_user_id": sub, "timestamp": attempt.finished_at,
                      "score_given": round(SCORE_MAXIMUM * attempt.score / attempt.answered, 2),
                      "score_maximum": SCORE_MAXIMUM, "next_try_at": attempt.finished_at})
        if created:
            new.append(post.pk)
    if new:
        transaction.on_commit(lambda: score_posts_send(ids=new))
    return new


def on_answer_recorded(sender, response, **kwargs):
    """answer_recorded receiver (quizapp/receivers.py): the answer that finishes a quiz queues its score."""
    score_posts_queue(attempt=response.attempt)


class TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def _claim(post: ScorePost, now) -> bool:
    """Take the post for this sender: a concurrent sender (cron beside the after-commit send) finds it taken."""
    return bool(ScorePost.objects.filter(pk=post.pk, state=ScorePost.State.PENDING, next_try_at=post.next_try_at)
                .update(next_try_at=now + timedelta(minutes=5)))


def _post(post: ScorePost) -> None:
    registration = post.link.resource_link.context.deployment.registration
    connector = ServiceConnector(registration.to_registration(), requests_session=TimeoutSession())
    ags = AssignmentsGradesService(connector, {"scope": [SCORE_SCOPE], "lineitem": post.link.lineitem_url})
    grade = (Grade().set_score_given(post.score_given).set_score_maximum(post.score_maximum)
             .set_timestamp(post.timestamp.isoformat()).set_activity_progress("Completed")
             .set_grading_progress("FullyGraded").set_user_id(post.lms_user_id))
    ags.put_grade(grade)


def score_posts_send(*, ids=None, now=None) -> dict:
    """Send the posts that are due (of `ids`, or all). Returns {"sent": n, "failed": n}; never raises for an
    LMS's failure: the post waits for its next try."""
    now = now or timezone.now()
    due = ScorePost.objects.due(now).select_related("link__resource_link__context__deployment__registration")
    if ids is not None:
        due = due.filter(pk__in=ids)
    counts = {"sent": 0, "failed": 0}
    for post in due:
        if not _claim(post, now):
            continue
        try:
            _post(post)
        except (LtiException, LtiServiceException, requests.RequestException, ValueError) as exc:
            tries = post.tries + 1
            error = str(exc)[:1000]
            state = ScorePost.State.FAILED if tries >= MAX_TRIES else ScorePost.State.PENDING
            ScorePost.objects.filter(pk=post.pk).update(tries=tries, last_error=error, state=state,
                                                        next_try_at=now + pause_after(tries))
            log.warning("LTI score post %s failed (try %s): %s", post.pk, tries, error)
            counts["failed"] += 1
        else:
            ScorePost.objects.filter(pk=post.pk).update(state=ScorePost.State.SENT, sent_at=timezone.now(),
                                                        tries=post.tries + 1, last_error="")
            counts["sent"] += 1
    return counts
