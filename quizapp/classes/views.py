import secrets
import zoneinfo
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from quizapp import spreadsheet_cells
from quizapp.accounts.decorators import teacher_required
from quizapp.accounts.models import display_name_expression
from quizapp.catalog.models import Section
from quizapp.progress.dashboard import dashboard_context
from quizapp.quizzes.models import Attempt, Response
from quizapp.quizzes.presenting import feedback_context

from . import assignments as assignment_status
from . import services
from .forms import AssignmentForm, ClassroomForm, JoinForm
from .grid import SORTS, class_grid
from .items import FLAG_LABELS, ITEM_SORTS, ITEMS_PER_PAGE, common_wrong_answers, item_analysis, item_rows_arrange
from .models import Assignment, Classroom, studied_leaves


def _taught(request, pk):
    return get_object_or_404(Classroom.objects.taught_by(request.user), pk=pk)


def practise_url(leaves) -> str:
    """The quiz start page, set for a mixed quiz of these leaf sections (all of them when empty). The query
    uses the start form's own field names, as a GET of the form would."""
    query = [("kind", "mixed")] + [("sections", s.key) for s in leaves]
    return reverse("quizzes:start") + "?" + urlencode(query)


@login_required
@require_safe
def class_list(request):
    joined = list(Classroom.objects.joined_by(request.user).select_related("teacher").with_sections())
    leaves = studied_leaves(joined)
    mine = assignment_status.learner_assignments(request.user, joined)
    for classroom in joined:
        classroom.practise_url = practise_url(leaves[classroom.pk])
        classroom.my_assignments = mine[classroom.pk]
    # Active classes first; an archived class stays listed (greyed and labelled): the learner still has its
    # sections to revise and can leave it, and a class that silently vanished would look like a fault.
    joined.sort(key=lambda c: c.is_archived)
    taught = list(Classroom.objects.taught_by(request.user)) if request.user.is_teacher else []
    archived = sorted((c for c in taught if c.is_archived), key=lambda c: c.archived_at, reverse=True)
    context = {
        "taught": [c for c in taught if not c.is_archived],
        "archived": archived,
        "joined": joined,
    }
    return TemplateResponse(request, "classes/list.html", context)


def _form_context(form) -> dict:
    """The class form with the section tree it draws: each part with its leaves, ticked as the form holds
    them (a ticked part ticks its leaves), and how many leaf sections that is."""
    ticked = form.ticked_ids()
    tops = Section.objects.order_by("order", "pk").outline()
    count = 0
    for top in tops:
        top.ticked = top.pk in ticked
        for leaf in top.subsections:
            leaf.ticked = top.ticked or leaf.pk in ticked
        count += sum(1 for leaf in top.leaves if leaf.ticked)
    return {"form": form, "tops": tops, "ticked_leaves": count}


def _assignment(classroom, assignment_id):
    return get_object_or_404(classroom.assignments.prefetch_related("sections"), pk=assignment_id)


def _assignment_form_page(request, classroom, form, assignment=None, status=200):
    context = {**_form_context(form), "classroom": classroom, "assignment": assignment}
    # Rendered now, inside the caller's time zone override: the date pickers show the class's local times.
    return TemplateResponse(request, "classes/assignment_form.html", context, status=status).render()


def _assignment_fields(form) -> dict:
    data = form.cleaned_data
    return {"kind": data["kind"], "sections": data["sections"], "questions": data["questions"],
            "opens_at": data["opens_at"], "due_at": data["due_at"]}


@teacher_required
@require_http_methods(["GET", "POST"])
def class_assignment_create(request, pk):
    classroom = _taught(request, pk)
    # The times typed are the class's local times: the form reads and shows them in its zone.
    with timezone.override(zoneinfo.ZoneInfo(classroom.time_zone)):
        if request.method == "POST":
            form = AssignmentForm(request.POST)
            if form.is_valid():
                try:
                    _assignment_made, created = services.assignment_create(
                        classroom=classroom, form_key=form.cleaned_data["form_key"], **_assignment_fields(form))
                except services.ClassArchived as exc:
                    messages.error(request, str(exc))
                    return redirect(classroom)
                if created:
                    messages.success(request, _("Assignment set. Learners see it on their Today page from its "
                                                "open time."))
                return redirect(f"{classroom.get_absolute_url()}#assignments")
            return _assignment_form_page(request, classroom, form, status=400)
        opens = timezone.localtime().replace(second=0, microsecond=0)
        form = AssignmentForm(initial={"opens_at": opens, "due_at": opens + timedelta(days=7),
                                       "form_key": secrets.token_hex(16)})
        return _assignment_form_page(request, classroom, form)


@teacher_required
@require_http_methods(["GET", "POST"])
def class_assignment_edit(request, pk, assignment_id):
    classroom = _taught(request, pk)
    assignment = _assignment(classroom, assignment_id)
    with timezone.override(zoneinfo.ZoneInfo(classroom.time_zone)):
        if request.method == "POST":
            form = AssignmentForm(request.POST)
            if form.is_valid():
                try:
                    services.assignment_update(assignment=assignment, **_assignment_fields(form))
                except services.ClassArchived as exc:
                    messages.error(request, str(exc))
                    return redirect(classroom)
                messages.success(request, _("Assignment saved. Learners' answers and reviews are unchanged; "
                                            "who has done it is worked out again from them."))
                return redirect("classes:assignment", pk=classroom.pk, assignment_id=assignment.pk)
            return _assignment_form_page(request, classroom, form, assignment, status=400)
        form = AssignmentForm(initial=AssignmentForm.initial_from(assignment))
        return _assignment_form_page(request, classroom, form, assignment)


@teacher_required
@require_POST
def class_assignment_delete(request, pk, assignment_id):
    classroom = _taught(request, pk)
    if Assignment.objects.filter(pk=assignment_id).exclude(classroom=classroom).exists():
        raise Http404  # another class's: the same answer as for another teacher's class
    try:
        deleted = services.assignment_delete(classroom=classroom, assignment_id=assignment_id)
    except services.ClassArchived as exc:
        messages.error(request, str(exc))
        return redirect(classroom)
    if deleted:
        messages.success(request, _("Assignment deleted. Learners keep every answer and review."))
    else:
        messages.info(request, _("That assignment was already deleted."))
    return redirect(f"{classroom.get_absolute_url()}#assignments")


@teacher_required
@require_safe
def class_assignment(request, pk, assignment_id):
    """One assignment's completion, learner by learner."""
    classroom = _taught(request, pk)
    assignment = _assignment(classroom, assignment_id)
    members = list(classroom.memberships.select_related("learner")
                   .order_by(display_name_expression("learner__"), "learner__username"))
    done = assignment_status.completions([assignment], [m.learner_id for m in members])
    rows = [(m.learner, done[(assignment.pk, m.learner_id)]) for m in members]
    counts = {status: sum(1 for _l, c in rows if c.status == status) for status in assignment_status.STATUS_LABELS}
    context = {"classroom": classroom, "assignment": assignment, "rows": rows,
               "counts": [(assignment_status.STATUS_LABELS[s], n, s) for s, n in counts.items() if n]}
    return TemplateResponse(request, "classes/assignment.html", context)


@teacher_required
@require_http_methods(["GET", "POST"])
def class_create(request):
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom = services.classroom_create(
            teacher=request.user, name=form.cleaned_data["name"], sections=form.cleaned_data["sections"],
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(request, _("Class created. Share the join code with your learners."))
        return redirect(classroom)
    return TemplateResponse(request, "classes/form.html", _form_context(form))


@teacher_required
@require_http_methods(["GET", "POST"])
def class_settings(request, pk):
    classroom = _taught(request, pk)
    if request.method == "POST" and classroom.is_archived:  # a tab opened before archiving: say so, not a form
        messages.error(request, str(services.ClassArchived(classroom)))
        return redirect("classes:settings", pk=classroom.pk)
    form = ClassroomForm(request.POST or None, instance=classroom)
    if request.method == "POST" and form.is_valid():
        try:
            services.classroom_update(classroom=classroom, name=form.cleaned_data["name"],
                                      sections=form.cleaned_data["sections"],
                                      time_zone=form.cleaned_data["time_zone"])
        except services.ClassArchived as exc:  # archived since the check above
            messages.error(request, str(exc))
            return redirect("classes:settings", pk=classroom.pk)
        messages.success(request, _("Class settings saved."))
        return redirect(classroom)
    return TemplateResponse(request, "classes/form.html", {**_form_context(form), "classroom": classroom})


@teacher_required
@require_POST
def class_archive(request, pk):
    classroom = _taught(request, pk)
    if services.classroom_archive(classroom=classroom):
        messages.success(request, _("“%(name)s” is archived: nobody can join it, and its pages and downloads "
                                    "stay readable.") % {"name": classroom.name})
    else:
        messages.info(request, _("“%(name)s” was already archived.") % {"name": classroom.name})
    return redirect("classes:settings", pk=classroom.pk)


@teacher_required
@require_POST
def class_restore(request, pk):
    classroom = _taught(request, pk)
    if services.classroom_restore(classroom=classroom):
        messages.success(request, _("“%(name)s” is restored. Learners can join it again with its join code.")
                         % {"name": classroom.name})
    else:
        messages.info(request, _("“%(name)s” is not archived.") % {"name": classroom.name})
    return redirect("classes:settings", pk=classroom.pk)


@teacher_required
@require_POST
def class_renew_code(request, pk):
    classroom = _taught(request, pk)
    try:
        services.join_code_renew(classroom=classroom)
    except services.ClassArchived as exc:
        messages.error(request, str(exc))
        return redirect(classroom)
    messages.success(request, _("New join code: %(code)s. The old code no longer works.") % {"code": classroom.join_code})
    return redirect(classroom)


@teacher_required
@require_POST
def class_remove_learner(request, pk, learner_id):
    classroom = _taught(request, pk)
    name = (classroom.memberships.filter(learner_id=learner_id)
            .values_list(display_name_expression("learner__"), flat=True).first())
    try:
        removed = services.membership_remove(classroom=classroom, learner_id=learner_id)
    except services.ClassArchived as exc:
        messages.error(request, str(exc))
        return redirect(classroom)
    if removed:
        messages.success(request, _("“%(name)s” was removed from the class. They can join again with the join "
                                    "code.") % {"name": name})
    else:
        messages.info(request, _("That learner is not in this class (any more)."))
    return redirect(classroom)


@login_required
@require_http_methods(["GET", "POST"])
def class_join(request):
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            classroom, created = services.classroom_join(learner=request.user, code=form.cleaned_data["code"])
        except services.JoinError as exc:
            form.add_error("code", str(exc))
        else:
            if created:
                messages.success(request, _("You joined “%(name)s”.") % {"name": classroom.name})
            else:
                messages.info(request, _("You are already in “%(name)s”.") % {"name": classroom.name})
            return redirect("classes:list")
    code = request.GET.get("code", "")
    preview = services.find_by_code(code) if request.method == "GET" and 0 < len(code) <= 20 else None
    if preview and (preview.teacher_id == request.user.pk or preview.memberships.filter(learner=request.user).exists()):
        preview = None  # their own class, or one they are in: joining would only say so
    closed = services.archived_join_message(preview) if preview and preview.is_archived else ""
    if closed:
        preview = None
    return TemplateResponse(request, "classes/join.html", {"form": form, "preview": preview, "closed": closed})


@login_required
@require_POST
def class_leave(request, pk):
    classroom = get_object_or_404(Classroom.objects.joined_by(request.user), pk=pk)
    services.classroom_leave(classroom=classroom, learner=request.user)
    messages.success(request, _("You left “%(name)s”.") % {"name": classroom.name})
    return redirect("classes:list")


def _sort_args(request):
    sort = request.GET.get("sort", "name")
    return sort, request.GET.get("dir") == "desc"


class SortHeader(NamedTuple):
    """A sortable column's header link: `href` sorts by it (or turns the sort round when it is the sort
    already), `aria_sort` is "ascending"/"descending" on the sorted column and "" elsewhere."""

    href: str
    aria_sort: str


def sort_headers(keys, *, sort: str, descending: bool, keep: dict, ascending_first=("name",)) -> dict:
    """{key: SortHeader} for the columns `keys`. A link keeps the filters in `keep` and starts on the first
    page. Text columns sort A-Z first; figures largest first, which is what a teacher looks for."""
    headers = {}
    for key in keys:
        if key == sort:
            wants_desc = not descending
        else:
            wants_desc = key not in ascending_first
        query = {"sort": key, **({"dir": "desc"} if wants_desc else {}), **{k: v for k, v in keep.items() if v}}
        state = ("descending" if descending else "ascending") if key == sort else ""
        headers[key] = SortHeader("?" + urlencode(query), state)
    return headers


@teacher_required
@require_safe
def class_dashboard(request, pk):
    classroom = _taught(request, pk)
    sort, descending = _sort_args(request)
    grid = class_grid(classroom, sort=sort, descending=descending, page=request.GET.get("page", 1),
                      part=request.GET.get("part") or None)
    part = grid.part.key if grid.part else ""
    headers = sort_headers([*SORTS, *(s.key for s in grid.sections)], sort=grid.sort,
                           descending=grid.descending, keep={"part": part})
    for column in grid.columns:
        column.header = headers[column.section.key]
    # The open assignments are columns of the grid too: each learner's status, and how many are done.
    overview = assignment_status.class_assignments(classroom)
    for row in grid.rows:
        row.assignment_cells = [overview.completions.get((a.pk, row.learner.pk)) for a in overview.open]
    context = {
        "classroom": classroom, "grid": grid, "headers": headers, "assignments": overview.assignments,
        "open_assignments": overview.open,
        "page_query": urlencode({k: v for k, v in (("sort", grid.sort), ("dir", "desc" if grid.descending else ""),
                                                   ("part", part)) if v}),
        "join_link": request.build_absolute_uri(classroom.join_url()),
    }
    return TemplateResponse(request, "classes/dashboard.html", context)


RECENT_ATTEMPTS = 20


def _member(classroom, learner_id):
    """A learner of this class: anyone else is a 404, the same as a learner that does not exist."""
    return get_object_or_404(classroom.memberships.select_related("learner"), learner_id=learner_id).learner


def _attempts_of(learner):
    """The learner's quizzes, newest first, with their right answers counted (`answered` is the attempt's
    own counter): two queries whatever the number of attempts or answers."""
    return (Attempt.objects.filter(learner=learner)
            .annotate(right=Count("responses", filter=Q(responses__correct=True)))
            .prefetch_related(Prefetch("sections", queryset=Section.objects.order_by("order", "pk")))
            .order_by("-created_at", "-pk"))


@teacher_required
@require_safe
def class_learner(request, pk, learner_id):
    """The learner's own dashboard, as their teacher sees it: read-only."""
    classroom = _taught(request, pk)
    learner = _member(classroom, learner_id)
    context = dashboard_context(learner, viewer_is_learner=False)
    context["classroom"] = classroom
    # Count the answers of the newest attempts only, not of the learner's whole history before the LIMIT.
    recent = (Attempt.objects.filter(learner=learner).order_by("-created_at", "-pk")
              .values("pk")[:RECENT_ATTEMPTS])
    context["attempts"] = list(_attempts_of(learner).filter(pk__in=recent))
    return TemplateResponse(request, "classes/learner.html", context)


@teacher_required
@require_GET
def class_learner_attempt(request, pk, learner_id, attempt_id):
    """One of the learner's quizzes, answer by answer, as their teacher reviews it: read-only."""
    classroom = _taught(request, pk)
    learner = _member(classroom, learner_id)
    attempt = get_object_or_404(_attempts_of(learner), pk=attempt_id)
    responses = Response.objects.filter(attempt=attempt).select_related("item").order_by("item__position")
    context = {
        "classroom": classroom,
        "learner": learner,
        "attempt": attempt,
        "answers": [feedback_context(response, attempt) for response in responses],
    }
    return TemplateResponse(request, "classes/attempt.html", context)


@teacher_required
@require_safe
def class_items(request, pk):
    classroom = _taught(request, pk)
    everyone = request.GET.get("scope") == "all"
    learner_ids = None if everyone else list(classroom.memberships.values_list("learner_id", flat=True))
    rows = item_analysis(learner_ids, wrong_answers=False)
    # The filter's choices are the sections with answers in this report, in the course's order.
    sections = sorted({r.question.section for r in rows}, key=lambda s: (s.order, s.pk))
    section = request.GET.get("section", "")
    flag = request.GET.get("flag", "")
    section = section if section in {s.key for s in sections} else ""
    flag = flag if flag == "any" or flag in FLAG_LABELS else ""
    sort, descending = _sort_args(request)
    sort = sort if sort in ITEM_SORTS else ""
    shown = item_rows_arrange(rows, sort=sort, descending=descending, section=section, flag=flag)
    page = Paginator(shown, ITEMS_PER_PAGE).get_page(request.GET.get("page", 1))
    common_wrong_answers(page.object_list, learner_ids)  # only the rows shown: describing answers is slow
    keep = {"scope": "all" if everyone else "", "section": section, "flag": flag}
    context = {
        "classroom": classroom, "everyone": everyone, "page": page, "rows": page.object_list,
        "any_rows": bool(rows), "sections": sections, "section": section, "flag": flag,
        "flags": list(FLAG_LABELS.items()), "sort": sort, "descending": descending,
        "headers": sort_headers(ITEM_SORTS, sort=sort, descending=descending, keep=keep, ascending_first=()),
        "page_query": urlencode({k: v for k, v in (("sort", sort), ("dir", "desc" if sort and descending else ""),
                                                   *keep.items()) if v}),
    }
    return TemplateResponse(request, "classes/items.html", context)


def _csv_response(filename: str, header: list, rows) -> HttpResponse:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly. Learners' answers and names and
    other teachers' titles reach these cells: they are written so no spreadsheet runs them as formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = spreadsheet_cells.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@teacher_required
@require_safe
def class_grid_csv(request, pk):
    classroom = _taught(request, pk)
    grid = class_grid(classroom, per_page=100_000)
    # The columns and their order from before stay, for tools that read them: a section's own column is now
    # the engine's estimated probability that the section is mastered (0.00-1.00, not a percentage), and
    # Overall their mean. Appended after them, per section: answers, right answers, and the state
    # (not_started, learning, mastered), which is what the pages show.
    header = ([_("Learner")] + [s.title for s in grid.sections] + [_("Overall")]
              + [f"{s.title} {name}" for s in grid.sections for name in ("answers", "right", "state")])
    # Then a column per assignment (by number, as the page numbers them): each learner's status, one of
    # not_started, in_progress, done, late (done after the due time), missed, upcoming (not open yet).
    overview = assignment_status.class_assignments(classroom)
    header += [_("Assignment %(number)d: %(what)s") % {"number": a.number, "what": a.what}
               for a in overview.assignments]

    def assignment_cells(learner_id):
        return [getattr(overview.completions.get((a.pk, learner_id)), "status", "")
                for a in overview.assignments]

    rows = ([r.learner.display_name] + [f"{c.mastery:.2f}" for c in r.cells] + [f"{r.total:.2f}"]
            + [value for c in r.cells for value in (c.answers, c.right, c.state)]
            + assignment_cells(r.learner.pk) for r in grid.rows)
    return _csv_response(f"class-{classroom.pk}-mastery.csv", header, rows)


def _three_places(index: float | None):
    """A statistic as a number (a negative discrimination stays a number, not neutralised text)."""
    return "" if index is None else Decimal(f"{index:.3f}")


@teacher_required
@require_safe
def class_items_csv(request, pk):
    classroom = _taught(request, pk)
    everyone = request.GET.get("scope") == "all"
    learner_ids = None if everyone else list(classroom.memberships.values_list("learner_id", flat=True))
    header = [_("Question"), _("Section"), _("Type"), _("Version"), _("Answers"), _("First answers"),
              _("Facility index"), _("Discrimination index"), _("Most chosen wrong answer"), _("Flags")]
    rows = (
        [r.question.key, r.question.section.title, r.question.get_type_display(), r.version, r.answers,
         r.first_answers, _three_places(r.facility), _three_places(r.discrimination), r.common_wrong, "; ".join(r.flag_labels)]
        for r in item_analysis(learner_ids)
    )
    # The two scopes are different reports: a download of each must not overwrite the other.
    scope = "-all-learners" if everyone else ""
    return _csv_response(f"class-{classroom.pk}-items{scope}.csv", header, rows)
