"""The class roster from the LMS (LTI Names and Role Provisioning Services): the course's members, fetched
with the tool's client-credentials token, become quizapp accounts (by issuer and sub, as at a launch) in the
course's classes. Learners the LMS marks inactive leave them; nobody else is removed."""

from dataclasses import dataclass

from django.db import transaction
from lti_tool.models import LtiUser
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from quizapp.classes.services import membership_remove

from .grades import TimeoutSession
from .models import CourseClass
from .services import lms_account_ensure, course_class_join, is_teaching


class RosterUnavailable(Exception):
    pass


@dataclass
class RosterSync:
    members: int = 0
    joined: int = 0
    left: int = 0


def roster_sync(*, course_class: CourseClass) -> RosterSync:
    """Fetch the LMS course's members and bring the course's classes in line. Repeating it changes nothing more."""
    context = course_class.context
    if not context.memberships_url:
        raise RosterUnavailable
    registration = context.deployment.registration
    nrps = NamesRolesProvisioningService(
        ServiceConnector(registration.to_registration(), requests_session=TimeoutSession()),
        {"context_memberships_url": context.memberships_url})
    members = nrps.get_members()  # outside the transaction: the LMS may be slow
    result = RosterSync(members=len(members))
    with transaction.atomic():
        context.update_memberships(members)  # django-lti: LMS users and their roles in the course
        classrooms = [c.classroom for c in CourseClass.objects.filter(context=context).select_related("classroom")]
        for member in members:
            if is_teaching(member.get("roles", [])):
                continue
            lti_user = LtiUser.objects.get(registration=registration, sub=member["user_id"])
            user = lms_account_ensure(lti_user, issuer=registration.issuer)
            for classroom in classrooms:
                if member.get("status", "Active") == "Active":
                    result.joined += course_class_join(user, classroom)
                elif not classroom.is_archived:
                    result.left += membership_remove(classroom=classroom, learner_id=user.pk)
    return result
