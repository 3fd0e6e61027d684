"""The learner's address for django-axes' lock-outs, also behind reverse proxies."""

from django.conf import settings


def client_ip(request) -> str | None:
    """With PROXY_COUNT = N trusted reverse proxies in front, each appending the address it saw to
    X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`), the client's address is the N-th entry from the
    right; anything further left was sent by the client and cannot be trusted. Without proxies, or with a
    header shorter than expected, the connection's own address."""
    count = settings.PROXY_COUNT
    if count:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
