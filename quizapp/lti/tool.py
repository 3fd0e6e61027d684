"""The LTI tool's side of the protocol, through pylti1p3 and django-lti: the OIDC login's redirect, the
launch's validation (signature against the platform's JWKS, state, nonce, audience, deployment, expiry: all
the library's checks) and the tool's keys. Nothing here decodes a JWT itself."""

from django.db import transaction
from django.utils import timezone
from lti_tool.models import Key, LtiDeployment, LtiLaunch, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment

from .storage import DatabaseLaunchData


class ToolConfig(DjangoToolConfig):
    """django-lti's tool configuration, except that a deployment must be registered and active: the library
    creates an unknown deployment on first sight, which would let any deployment of a registered platform in."""

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        lookups = {"registration__issuer": iss, "registration__is_active": True, "is_active": True,
                   "deployment_id": deployment_id}
        if client_id is not None:
            lookups["registration__client_id"] = client_id
        if self.registration_uuid is not None:
            lookups["registration__uuid"] = self.registration_uuid
        self.deployment = LtiDeployment.objects.select_related("registration").filter(**lookups).first()
        if self.deployment is None:
            return None
        return Deployment().set_deployment_id(self.deployment.deployment_id)


def oidc_login_redirect(request, *, launch_url: str):
    """The answer to a platform's login initiation: a redirect to its authorisation URL with a fresh state
    (also in a short-lived cookie) and nonce. Raises pylti1p3's OIDCException for an unknown platform."""
    key_ensure()  # the registration signs with the newest key: a first launch before `lti_keys` makes one
    login = DjangoOIDCLogin(request, ToolConfig(), launch_data_storage=DatabaseLaunchData())
    return login.redirect(launch_url)


def launch_validate(request) -> LtiLaunch:
    """The launch posted by the platform, validated by pylti1p3. Raises LtiException when any check fails."""
    message_launch = DjangoMessageLaunch(request, ToolConfig(), launch_data_storage=DatabaseLaunchData())
    message_launch.validate()
    return LtiLaunch(message_launch)


def launch_restore(request, launch_id: str) -> LtiLaunch:
    """A launch validated earlier (deep linking answers it after the instructor has chosen)."""
    message_launch = DjangoMessageLaunch.from_cache(launch_id, request, ToolConfig(),
                                                    launch_data_storage=DatabaseLaunchData())
    return LtiLaunch(message_launch)


def registrations_active():
    return LtiRegistration.objects.active()


# --- The tool's keys ------------------------------------------------------------------------------------
# The newest active key signs (django-lti's Registration uses Key.objects.active().latest()); the JWKS lists
# every active key. A rotated-out key stays in the JWKS for a grace period, so a platform that fetched the
# JWKS before the rotation, or a deep-linking answer signed just before it, still verifies.

def keys_rotate(*, grace_hours: int) -> tuple[Key, int]:
    """A new signing key; keys superseded for more than `grace_hours` leave the JWKS. (new key, retired count)"""
    now = timezone.now()
    with transaction.atomic():
        new_key = Key.objects.generate()
        retired = 0
        active = list(Key.objects.active().order_by("datetime_created", "pk"))
        for older, newer in zip(active, active[1:]):
            # A key is superseded from the moment the next one was made.
            if (now - newer.datetime_created).total_seconds() > grace_hours * 3600:
                retired += Key.objects.filter(pk=older.pk).update(is_active=False)
    return new_key, retired


def key_ensure() -> tuple[Key, bool]:
    """The signing key, made if there is none. (key, created)"""
    with transaction.atomic():
        key = Key.objects.active().order_by("-datetime_created", "-pk").first()
        if key is not None:
            return key, False
        return Key.objects.generate(), True


def jwks() -> dict:
    return Key.objects.as_jwks()
