import time
from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quizapp.accounts.study_days import study_day, study_days_between
from quizapp.catalog.models import Section, bank_revision
from quizapp.catalog.outline import bank_outline, figures_digest
from quizapp.whole_numbers import whole_number

from . import export, queue, scheduling
from .forms import ExtraNewForm, RateForm, StudySettingsForm, UndoForm
from .models import CardState, RatingChoices, Review
from .services import (ReviewRefused, StudyDayRolledOver, card_bury, card_start, card_suspend, card_unbury, card_unsuspend, fuzz_seed,
                       new_cards_extend, review_record, review_undo, study_settings_update)

TEMPLATE = "cards/review.html"


def _section(key: str | None):
    return get_object_or_404(Section, key=key) if key else None


def _scope(data) -> queue.Scope:
    """The study scope a page's query string or form carries: ?section=, and custom study's ?ahead=N (review
    ahead N days) or ?every=1 (a section's every card now)."""
    return queue.scope_for(_section(data.get("section")), ahead_days=whole_number(data.get("ahead"), digits=3) or 0,
                           every_card=data.get("every") == "1")


def _review_url(scope: queue.Scope, card: CardState | None = None,
                set_aside: CardState | None = None) -> str:
    params = {**scope.params, "card": card.pk if card else "", "set_aside": set_aside.pk if set_aside else ""}
    params = {k: v for k, v in params.items() if v}
    return reverse("cards:review") + (f"?{urlencode(params)}" if params else "")


def _own_card(request, pk) -> CardState:
    """The learner's card with its flashcard and, in the same query, the learner's study settings."""
    card = get_object_or_404(CardState.objects.select_related("flashcard__section", "learner__study_settings"),
                             pk=pk, learner=request.user)
    queue.settings_read_with(request.user, card)
    card.learner = request.user
    return card


def _now_ms() -> int:
    return int(time.time() * 1000)


def _reviewable(card: CardState, now) -> bool:
    return not card.suspended and not (card.buried_until and card.buried_until > now)


LEECH_NOTICE = gettext_lazy("This card keeps slipping away, so it is now a leech and set aside. The leeches "
                            "page lists it: look at it again, then unsuspend it.")


def _undoable_review(learner, scope: queue.Scope, day) -> int | None:
    """The id of today's latest review, if it is of a card in this deck: only the latest review can be
    undone, and undoing one from another deck would bring that deck's card into this one."""
    latest = (Review.objects.filter(learner=learner, reviewed_at__gte=day.start).order_by("-reviewed_at", "-pk")
              .values_list("pk", "card__flashcard__section_id").first())
    if latest is None or (scope.section_ids is not None and latest[1] not in scope.section_ids):
        return None
    return latest[0]


def _set_aside_by(card: CardState | None, now) -> str:
    """'suspend' or 'bury' when the card is set aside that way now (what putting it back would undo)."""
    if card is None or _reviewable(card, now):
        return ""
    return "suspend" if card.suspended else "bury"


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def _study(request, scope: queue.Scope, *, card: CardState | None = None, revealed: bool = False,
           shown_at: int | None = None, status_message: str = "", status: int = 200, became_leech=False,
           set_aside: CardState | None = None, queue_state=None, last_review: int | None = None):
    """Render the study area: counts, then the card (front, or back with rating buttons) or 'done'.

    `set_aside`: the card the learner has just buried or suspended; while it still is, the undo button
    puts it back instead of undoing the last answer (Anki's undo takes back the latest action).
    `queue_state` (study day, settings, today's counts) and `last_review` (today's latest review, in this
    deck): what the write just before already knows."""
    learner = request.user
    now = timezone.now()
    if queue_state is not None:
        day, settings, done = queue_state
    else:
        day = study_day(learner, now)
        settings = queue.settings_for(learner)
        done = queue.done_today(learner, day)
    next_needed = card is None or not _reviewable(card, now)
    counts = queue.counts_today(learner, scope, now, day=day, settings=settings, done=done,
                                with_first_new=next_needed)
    set_aside_by = _set_aside_by(set_aside, now)
    if next_needed:
        card = queue.next_card(learner, scope, now, counts=counts)
        revealed = False  # a different card than the one asked for starts from its front
        if card is not None and card.pk is None:
            # The page's links and forms (reveal, rate, bury, suspend) address the learner's card by its
            # id, so a card shown for the first time gets its row here, explicitly, through the service.
            card = card_start(learner=learner, flashcard=card.flashcard)
    context = {
        "scope": scope,
        "section": scope.section,
        "counts": counts,
        "card": card,
        "revealed": revealed,
        "shown_at": shown_at or _now_ms(),
        # When the intervals on the buttons were computed: rating sends it back, and a rating from an earlier
        # study day is refused rather than given an interval the button did not show.
        "intervals_at": _ms(now),
        "scope_params": urlencode(scope.params),
        "status_message": status_message,
        "leech_notice": LEECH_NOTICE if became_leech else "",
        "set_aside": set_aside if set_aside_by else None,
        "set_aside_by": set_aside_by,
        "last_review": last_review if last_review is not None else _undoable_review(learner, scope, day),
    }
    if card is not None:
        context["flashcard"] = card.flashcard
        if revealed:
            intervals = scheduling.preview(
                card.memory(), now, settings.as_scheduling(), seed=fuzz_seed(card),
                elapsed_days=study_days_between(learner, card.last_review, now))
            context["answers"] = [
                {"rating": r.value, "label": r.label, "interval": intervals[r.value]} for r in RatingChoices
            ]
    else:
        context["forecast"] = queue.forecast_tomorrow(learner, scope, now)
        context["next_learning"] = queue.next_learning_due(learner, scope, now)
    template = f"{TEMPLATE}#swap" if request.htmx else TEMPLATE
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_GET
def decks(request):
    learner = request.user
    revision = bank_revision()  # before the outline: see catalog.models.bank_revision
    decks = queue.decks(learner, outline=bank_outline(revision))
    context = {
        "decks": decks,
        # The deck list shows the bank's sections and the learner's counts: cached under both.
        "bank_revision": revision,
        "decks_version": figures_digest([(d.key, d.total, d.counts) for d in decks]),
        "suspended": list(CardState.objects.filter(learner=learner, suspended=True)
                          .select_related("flashcard__section").order_by("flashcard__section__order",
                                                                         "flashcard__key")),
        "leech_count": CardState.objects.filter(learner=learner, leech=True).count(),
    }
    return TemplateResponse(request, "cards/decks.html", context)


@login_required
@require_GET
def review(request):
    scope = _scope(request.GET)
    card = set_aside = None
    card_id, set_aside_id = whole_number(request.GET.get("card")), whole_number(request.GET.get("set_aside"))
    if card_id is not None:
        card = get_object_or_404(CardState.objects.select_related("flashcard__section"),
                                 pk=card_id, learner=request.user)
    if set_aside_id is not None:  # no JavaScript: just buried or suspended, may be put back
        set_aside = CardState.objects.filter(pk=set_aside_id, learner=request.user).first()
    return _study(request, scope, card=card, set_aside=set_aside)


@login_required
@require_GET
def reveal(request, pk):
    card = _own_card(request, pk)
    scope = _scope(request.GET)
    return _study(request, scope, card=card, revealed=True,
                  shown_at=whole_number(request.GET.get("shown_at"), digits=None))


@login_required
@require_POST
def rate(request, pk):
    card = _own_card(request, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            scope = _scope(request.POST)
            return _study(request, scope, card=card, revealed=True, status=400,
                          status_message=_("Choose Again, Hard, Good or Easy (1 to 4)."))
        return HttpResponseBadRequest(_("Choose Again, Hard, Good or Easy (1 to 4)."))
    data = form.cleaned_data
    scope = _scope(request.POST)
    duration = _now_ms() - data["shown_at"] if data["shown_at"] else 0
    intervals_at = (datetime.fromtimestamp(data["intervals_at"] / 1000, tz=UTC)
                    if data["intervals_at"] is not None else None)
    try:
        review = review_record(card=card, rating=data["rating"], expected_reps=data["reps"],
                               duration_ms=duration, intervals_at=intervals_at, scope=scope, learner=request.user)
    except StudyDayRolledOver as refusal:  # the same card, its back with the intervals of the new day
        return _study(request, scope, card=card, revealed=True, shown_at=data["shown_at"],
                      status_message=str(refusal), status=409)
    except ReviewRefused as refusal:  # StaleReview too: the current card comes back, nothing recorded
        return _study(request, scope, status_message=str(refusal), status=409)
    became_leech = review.card.suspended  # this lapse made it a leech (a suspended card cannot be answered)
    if not request.htmx:
        if became_leech:
            messages.warning(request, LEECH_NOTICE)
        return redirect(_review_url(scope))
    in_deck = scope.section_ids is None or card.flashcard.section_id in scope.section_ids
    return _study(request, scope, became_leech=became_leech, status_message=_("Answered “%(rating)s”.") % {
        "rating": RatingChoices(review.rating).label}, queue_state=review.queue_state,
        last_review=review.pk if in_deck else None)


@login_required
@require_POST
def undo(request):
    form = UndoForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Nothing to undo."))
    scope = _scope(request.POST)
    try:
        card = review_undo(learner=request.user, review_id=form.cleaned_data["review"])
    except ReviewRefused as refusal:
        if not request.htmx:
            messages.error(request, str(refusal))
            return redirect(_review_url(scope))
        return _study(request, scope, status_message=str(refusal), status=409)
    if not request.htmx:
        messages.success(request, _("Review undone."))
        return redirect(_review_url(scope, card))
    return _study(request, scope, card=card, status_message=_("Review undone."))


def _set_aside(request, pk, action, message):
    card = get_object_or_404(CardState, pk=pk, learner=request.user)
    scope = _scope(request.POST)
    card = action(card=card)
    if not request.htmx:
        messages.success(request, message)
        return redirect(_review_url(scope, set_aside=card))
    return _study(request, scope, status_message=message, set_aside=card)


@login_required
@require_POST
def suspend(request, pk):
    return _set_aside(request, pk, card_suspend, _("Card suspended. Unsuspend it from the flashcards page."))


@login_required
@require_POST
def bury(request, pk):
    return _set_aside(request, pk, card_bury, _("Card buried until tomorrow."))


PUT_BACK = {
    "suspend": (card_unsuspend, gettext_lazy("Suspend undone: the card is back.")),
    "bury": (card_unbury, gettext_lazy("Bury undone: the card is back.")),
}


@login_required
@require_POST
def put_back(request, pk):
    """Undo a bury or a suspend from the study screen: the card comes back and is shown again. Putting back
    a card that is no longer set aside that way changes nothing, so a double submit is harmless."""
    card = _own_card(request, pk)
    scope = _scope(request.POST)
    if request.POST.get("undo") not in PUT_BACK:
        return HttpResponseBadRequest(_("Nothing to undo."))
    action, message = PUT_BACK[request.POST["undo"]]
    card = action(card=card)
    if not request.htmx:
        messages.success(request, message)
        return redirect(_review_url(scope, card))
    return _study(request, scope, card=card, status_message=message)


@login_required
@require_POST
def unsuspend(request, pk):
    card = get_object_or_404(CardState, pk=pk, learner=request.user)
    card_unsuspend(card=card)
    messages.success(request, _("Card unsuspended."))
    target = request.POST.get("next", "")
    # A path on this site only: redirect() reads a bare word ("true") as a view name, a NoReverseMatch (500).
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("cards:decks")
    return redirect(target)


@login_required
@require_GET
def leeches(request):
    cards = list(CardState.objects.filter(learner=request.user, leech=True).select_related("flashcard__section")
                 .order_by("flashcard__section__order", "flashcard__key"))
    return TemplateResponse(request, "cards/leeches.html", {"cards": cards})


@login_required
@require_GET
def export_apkg(request):
    section = _section(request.GET.get("section"))
    package = export.write_package(export.flashcards_for(section))
    name = f"quizapp-{section.key if section else 'all'}.apkg"
    return FileResponse(package, as_attachment=True, filename=name, content_type="application/apkg")


@login_required
@require_http_methods(["GET", "POST"])
def study_settings(request):
    current = queue.settings_for(request.user)
    if request.method == "POST":
        form = StudySettingsForm(request.POST, current_time_zone=request.user.time_zone)
        if form.is_valid():
            study_settings_update(learner=request.user, **form.cleaned_data)
            messages.success(request, _("Settings saved."))
            return redirect("cards:settings")
    else:
        form = StudySettingsForm(current_time_zone=request.user.time_zone, initial={
            "desired_retention": current.desired_retention,
            "new_per_day": current.new_per_day,
            "max_reviews_per_day": current.max_reviews_per_day,
            "time_zone": request.user.time_zone,
        })
    return TemplateResponse(request, "cards/settings.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def custom_study(request):
    """Anki's custom study: more new cards today (POST, then study), review ahead and a section's every card
    (plain GET forms onto the study page, which carries them as its scope)."""
    learner = request.user
    if request.method == "POST":
        form = ExtraNewForm(request.POST)
        if form.is_valid():
            new_cards_extend(learner=learner, extra=form.cleaned_data["extra"])
            messages.success(request, ngettext(
                "%(n)d extra new card today.", "%(n)d extra new cards today.", form.cleaned_data["extra"])
                % {"n": form.cleaned_data["extra"]})
            return redirect("cards:review")
        status = 400
    else:
        settings = queue.settings_for(learner)
        today = study_day(learner).date
        form = ExtraNewForm(initial={"extra": settings.extra_new} if settings.extra_new_on == today else None)
        status = 200
    context = {
        "form": form,
        "ahead_choices": (1, 3, 7, 14, 30),
        "tops": Section.objects.order_by("order").outline(),
        "max_ahead": queue.MAX_AHEAD_DAYS,
    }
    return TemplateResponse(request, "cards/custom.html", context, status=status)
