from django.contrib.auth import login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .forms import SignupForm


def _safe_next(request) -> str:
    """Where to go after signing up: the `next` the log-in page carried (e.g. a class's join link), if it
    stays on this site; else ''."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() reads a bare word ("true") as a view name, a NoReverseMatch (500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return target
    return ""


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or "home")
    return TemplateResponse(request, "accounts/signup.html", {"form": form, "next": next_url})
