import time

RENEW_AFTER_SECONDS = 3600


def idle_session_expiry(get_response):
    """Make SESSION_COOKIE_AGE an idle timeout: a logged-in learner's session expiry is pushed forward
    while they are active, at most once an hour, instead of writing the session on every request."""

    def middleware(request):
        session = getattr(request, "session", None)
        if session is not None and "_auth_user_id" in session:
            now = int(time.time())
            if now - session.get("_renewed", 0) > RENEW_AFTER_SECONDS:
                session["_renewed"] = now  # marks the session modified: saved with a fresh expiry
        return get_response(request)

    return middleware
