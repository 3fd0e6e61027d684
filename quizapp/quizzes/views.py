import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget

from quizapp.catalog.models import Section
from quizapp.whole_numbers import whole_number

from . import services
from .forms import StartForm, parse_answer
from .mastery import Call
from .models import Attempt, AttemptItem, LearnerSkill, MasteryState, Response
from .presenting import feedback_context, question_context


# What only the answer's engine reads of an attempt (up to a few hundred entries of JSON): pages leave it.
ENGINE_ONLY = ("served", "earlier")


def _partial(request, template, name):
    return f"{template}#{name}" if request.htmx else template


@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    """Pick a kind of quiz, its sections and length; POST starts it. ?section=<key> preselects a section quiz,
    ?sections=<key>&sections=<key>... a mixed quiz over those sections."""
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid():
            try:
                attempt = services.attempt_start(
                    learner=request.user, kind=form.cleaned_data["kind"],
                    section_ids=[s.pk for s in form.cleaned_data["sections"]], length=form.cleaned_data["length"],
                    start_key=form.cleaned_data["start_key"])
            except services.QuizError as exc:
                form.add_error(None, exc.message)
            else:
                if attempt.kind == Attempt.Kind.WEAK and form.cleaned_data["sections"]:
                    messages.info(request, _("A weak-spots quiz picks its own sections: your lowest-mastery "
                                             "ones and the questions you missed. The ticked sections were "
                                             "not used."))
                if attempt.length < form.cleaned_data["length"]:
                    messages.info(request, ngettext(
                        "There is %(n)d question to practise here, so this quiz has %(n)d.",
                        "There are %(n)d questions to practise here, so this quiz has %(n)d.",
                        attempt.length) % {"n": attempt.length})
                return redirect(attempt)
        status = 400
    else:
        initial = {}
        key = request.GET.get("section")
        keys = request.GET.getlist("sections")[:100]
        if key and Section.objects.leaves().filter(key=key).exists():
            # The section's radio button, and its box too should the learner switch to a mixed quiz.
            initial = {"kind": Attempt.Kind.SECTION, "section": key, "sections": [key]}
        elif keys:  # a class's sections: a mixed quiz over those that exist
            known = list(Section.objects.leaves().filter(key__in=keys).values_list("key", flat=True))
            if known:
                initial = {"kind": Attempt.Kind.MIXED, "sections": known}
        form = StartForm(initial={**initial, "start_key": secrets.token_hex(16)})
        status = 200
    tops = Section.objects.order_by("order").outline()
    context = {
        "form": form,
        "tops": tops,
        "selected": set(form["sections"].value() or []),
        "selected_section": form["section"].value() or "",
        "default_length": Attempt.DEFAULT_LENGTH,
        "open_attempt": Attempt.objects.open().filter(learner=request.user).first(),
    }
    return TemplateResponse(request, "quizzes/start.html", context, status=status)


def _current_item(attempt):
    return (AttemptItem.objects.filter(attempt=attempt).select_related("response")
            .order_by("-position").first())


def _just_answered(attempt, raw: str):
    """The attempt's item at position `raw` if it is answered and is the latest answered one, else None."""
    position = whole_number(raw, digits=5)
    if position is None:
        return None
    item = AttemptItem.objects.filter(attempt=attempt, position=position).select_related("response").first()
    if item is None or not hasattr(item, "response"):
        return None
    if Response.objects.filter(attempt=attempt, item__position__gt=item.position).exists():
        return None
    return item


@login_required
@require_safe
def question(request, attempt):
    """The question being asked (or, once it is answered, its feedback). ?answered=<position> is where an
    answer sent without JavaScript lands: the feedback of that answer, as the htmx swap shows it, until the
    learner answers the next question (the answer that finishes the quiz included)."""
    attempt = get_object_or_404(Attempt.objects.defer(*ENGINE_ONLY), pk=attempt, learner=request.user)
    answered = _just_answered(attempt, request.GET.get("answered", ""))
    if answered is not None:
        context = {"attempt": attempt, **feedback_context(answered.response, attempt)}
        return TemplateResponse(request, _partial(request, "quizzes/question.html", "stage"), context)
    item = _current_item(attempt)
    if item is None or not attempt.is_open:
        return redirect("quizzes:summary", attempt=attempt.pk)
    if hasattr(item, "response"):
        context = {"attempt": attempt, **feedback_context(item.response, attempt)}
        return TemplateResponse(request, _partial(request, "quizzes/question.html", "stage"), context)
    context = {"attempt": attempt, **question_context(item, attempt)}
    return TemplateResponse(request, _partial(request, "quizzes/question.html", "stage"), context)


@login_required
@require_POST
def answer(request, attempt):
    """Record an answer (exactly once) and show the feedback; a repeat gets the recorded feedback."""
    position = whole_number(request.POST.get("position", ""), digits=5)
    question_id = whole_number(request.POST.get("question", ""), digits=11)
    # The served item with its attempt, in one query scoped to the learner; the attempt alone (or a 404) when
    # the form is incomplete or the position was never served.
    item = None if position is None else services.served_item(learner=request.user, attempt_id=attempt,
                                                                position=position)
    if item is None:
        attempt = get_object_or_404(Attempt, pk=attempt, learner=request.user)
    else:
        attempt = item.attempt
    if position is None or question_id is None:
        incomplete = services.QuizError(_("The answer form is incomplete; nothing was recorded."))
        return _refused(request, attempt, None, incomplete)
    try:
        if item is None:
            raise services.QuizError(_("This question was not served in this quiz."))
        if hasattr(item, "response"):
            recorded_response = item.response  # double submit / replay / second tab: nothing more to record
        else:
            given = parse_answer(item.shown, request.POST)
            recorded = services.answer_record(learner=request.user, attempt_id=attempt.pk, position=item.position,
                                              question_id=question_id, given=given, item=item)
            recorded_response = recorded.response
            attempt = recorded_response.attempt  # as the transaction left it: counters, status
    except services.QuizError as exc:
        return _refused(request, attempt, item, exc)
    except Attempt.DoesNotExist:
        raise Http404
    if not request.htmx:  # a full page: redirect, so reloading, a bookmark or the language switch can GET it
        return redirect(f"{reverse('quizzes:question', args=[attempt.pk])}?answered={item.position}")
    context = {"attempt": attempt, **feedback_context(recorded_response, attempt)}
    return TemplateResponse(request, "quizzes/question.html#stage", context)


def _refused(request, attempt, item, exc):
    """A clear 4xx that records nothing. With htmx only the message is swapped into the form's alert."""
    if request.htmx:
        response = TemplateResponse(request, "quizzes/question.html#problem", {"problem": exc.message},
                                    status=exc.status)
        return reswap(retarget(response, "#answer-problem"), "outerHTML")
    context = {"attempt": attempt, "problem": exc.message}
    if item is not None and not hasattr(item, "response") and attempt.is_open:
        context.update(question_context(item, attempt, values=request.POST))
    else:
        context["refused_only"] = True
    return TemplateResponse(request, "quizzes/question.html", context, status=exc.status)


@login_required
@require_safe
def summary(request, attempt):
    attempt = get_object_or_404(Attempt.objects.defer(*ENGINE_ONLY), pk=attempt, learner=request.user)
    responses = list(Response.objects.filter(attempt=attempt).select_related("item").order_by("item__position"))
    touched = {r.section_id for r in responses}
    section_ids = [int(s) for s in attempt.mastery_before if int(s) in touched]
    skills = {s.section_id: s for s in LearnerSkill.objects.filter(learner=request.user, section_id__in=section_ids)}
    sections = {s.pk: s for s in Section.objects.filter(pk__in=section_ids)}
    # The evidence so far in each section (this quiz's answers and every earlier and later one), one query.
    so_far = {row["section_id"]: row for row in Response.objects.filter(
        learner=request.user, section_id__in=section_ids).values("section_id").annotate(
        n=Count("pk"), right=Count("pk", filter=Q(correct=True)))}
    changes = []
    for section_id in section_ids:
        skill = skills.get(section_id)
        here = [r for r in responses if r.section_id == section_id]
        total = so_far.get(section_id, {"n": 0, "right": 0})
        # The change is told in states and evidence, not in points of an estimate: "not started -> learning"
        # when this quiz began the section (stored as None; as 0.0 by attempts from before that). A state
        # before a later quiz is not recorded, so then the state now stands with this quiz's evidence.
        started_here = not attempt.mastery_before.get(str(section_id))
        now = Call(skill.state if skill else MasteryState.NOT_STARTED, total["n"], total["right"],
                   skill.mastery if skill else 0.0)
        changes.append({
            "section": sections.get(section_id),
            "quiz": Call(now.state, len(here), sum(1 for r in here if r.correct)),
            "now": now,
            "started_here": started_here,
        })
    weakest = min(changes, key=lambda c: (c["now"].band, c["now"].estimate), default=None)
    latest = {r.question_id: r for r in responses}  # a question missed twice is listed once, as last answered
    missed = [feedback_context(r, attempt) for r in latest.values() if not r.correct]
    context = {
        "attempt": attempt,
        "responses": responses,
        "right": sum(1 for r in responses if r.correct),
        "score_percent": round(100 * attempt.score / len(responses)) if responses else 0,
        "partial_credit": any(0 < r.score < 1 for r in responses),
        "changes": changes,
        "missed": missed,
        "review_section": weakest["section"] if weakest else None,
    }
    return TemplateResponse(request, "quizzes/summary.html", context)


@login_required
@require_POST
def leave(request, attempt):
    """Leave a quiz for good (from the start page's "start a new one" flow, or explicitly)."""
    get_object_or_404(Attempt, pk=attempt, learner=request.user)
    left = services.attempt_abandon(learner=request.user, attempt_id=attempt)
    if left.status == Attempt.Status.ABANDONED:
        messages.info(request, _("You left the quiz. Its answers count; start a new one when you like."))
    return redirect("quizzes:start")
