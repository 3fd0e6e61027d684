"""Grades back to the LMS (LTI Assignment and Grade Services). Two kinds of link take grades: a quiz link gets
the score of each finished quiz it opens; a mastery link gets the share of its sections the learner has
mastered, each time an answer changes that share. Either is queued in the answer's own transaction
(ScorePost), posted after the commit, and retried with growing pauses while the LMS fails
(`manage.py lti_send_scores`, from cron, sends what is due)."""

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
from quizapp.quizzes.models import Attempt, LearnerSkill, MasteryState

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


def _lms_links(learner_id, kinds):
    """(link id, kind, section keys, the learner's sub) for the learner's LMS courses' links of these kinds that
    may take scores."""
    sub_of = dict(LtiUser.objects.filter(auth_user_id=learner_id).values_list("pk", "sub"))
    if not sub_of:
        return []
    rows = (LinkTarget.objects.filter(kind__in=list(kinds), lineitem_url__gt="",
                                      resource_link__context__memberships__user__in=list(sub_of))
            .values_list("pk", "kind", "section_keys", "resource_link__context__memberships__user"))
    return [(pk, kind, keys, sub_of[lms_user]) for pk, kind, keys, lms_user in rows]


def _leaves(keys) -> set[int]:
    return set(Section.objects.leaves_under(list(Section.objects.filter(key__in=keys))).values_list("pk", flat=True))


def _queue(*, link_id, learner_id, attempt_id, sub, change, score, timestamp) -> int | None:
    post, created = ScorePost.objects.get_or_create(
        link_id=link_id, learner_id=learner_id, change=change,
        defaults={"attempt_id": attempt_id, "lms_user_id": sub, "timestamp": timestamp, "score_given": round(score, 2),
                  "score_maximum": SCORE_MAXIMUM, "next_try_at": timestamp})
    return post.pk if created else None


def _send_after_commit(ids):
    if ids:
        transaction.on_commit(lambda: score_posts_send(ids=ids))


def score_posts_queue(*, attempt: Attempt) -> list[int]:
    """Inside the transaction that finished `attempt`: a ScorePost for each quiz link that opens this quiz (same
    kind, same sections), none twice, sent once the transaction commits. Returns the new posts' ids."""
    if attempt.status != Attempt.Status.FINISHED or not attempt.answered:
        return []
    links = _lms_links(attempt.learner_id, QUIZ_OF_LINK)  # first: most learners have none (one query)
    if not links:
        return []
    attempt_leaves = set(attempt.sections.values_list("pk", flat=True))
    new = []
    for link_id, kind, keys, sub in links:
        if QUIZ_OF_LINK[kind] == attempt.kind and _leaves(keys) == attempt_leaves:
            new.append(_queue(link_id=link_id, learner_id=attempt.learner_id, attempt_id=attempt.pk, sub=sub,
                              change=f"quiz:{attempt.pk}",
                              score=SCORE_MAXIMUM * attempt.score / attempt.answered, timestamp=attempt.finished_at))
    new = [pk for pk in new if pk]
    _send_after_commit(new)
    return new


def mastery_posts_queue(*, response, state_after, state_before) -> list[int]:
    """Inside the transaction of an answer that changed its section's call to or from mastered: for each mastery
    link over that section, the share of the link's sections now mastered."""
    if (state_after == MasteryState.MASTERED) == (state_before == MasteryState.MASTERED):
        return []
    new = []
    for link_id, _kind, keys, sub in _lms_links(response.learner_id, {Kind.MASTERY}):
        leaves = _leaves(keys)
        if response.section_id not in leaves:
            continue
        mastered = LearnerSkill.objects.filter(learner_id=response.learner_id, section_id__in=leaves,
                                               state=MasteryState.MASTERED).count()
        new.append(_queue(link_id=link_id, learner_id=response.learner_id, attempt_id=response.attempt_id, sub=sub,
                          change=f"answer:{response.pk}",
                          score=SCORE_MAXIMUM * mastered / len(leaves), timestamp=response.answered_at))
    new = [pk for pk in new if pk]
    _send_after_commit(new)
    return new


def on_answer_recorded(sender, response, skill, state_before, **kwargs):
    """answer_recorded receiver (quizapp/receivers.py): the answer that finishes a quiz queues its score; one
    that changes a section's mastered call queues the mastery links' new share."""
    score_posts_queue(attempt=response.attempt)
    mastery_posts_queue(response=response, state_after=skill.state, state_before=state_before)


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
