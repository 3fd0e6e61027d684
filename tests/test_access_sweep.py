"""Access control, swept over the URL configuration itself.

Every URL pattern (outside the admin) that captures an argument is listed in ROUTES (or, if it exposes
nothing that belongs to anyone, in NOT_OWNED with the reason). For each one, real objects that belong to
learner A, or to teacher A's class, are requested by

  - learner B (a learner in no class),
  - teacher B (the teacher of another class, who is also staff), and
  - an anonymous visitor,

with GET, and with POST for the URLs that write, each as a whole page and as an htmx partial. Each gets a
404 (or 403 from a role check, or 405 for a method the URL never accepts) or a redirect to the log-in page,
never the object:
  - the same answer as for an id that does not exist, so not even existence leaks;
  - nothing of the object in the body;
  - no row written anywhere in the learners' apps.
The owner then makes the same request and succeeds, which proves the objects and arguments were real.

A new URL pattern with an argument fails `test_every_url_with_an_argument_is_swept` until it is listed.
The admin is staff-only as a whole: `test_the_admin_is_closed_to_learners_and_visitors` sweeps every admin
URL as a learner and as a visitor.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from quizapp.accounts.roles import teacher_role_grant
from quizapp.cards import services as cards
from quizapp.catalog.models import Flashcard
from quizapp.classes.models import Membership
from quizapp.quizzes.models import Attempt
from tests.factories import ClassroomFactory, UserFactory
from tests.progress.helpers import Clock, answer_next, review_some_card
from tests.quizzes.helpers import answer_data, current_item

# Everything a learner's or teacher's work writes: a refused request must leave all of it unchanged.
WATCHED_APPS = ["quizzes", "cards", "progress", "classes"]
MISSING_ID = 10**9
HTMX = {"HX-Request": "true"}
SECRET_CLASS_NAME = "甲班-only-teacher-a-sees-this"


def walk(resolver=None, prefix="", namespace="", captured=()):
    """(route, name, argument names) for every URL pattern, recursively through includes."""
    for entry in (resolver or get_resolver()).url_patterns:
        args = captured + tuple(entry.pattern.regex.groupindex)  # an include's own prefix may capture too
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry, prefix + str(entry.pattern), inner, args)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name])) if entry.name else None
            yield prefix + str(entry.pattern), name, args


# --- the objects --------------------------------------------------------------------------------------

@dataclass
class World:
    learner_a: object
    learner_b: object
    teacher_a: object
    teacher_b: object
    classroom_a: object
    classroom_b: object
    attempt: object  # learner A's quiz, open, with a question waiting for an answer
    card: object  # learner A's flashcard, new and ready to rate
    suspended_card: object  # learner A's flashcard, suspended
    review: object  # learner A's latest review
    secrets: list = field(default_factory=list)  # text only the owners' pages show


@pytest.fixture
def world(starter_bank):
    learner_a = UserFactory(username="learner-a-private")
    learner_b = UserFactory(username="learner-b")
    teacher_a, teacher_b = UserFactory(username="teacher-a"), UserFactory(username="teacher-b")
    teacher_role_grant(teacher_a)
    teacher_role_grant(teacher_b)
    classroom_a = ClassroomFactory(teacher=teacher_a, name=SECRET_CLASS_NAME)
    classroom_b = ClassroomFactory(teacher=teacher_b, name="乙班")
    Membership.objects.create(classroom=classroom_a, learner=learner_a)
    Membership.objects.create(classroom=classroom_b, learner=UserFactory(username="learner-c"))

    answer_next(learner_a, right=True)
    answer_next(learner_a, right=False)  # the quiz stays open, its third question served
    attempt = Attempt.objects.get(learner=learner_a)

    review = review_some_card(learner_a, 3, Clock())  # that card is now learning, due again in minutes
    others = Flashcard.objects.exclude(pk=review.card.flashcard_id).order_by("pk")
    card = cards.card_start(learner=learner_a, flashcard=others[0])  # new: ready to reveal and rate
    suspended = cards.card_suspend(card=cards.card_start(learner=learner_a, flashcard=others[1]))
    return World(learner_a, learner_b, teacher_a, teacher_b, classroom_a, classroom_b, attempt, card,
                 suspended, review, secrets=[SECRET_CLASS_NAME, classroom_a.join_code, "learner-a-private"])


# --- what each URL is, and how to build its arguments --------------------------------------------------

@dataclass
class Route:
    owner: str  # attribute of World that may use the URL
    kwargs: Callable[[World], dict]
    post: Callable[[World], dict] | None = None  # form data for a URL that writes
    get: bool = True  # False for POST-only URLs (a GET is still tried: it must give nothing away)


def _rate(w):
    return {"rating": "3", "reps": str(w.card.reps), "shown_at": "", "section": ""}


def _archived_class(w):
    """Restoring needs an archived class: teacher A's class is archived before the sweep's snapshot."""
    from quizapp.classes.services import classroom_archive

    classroom_archive(classroom=w.classroom_a)
    return {"pk": w.classroom_a.pk}


def _assignment(w):
    """Teacher A's class's assignment (made before the sweep's snapshot)."""
    from datetime import timedelta

    from django.utils import timezone

    from quizapp.catalog.models import Section
    from quizapp.classes.services import assignment_create

    assignment, _created = assignment_create(
        classroom=w.classroom_a, kind="quiz", sections=list(Section.objects.filter(key="history")), questions=5,
        opens_at=timezone.now(), due_at=timezone.now() + timedelta(days=7))
    return {"pk": w.classroom_a.pk, "assignment_id": assignment.pk}


def _assignment_form(w):
    from quizapp.catalog.models import Section

    return {"kind": "quiz", "sections": [str(Section.objects.get(key="history").pk)], "questions": "6",
            "opens_at": "2026-03-02T08:00", "due_at": "2026-03-06T23:59"}


def _lms_course(w):
    """Teacher A's class tied to a course of the test LMS, whose roster (one learner) the sync brings in."""
    from lti_tool.models import LtiContext, LtiDeployment, LtiRegistration

    from quizapp.lti import tool
    from quizapp.lti.models import CourseClass
    from tests.lti.platform import LEARNER, Platform

    platform = Platform()  # its server thread is a daemon, gone with the test run
    platform.members = [{"user_id": "lms-learner", "roles": [LEARNER], "status": "Active", "name": "林 同学"}]
    registration = LtiRegistration.objects.create(**platform.registration_values())
    deployment = LtiDeployment.objects.create(registration=registration, deployment_id="d-1", is_active=True)
    context = LtiContext.objects.create(deployment=deployment, id_on_platform="course-1",
                                        memberships_url=platform.url("/memberships"))
    tool.key_ensure()
    platform.tool_jwks = tool.jwks()
    return {"pk": CourseClass.objects.create(context=context, teacher=w.teacher_a, classroom=w.classroom_a).pk}


ROUTES: dict[str, Route] = {
    "quizzes:question": Route("learner_a", lambda w: {"attempt": w.attempt.pk}),
    "quizzes:answer": Route("learner_a", lambda w: {"attempt": w.attempt.pk},
                            post=lambda w: answer_data(current_item(w.attempt)), get=False),
    "quizzes:summary": Route("learner_a", lambda w: {"attempt": w.attempt.pk}),
    "quizzes:leave": Route("learner_a", lambda w: {"attempt": w.attempt.pk}, post=lambda w: {}, get=False),
    "cards:reveal": Route("learner_a", lambda w: {"pk": w.card.pk}),
    "cards:rate": Route("learner_a", lambda w: {"pk": w.card.pk}, post=_rate, get=False),
    "cards:suspend": Route("learner_a", lambda w: {"pk": w.card.pk}, post=lambda w: {}, get=False),
    "cards:bury": Route("learner_a", lambda w: {"pk": w.card.pk}, post=lambda w: {}, get=False),
    "cards:unsuspend": Route("learner_a", lambda w: {"pk": w.suspended_card.pk},
                             post=lambda w: {}, get=False),
    "cards:put_back": Route("learner_a", lambda w: {"pk": w.suspended_card.pk},
                            post=lambda w: {"undo": "suspend"}, get=False),
    "classes:dashboard": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk}),
    "classes:settings": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk},
                              post=lambda w: {"name": "renamed by whoever posted"}),
    "classes:archive": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk}, post=lambda w: {}, get=False),
    "classes:restore": Route("teacher_a", _archived_class, post=lambda w: {}, get=False),
    "classes:renew_code": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk},
                                post=lambda w: {}, get=False),
    "classes:remove_learner": Route("teacher_a",
                                    lambda w: {"pk": w.classroom_a.pk, "learner_id": w.learner_a.pk},
                                    post=lambda w: {}, get=False),
    "classes:leave": Route("learner_a", lambda w: {"pk": w.classroom_a.pk}, post=lambda w: {}, get=False),
    "classes:learner": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk, "learner_id": w.learner_a.pk}),
    "classes:learner_attempt": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk, "learner_id": w.learner_a.pk,
                                                             "attempt_id": w.attempt.pk}),
    "classes:assignment_create": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk}, post=_assignment_form),
    "classes:assignment": Route("teacher_a", _assignment),
    "classes:assignment_edit": Route("teacher_a", _assignment, post=_assignment_form),
    "classes:assignment_delete": Route("teacher_a", _assignment, post=lambda w: {}, get=False),
    "classes:items": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk}),
    "classes:grid_csv": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk}),
    "classes:items_csv": Route("teacher_a", lambda w: {"pk": w.classroom_a.pk}),
    "lti:roster": Route("teacher_a", _lms_course, post=lambda w: {}, get=False),
}

# URLs with an argument that names nothing anyone owns; each says why it is safe to leave out.
NOT_OWNED = {
    "catalog:section": "published study notes, the same for every visitor",
    "password_reset_confirm": "guarded by a one-time token; test_a_password_reset_link_needs_its_token",
}

INTRUDERS = ["learner_b", "teacher_b", "anonymous"]


# --- helpers ------------------------------------------------------------------------------------------

def snapshot() -> dict:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in WATCHED_APPS for model in apps.get_app_config(label).get_models()
    }


def client_for(world, who) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(world, who))
    return client


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    target = urlsplit(response["Location"]).path
    return target in (resolve_url(settings.LOGIN_URL), reverse("admin:login"))


def outcome(response) -> tuple:
    """What a refusal looks like from outside: the status, and where a redirect goes (without ?next=)."""
    location = urlsplit(response["Location"]).path if response.status_code in (301, 302) else ""
    return response.status_code, location


def refused(response, method: str) -> bool:
    return (is_login_redirect(response) or response.status_code in (403, 404)
            or (response.status_code == 405 and method == "GET"))


def missing(kwargs: dict) -> dict:
    return {k: MISSING_ID if isinstance(v, int) else v for k, v in kwargs.items()}


# --- the sweep ----------------------------------------------------------------------------------------

def test_every_url_with_an_argument_is_swept():
    with_arguments = {name for route, name, args in walk() if args and not route.startswith("admin/")}
    unnamed = [route for route, name, args in walk() if args and not name and not route.startswith("admin/")]
    assert not unnamed, f"name these URL patterns so they can be swept: {unnamed}"
    uncovered = with_arguments - ROUTES.keys() - NOT_OWNED.keys()
    assert not uncovered, f"add to ROUTES (or to NOT_OWNED, saying why): {sorted(uncovered)}"
    stale = (ROUTES.keys() | NOT_OWNED.keys()) - with_arguments
    assert not stale, f"no longer URL patterns with arguments: {sorted(stale)}"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_nobody_but_the_owner_reaches_the_object(name, world):
    route = ROUTES[name]
    kwargs = route.kwargs(world)
    url, url_missing = reverse(name, kwargs=kwargs), reverse(name, kwargs=missing(kwargs))
    # Each as a whole page and as an htmx partial: partial requests pass the same checks.
    requests = [("GET", {}), ("GET", HTMX)] + ([("POST", {}), ("POST", HTMX)] if route.post else [])
    before = snapshot()
    for who in INTRUDERS:
        client = client_for(world, who)
        for method, headers in requests:
            data = route.post(world) if method == "POST" else None
            send = client.post if method == "POST" else client.get
            response = send(url, data, headers=headers)
            where = f"{method} {url} as {who}{' (htmx)' if headers else ''}"
            assert refused(response, method), f"{where}: {response.status_code}, not refused"
            assert outcome(response) == outcome(send(url_missing, data, headers=headers)), (
                f"{where} is answered differently from the same request for an id that does not exist")
            body = response.content.decode(errors="replace")
            leaked = [s for s in world.secrets if s in body]
            assert not leaked, f"{where} shows {leaked}"
            assert snapshot() == before, f"{where} changed the database"

    # The owner, last: the same requests work, so the sweep above refused real objects.
    owner = client_for(world, route.owner)
    method = "POST" if route.post else "GET"
    response = (owner.post(url, route.post(world)) if route.post else owner.get(url))
    assert response.status_code in (200, 302) and not is_login_redirect(response), (
        f"{method} {url} as its owner {route.owner}: {response.status_code}")
    if route.post:
        assert snapshot() != before, f"{method} {url} as its owner {route.owner} changed nothing"


def test_a_teacher_sees_only_learners_of_their_own_class(world):
    """The drill-down takes two ids: a teacher's own class with someone else's learner is refused too."""
    client = client_for(world, "teacher_b")
    url = reverse("classes:learner", kwargs={"pk": world.classroom_b.pk, "learner_id": world.learner_a.pk})
    assert client.get(url).status_code == 404
    before = snapshot()
    client.post(reverse("classes:remove_learner", kwargs={"pk": world.classroom_b.pk,
                                                          "learner_id": world.learner_a.pk}))
    assert snapshot() == before


def test_ids_in_query_strings_and_forms_are_scoped_too(world):
    client = client_for(world, "learner_b")
    assert client.get(reverse("cards:review"), {"card": world.card.pk}).status_code == 404
    before = snapshot()
    response = client.post(reverse("cards:undo"), {"review": world.review.pk})
    assert response.status_code in (302, 404, 409)
    assert snapshot() == before, "learner B undid learner A's review"


def test_the_admin_is_closed_to_learners_and_visitors(world):
    """Every admin URL, with any arguments, sends a non-staff user and a visitor to the admin log-in."""
    entry_points = {"admin:login", "admin:logout"}
    urls = []
    for route, name, args in walk():
        if not route.startswith("admin/") or name in entry_points:
            continue
        if name is None:  # the admin's catch-all, for any other path under admin/
            urls.append("/admin/no/such/page/")
        else:
            urls.append(reverse(name, kwargs={a: "catalog" if a == "app_label" else "1" for a in args}))
    assert len(urls) > 20
    for url in urls:
        for who in ("learner_b", "anonymous"):
            response = client_for(world, who).get(url)
            assert is_login_redirect(response), f"GET {url} as {who}: {response.status_code}"


def test_a_teacher_in_the_admin_cannot_manage_accounts(world):
    client = client_for(world, "teacher_a")
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_change", args=[world.learner_a.pk])).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_a_password_reset_link_needs_its_token(world, client):
    uid = urlsafe_base64_encode(force_bytes(world.learner_a.pk))
    response = client.get(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": "1-forged"}))
    assert response.status_code == 200
    assert not response.context["validlink"]
    assert "new_password1" not in response.content.decode()
