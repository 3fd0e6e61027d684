"""Who may show quizapp in a frame: the registered platforms' origins and nothing else.

The project's CSP says `frame-ancestors 'none'` and X-Frame-Options DENY. With an active LTI registration,
every page's `frame-ancestors` lists the origins of the active registrations (issuer, authorisation URL and
the frame origins added in the admin) and X-Frame-Options is left out (it cannot name several origins, and
browsers ignore it beside frame-ancestors anyway). The list is kept per process for a minute and dropped at
once when a registration or a frame origin changes here; pages ask no query for it otherwise."""

import time
from urllib.parse import urlsplit

from lti_tool.models import LtiRegistration

from .models import FrameOrigin

TTL_SECONDS = 60
_cached: dict = {}


def origin_of(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def platform_origins() -> list[str]:
    now = time.monotonic()
    if _cached.get("until", 0) > now:
        return _cached["origins"]
    found = set()
    for issuer, auth_url in LtiRegistration.objects.active().values_list("issuer", "auth_url"):
        found |= {origin_of(issuer), origin_of(auth_url)}
    for origin in FrameOrigin.objects.filter(registration__is_active=True).values_list("origin", flat=True):
        found.add(origin_of(origin))
    origins = sorted(o for o in found if o)
    _cached.update(origins=origins, until=now + TTL_SECONDS)
    return origins


def forget(**kwargs):
    """Receiver (quizapp/receivers.py) of a registration's or frame origin's save and delete."""
    _cached.clear()


def platform_frames(get_response):
    """Middleware, after CSPMiddleware and XFrameOptionsMiddleware in MIDDLEWARE so it sees the response first."""

    def middleware(request):
        response = get_response(request)
        if getattr(response, "_csp_exempt", False):
            return response
        origins = platform_origins()
        if origins:
            replace = dict(getattr(response, "_csp_replace", None) or {})
            replace["frame-ancestors"] = origins
            response._csp_replace = replace
            response.xframe_options_exempt = True
        return response

    return middleware
