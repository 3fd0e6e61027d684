"""The values a platform administrator pastes into Moodle or Canvas, with each LMS's field names."""

from django.contrib import admin
from django.urls import reverse

from .tool import jwks, registrations_active


def context(request) -> dict:
    url = request.build_absolute_uri
    login, launch, keys = url(reverse("lti:login")), url(reverse("lti:launch")), url(reverse("lti:jwks"))
    tool_url = url("/")
    return {
        **admin.site.each_context(request),  # the admin's header, title and menu
        "values": [
            # (what it is, Moodle 4.x field, Canvas field, value)
            ("tool", "Tool URL", "Target Link URI", launch),
            ("login", "Initiate login URL", "OpenID Connect Initiation Url", login),
            ("redirect", "Redirection URI(s)", "Redirect URIs", launch),
            ("jwks", "Public keyset", "Public JWK URL", keys),
            ("deep_linking", "Content Selection URL", "Link Selection / Assignment Selection: Target Link URI", launch),
            ("domain", "Tool URL (domain)", "Domain", tool_url),
        ],
        "key_count": len(jwks()["keys"]),
        "registrations": list(registrations_active().prefetch_related("deployments")),
    }
