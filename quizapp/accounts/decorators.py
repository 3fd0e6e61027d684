from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def teacher_required(view):
    """Logged in and a member of the Teachers group; anyone else gets 403 (anonymous: the log-in page)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_teacher:
            raise PermissionDenied("Only teachers can do this.")
        return view(request, *args, **kwargs)

    return wrapper
