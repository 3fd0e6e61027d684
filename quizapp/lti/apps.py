from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiConfig(AppConfig):
    """quizapp as an LTI 1.3 tool: launches from Moodle, Canvas and other LMSs, deep linking, grades back.

    The platform registrations, deployments, contexts and tool keys are django-lti's models (app `lti_tool`);
    this app keeps what quizapp adds: the launch data store, the frame origins, the classes a course
    is tied to, and what each resource link opens."""

    name = "quizapp.lti"
    label = "lti"
    verbose_name = _("LTI (use from an LMS)")

