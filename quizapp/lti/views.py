"""LTI endpoints: the OIDC login initiation, the launch (resource links and deep linking), the tool's JWKS,
the deep-linking choice, and the setup values a platform's administrator pastes."""

import logging

import jwt
import requests

from django.contrib import messages
from django.contrib.admin.views.decorators import user_passes_test
from django.contrib.auth import login
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from pylti1p3.exception import LtiException, OIDCException

from quizapp.accounts.decorators import teacher_required
from quizapp.catalog.models import Section

from . import deep_linking, setup, tool
from .frames import frames_allow, origin_of, registration_origins
from .models import CourseClass, LinkTarget, ScorePost
from .roster import RosterUnavailable, roster_sync
from .services import TargetUnavailable, is_teaching, launch_accept

log = logging.getLogger(__name__)
DEEP_LINK_SESSION_KEY = "lti_deep_link_launch"
BACKEND = "django.contrib.auth.backends.ModelBackend"

# pylti1p3's messages (English, for developers) -> what the person in front of the LMS is told.
REASONS = [
    ("expired", gettext_lazy("The launch is too old: it expired before it arrived.")),
    ("Invalid Nonce", gettext_lazy("This launch was already used. Each launch works once.")),
    ("nonce", gettext_lazy("This launch was already used. Each launch works once.")),
    ("Registration not found", gettext_lazy("The launch was meant for another tool, or its platform is not registered here.")),
    ("Client id not registered", gettext_lazy("The launch was meant for another tool, or its platform is not registered here.")),
    ("Could not find registration", gettext_lazy("The launch was meant for another tool, or its platform is not registered here.")),
    ("deployment", gettext_lazy("This deployment of the tool is not registered here, or it is switched off.")),
    ("State", gettext_lazy("Your browser did not keep the launch's cookie. Open the activity again, or in a new window.")),
    ("state", gettext_lazy("Your browser did not keep the launch's cookie. Open the activity again, or in a new window.")),
    ("cookie", gettext_lazy("Your browser did not keep the launch's cookie. Open the activity again, or in a new window.")),
]
SIGNATURE = gettext_lazy("The launch's signature does not check out: it was not signed by the registered platform, "
                         "or it was changed on the way.")


def _claimed_registration(request):
    """The active registration the request says it comes from (the login's `iss`, or the id_token's, unverified):
    only to let that platform show the refusal in its frame; it decides nothing else."""
    issuer = request.POST.get("iss") or request.GET.get("iss")
    if not issuer and request.POST.get("id_token"):
        try:
            issuer = jwt.decode(request.POST["id_token"], options={"verify_signature": False}).get("iss")
        except jwt.InvalidTokenError:
            return None
    if not isinstance(issuer, str) or not issuer:
        return None
    return tool.registrations_active().filter(issuer=issuer).first()


def refused(request, exc: Exception, *, status=403):
    detail = str(exc)
    reason = next((text for needle, text in REASONS if needle in detail), SIGNATURE)
    log.warning("LTI launch refused: %s", detail)
    response = TemplateResponse(request, "lti/refused.html", {"reason": reason, "detail": detail}, status=status)
    registration = _claimed_registration(request)
    if registration is not None:
        response.lti_frame_origins = registration_origins(registration)
    return response


@csrf_exempt  # a cross-site form post from the LMS, protected by the state and nonce instead
@require_http_methods(["GET", "POST"])
def oidc_login(request):
    try:
        return tool.oidc_login_redirect(request, launch_url=request.build_absolute_uri(reverse("lti:launch")))
    except (OIDCException, LtiException) as exc:
        return refused(request, exc, status=400)


@csrf_exempt  # the id_token is the proof: signature, state, nonce (pylti1p3)
@require_POST
def launch(request):
    try:
        lti_launch = tool.launch_validate(request)
    except LtiException as exc:
        return refused(request, exc)
    if lti_launch.is_deep_link_launch and not is_teaching(lti_launch.roles_claim):
        return refused(request, LtiException("deep linking is for instructors"))
    if not (lti_launch.is_resource_launch or lti_launch.is_deep_link_launch):
        return refused(request, LtiException("unsupported message type"), status=400)
    try:
        arrival = launch_accept(launch=lti_launch)
    except TargetUnavailable as exc:  # its transaction is rolled back: no account, class or link changed
        log.warning("LTI launch of an unavailable assignment: %s", exc)
        response = TemplateResponse(request, "lti/unavailable.html", {"reason": exc.reason}, status=404)
        response.lti_frame_origins = registration_origins(lti_launch.registration)
        return response
    login(request, arrival.user, backend=BACKEND)  # a new session key: nothing of a previous visitor's stays
    if lti_launch.is_deep_link_launch:
        request.session[DEEP_LINK_SESSION_KEY] = lti_launch.get_launch_id()
        response = HttpResponseRedirect(reverse("lti:deep_link"))
    else:
        if arrival.teaching and arrival.classrooms:
            messages.info(request, _("Your class for this course: “%(name)s”. Your learners join it when they open "
                                     "the activity; scores sent to the LMS and the roster are under LMS courses.")
                          % {"name": arrival.classrooms[0].name})
        response = HttpResponseRedirect(arrival.url())
    frames_allow(request, response, lti_launch.registration)  # this session's pages may show in its frame
    return response


@require_safe
def jwks(request):
    return JsonResponse(tool.jwks())


def _deep_link_launch(request):
    launch_id = request.session.get(DEEP_LINK_SESSION_KEY)
    if not launch_id or not request.user.is_authenticated:
        raise Http404
    try:
        lti_launch = tool.launch_restore(request, launch_id)
    except LtiException:
        raise Http404 from None
    if lti_launch.user.auth_user_id != request.user.pk:  # another person's launch in this session
        raise Http404
    return lti_launch


@require_http_methods(["GET", "POST"])
def deep_link(request):
    """The instructor picks what the new LMS activity opens; the LMS gets it back as a signed LtiResourceLink."""
    lti_launch = _deep_link_launch(request)
    course_class = (CourseClass.objects.filter(context=lti_launch.context, teacher=request.user)
                    .select_related("classroom").first())
    classroom = course_class.classroom if course_class is not None else None
    form = deep_linking.ChoiceForm(request.POST or None, classroom=classroom)
    if request.method == "POST" and form.is_valid():
        target = form.target()
        jwt_value = deep_linking.response_jwt(lti_launch, target=target, launch_url=request.build_absolute_uri(
            reverse("lti:launch")))
        # Used once: the answer is signed; a second post of this form would answer twice.
        request.session.pop(DEEP_LINK_SESSION_KEY, None)
        return_url = deep_linking.return_url(lti_launch)
        response = TemplateResponse(request, "lti/deep_link_return.html",
                                    {"return_url": return_url, "jwt": jwt_value, "title": deep_linking.title(target)})
        origin = origin_of(return_url)
        if origin:
            response._csp_update = {"form-action": [origin]}
        return response
    context = {"form": form, "sections": Section.objects.order_by("order", "pk"), "classroom": classroom}
    return TemplateResponse(request, "lti/deep_link.html", context)


@user_passes_test(lambda user: user.is_active and user.is_superuser)
@require_safe
def setup_values(request):
    """The values a Moodle or Canvas administrator pastes, with each LMS's own field names."""
    return TemplateResponse(request, "lti/setup.html", setup.context(request))


@teacher_required
@require_safe
def courses(request):
    """The teacher's classes tied to LMS courses: what their links open, the scores sent to the LMS gradebook
    and those still waiting or refused, and the roster sync."""
    course_classes = list(CourseClass.objects.filter(teacher=request.user)
                          .select_related("classroom", "context__deployment__registration"))
    links = {}
    for link in LinkTarget.objects.filter(resource_link__context__in=[c.context_id for c in course_classes]) \
            .select_related("resource_link"):
        links.setdefault(link.resource_link.context_id, []).append(link)
    posts = {}
    recent = (ScorePost.objects.filter(link__resource_link__context__in=[c.context_id for c in course_classes])
              .select_related("learner", "link__resource_link")[:200])
    for post in recent:
        posts.setdefault(post.link.resource_link.context_id, []).append(post)
    rows = [{"course_class": c, "links": links.get(c.context_id, []), "posts": posts.get(c.context_id, [])}
            for c in course_classes]
    return TemplateResponse(request, "lti/courses.html", {"rows": rows})


@teacher_required
@require_POST
def roster(request, pk):
    course_class = get_object_or_404(CourseClass.objects.select_related("context__deployment__registration"),
                                     pk=pk, teacher=request.user)
    try:
        result = roster_sync(course_class=course_class)
    except RosterUnavailable:
        messages.error(request, _("This LMS course does not share its roster with quizapp."))
    except (LtiException, requests.RequestException) as exc:
        log.warning("NRPS roster sync failed: %s", exc)
        messages.error(request, _("The LMS did not answer. Nothing was changed; try again later."))
    else:
        messages.success(request, _("Roster synced: %(members)d members in the LMS course, %(joined)d joined, "
                                    "%(left)d left.") % vars(result))
    return HttpResponseRedirect(reverse("lti:courses"))
