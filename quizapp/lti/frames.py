"""Who may show quizapp in a frame: the registered platforms' origins and nothing else.

The project's CSP says `frame-ancestors 'none'` and X-Frame-Options DENY. A launch from a registered
platform keeps that platform's origins (its issuer, its authorisation URL and the frame origins added to it
in the admin) in the session it signs in; from then on that session's pages say `frame-ancestors <those
origins>` and leave X-Frame-Options out (it cannot name an origin, and browsers ignore it beside
frame-ancestors). Every other page, and every other visitor's, stays unframeable. The session is read only
when the request has read it already (any signed-in page has), so this costs no query."""

from urllib.parse import urlsplit

from .models import FrameOrigin

SESSION_KEY = "lti_frame_origins"


def origin_of(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def registration_origins(registration) -> list[str]:
    """The origins a registered platform shows quizapp from."""
    found = {origin_of(registration.issuer), origin_of(registration.auth_url)}
    found |= {origin_of(o) for o in FrameOrigin.objects.filter(registration=registration).values_list("origin", flat=True)}
    return sorted(o for o in found if o)


def frames_allow(request, response, registration) -> None:
    """At a launch from `registration` (or its refusal): this response and the session's next pages may be framed
    by the platform."""
    origins = registration_origins(registration)
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = origins
    response.lti_frame_origins = origins


def platform_frames(get_response):
    """Middleware, after CSPMiddleware and XFrameOptionsMiddleware in MIDDLEWARE so it sees the response first."""

    def middleware(request):
        response = get_response(request)
        if getattr(response, "_csp_exempt", False):
            return response
        origins = getattr(response, "lti_frame_origins", None)
        session = getattr(request, "session", None)
        if origins is None and session is not None and session.accessed:
            origins = session.get(SESSION_KEY)
        if origins:
            replace = dict(getattr(response, "_csp_replace", None) or {})
            replace["frame-ancestors"] = list(origins)
            response._csp_replace = replace
            response.xframe_options_exempt = True
        return response

    return middleware
