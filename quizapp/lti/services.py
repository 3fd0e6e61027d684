"""What a validated launch does in quizapp: the account, the classes, what the link opens."""

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from lti_tool.lti_core.utils import normalize_role
from django.utils.translation import gettext_lazy
from lti_tool.models import LtiLaunch, LtiMembership, LtiUser
from lti_tool.utils import sync_data_from_launch

from quizapp.accounts.roles import teacher_role_grant
from quizapp.classes.models import Assignment, Classroom
from quizapp.classes.services import ClassArchived, JoinError, classroom_join

from .models import CourseClass, LinkTarget
from .targets import CUSTOM_PARAMETER, Target, target_of, target_parse

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
# LMS roles that make a quizapp teacher: the course's instructors (and their sub-roles, e.g. Moodle's
# non-editing teacher, Instructor#TeachingAssistant) and administrators of the course or the institution.
TEACHING_ROLES = (
    f"{MEMBERSHIP}#Instructor",
    f"{MEMBERSHIP}/Instructor#",
    f"{MEMBERSHIP}#Administrator",
    f"{MEMBERSHIP}/Administrator#",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
)


def is_teaching(roles) -> bool:
    return any(normalize_role(role).startswith(TEACHING_ROLES) for role in roles or ())


class TargetUnavailable(Exception):
    """The link opens an assignment that was deleted, or that is not of a class of this LMS course (the custom
    parameter can be edited in the LMS, or copied from another course): the launch changes nothing."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


@dataclass
class Arrival:
    user: object
    teaching: bool
    classrooms: list = field(default_factory=list)
    target: Target | None = None

    def url(self) -> str:
        if self.target is not None:
            return self.target.url(teaching=self.teaching)
        if self.teaching and self.classrooms:
            return self.classrooms[0].get_absolute_url()
        return reverse("home")


def username_for(issuer: str, sub: str) -> str:
    """A stable, unique username for an LMS user: the LMS's ids are long and not meant to be shown."""
    return "lms-" + hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:16]


def lms_account_ensure(lti_user: LtiUser, *, issuer: str):
    """The quizapp account of an LMS user, by (issuer, sub) only: the LtiUser's own, or that of the same person
    seen through another registration (client id) of the same platform, or a new one. Never by e-mail: an
    LMS's e-mail addresses are whatever its users typed, unverified."""
    lti_user = LtiUser.objects.select_for_update().get(pk=lti_user.pk)  # two tabs launching meet here
    if lti_user.auth_user is not None:
        return _lms_name_update(lti_user.auth_user, lti_user)
    twin = (LtiUser.objects.filter(registration__issuer=issuer, sub=lti_user.sub, auth_user__isnull=False)
            .select_related("auth_user").first())
    if twin is not None:
        user = twin.auth_user
    else:
        User = get_user_model()
        user, _created = User.objects.get_or_create(
            username=username_for(issuer, lti_user.sub),
            defaults={"first_name": lti_user.given_name[:150], "last_name": lti_user.family_name[:150]})
        if _created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    lti_user.auth_user = user
    lti_user.save(update_fields=["auth_user", "datetime_modified"])
    return _lms_name_update(user, lti_user)


def lms_name_of(lti_user: LtiUser) -> str:
    """The name pages show for an LMS user: the LMS's own `name` whole (a Chinese name keeps its order, "林小"
    or "林 小", never turned into "given family"); only without it, the given and family names it sent."""
    name = " ".join((lti_user.name or "").split()) or " ".join(
        n for n in (lti_user.given_name, lti_user.family_name) if n)
    return name[:150]


def _lms_name_update(user, lti_user: LtiUser):
    """The account shows the name the LMS sent last (people change names); an LMS that sends none (privacy
    settings) leaves the one known, or the username."""
    name = lms_name_of(lti_user)
    if name and name != user.lms_name:
        user.lms_name = name
        user.save(update_fields=["lms_name"])
    return user


def course_class_join(learner, classroom: Classroom) -> bool:
    try:
        _classroom, joined = classroom_join(learner=learner, code=classroom.join_code)
    except (JoinError, ClassArchived):  # the learner teaches it too, or it is archived
        return False
    return joined


def _course_class_ensure(*, context, teacher) -> Classroom:
    """The instructor's class for the LMS course, made at their first launch; the course's learners seen so far
    join it at once."""
    found = CourseClass.objects.select_related("classroom").filter(context=context, teacher=teacher).first()
    if found is not None:
        return found.classroom
    name = (context.title or context.label or context.id_on_platform)[:100]
    try:
        with transaction.atomic():  # the instructor's second tab may be making it too
            classroom = Classroom.objects.create(teacher=teacher, name=name)
            CourseClass.objects.create(context=context, teacher=teacher, classroom=classroom)
    except IntegrityError:
        return CourseClass.objects.select_related("classroom").get(context=context, teacher=teacher).classroom
    learners = (LtiMembership.objects.filter(context=context, is_learner=True, is_active=True,
                                             user__auth_user__isnull=False)
                .select_related("user__auth_user"))
    for membership in learners:
        course_class_join(membership.user.auth_user, classroom)
    return classroom


def launch_accept(*, launch: LtiLaunch) -> Arrival:
    """Record a validated launch and say where it leads. Safe to repeat (a launch posted twice is refused by
    its nonce before this; two launches of one person in two tabs meet at the LtiUser row's lock)."""
    with transaction.atomic():
        sync_data_from_launch(launch)  # django-lti: deployment, LMS user, course, membership, resource link
        issuer = launch.get_claim("iss")
        user = lms_account_ensure(launch.user, issuer=issuer)
        teaching = is_teaching(launch.roles_claim)
        arrival = Arrival(user=user, teaching=teaching)
        context = launch.context
        if teaching:
            if not user.is_teacher:
                teacher_role_grant(user)
            arrival.classrooms = [_course_class_ensure(context=context, teacher=user)]
        else:
            course_classes = CourseClass.objects.filter(context=context).select_related("classroom")
            for course_class in course_classes:
                course_class_join(user, course_class.classroom)
            arrival.classrooms = [c.classroom for c in course_classes]
        if launch.is_resource_launch:
            arrival.target = _link_target_update(launch)
            if (arrival.target is not None and arrival.target.kind == LinkTarget.Kind.ASSIGNMENT and teaching
                    and not Classroom.objects.filter(pk=arrival.target.classroom_id, teacher=user).exists()):
                raise TargetUnavailable(gettext_lazy("This activity opens an assignment of another instructor's class in "
                                          "this course: its completion page is theirs."))
    return arrival


SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def _lineitem_of(launch: LtiLaunch) -> str:
    """The link's own gradebook column, when the LMS lets the tool post scores to it."""
    claim = launch.ags_claim or {}
    return claim.get("lineitem", "") if SCORE_SCOPE in claim.get("scope", []) else ""


GONE = gettext_lazy("This activity opens a class assignment that was deleted, or that belongs to a class of "
                    "another course. Ask your instructor to choose what it opens again.")


def _assignment_of_course(assignment_id, context) -> bool:
    return Assignment.objects.filter(pk=assignment_id, classroom__lms_course__context=context).exists()


def _link_target_update(launch: LtiLaunch) -> Target | None:
    """The link's target, kept up to date with its custom parameter. An assignment must still exist and be of
    a class of this course (TargetUnavailable otherwise, and the launch's transaction changes nothing)."""
    resource_link = launch.resource_link
    chosen = target_parse(launch.get_custom_claim(CUSTOM_PARAMETER))
    found = LinkTarget.objects.filter(resource_link=resource_link).first()
    if chosen is None and found is None:
        return None
    source = chosen if chosen is not None else found  # the parameter wins; without one, the link keeps its own
    assignment_id = source.assignment_id
    if source.kind == LinkTarget.Kind.ASSIGNMENT and (
            assignment_id is None or not _assignment_of_course(assignment_id, launch.context)):
        raise TargetUnavailable(GONE)
    defaults = {"lineitem_url": _lineitem_of(launch)}
    if chosen is not None:
        defaults.update(kind=chosen.kind, section_keys=list(chosen.section_keys), assignment_id=assignment_id)
    link_target, _created = LinkTarget.objects.update_or_create(resource_link=resource_link, defaults=defaults)
    return target_of(link_target)
