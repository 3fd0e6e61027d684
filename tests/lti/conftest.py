import pytest
from lti_tool.models import LtiDeployment, LtiRegistration

from quizapp.lti import tool

from .platform import Platform


@pytest.fixture(scope="session")
def lms():
    platform = Platform()
    yield platform
    platform.close()


@pytest.fixture
def platform(lms, db):
    """The test LMS, registered in quizapp with one active deployment; the tool has a signing key."""
    lms.received.clear()
    lms.fail_next = 0
    lms.members = []
    registration = LtiRegistration.objects.create(**lms.registration_values())
    LtiDeployment.objects.create(registration=registration, deployment_id=lms.deployment_id, is_active=True)
    tool.key_ensure()
    lms.tool_jwks = tool.jwks()
    lms.registration = registration
    return lms
