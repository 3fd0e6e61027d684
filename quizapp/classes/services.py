from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Assignment, Classroom, Membership, new_join_code


class JoinError(Exception):
    pass


class ClassArchived(Exception):
    """A change to an archived class: it is read-only until its teacher restores it."""

    def __init__(self, classroom: Classroom):
        super().__init__(_("“%(name)s” is archived: restore it to change it.") % {"name": classroom.name})


def _refuse_if_archived(classroom: Classroom) -> None:
    """Inside a transaction: lock the class's row and refuse if it is archived. Archiving is an UPDATE of that
    row, so a change racing an archive (a second tab) waits for it and is then refused, or lands before it;
    never after. The lock is FOR NO KEY UPDATE where there is one, so it does not wait on an answer that
    writes the class's totals (their foreign key takes only a key-share lock)."""
    rows = Classroom.objects.filter(pk=classroom.pk)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    classroom.archived_at = rows.values_list("archived_at", flat=True).get()
    if classroom.archived_at is not None:
        raise ClassArchived(classroom)


def classroom_create(*, teacher, name: str, sections=(), time_zone: str = "") -> Classroom:
    with transaction.atomic():
        classroom = Classroom.objects.create(teacher=teacher, name=name.strip(),
                                             **({"time_zone": time_zone} if time_zone else {}))
        classroom.sections.set(sections)
    return classroom


def normalize_code(code: str) -> str:
    """A join code as typed or pasted (spaces, dashes, lower case) in its stored form."""
    return code.strip().upper().replace(" ", "").replace("-", "")


def find_by_code(code: str) -> Classroom | None:
    return Classroom.objects.select_related("teacher").filter(join_code=normalize_code(code)).first()


def classroom_join(*, learner, code: str) -> tuple[Classroom, bool]:
    """Join by code. Joining twice (double click, replay, a second tab) is harmless: (class, False)."""
    code = normalize_code(code)
    classroom = find_by_code(code)
    if classroom is None:
        raise JoinError(_("No class has the code “%(code)s”. Check it with your teacher.") % {"code": code})
    if classroom.teacher_id == learner.pk:
        raise JoinError(_("You teach this class."))
    try:
        with transaction.atomic():
            _refuse_if_archived(classroom)
            _membership, created = Membership.objects.get_or_create(classroom=classroom, learner=learner)
    except ClassArchived:
        raise JoinError(archived_join_message(classroom)) from None
    except IntegrityError:  # a concurrent join of the same learner won the race
        created = False
    return classroom, created


def archived_join_message(classroom: Classroom) -> str:
    return _("“%(name)s” is archived and no longer takes new learners. Ask your teacher.") % {"name": classroom.name}


def classroom_update(*, classroom: Classroom, name: str, sections=(), time_zone: str = "") -> Classroom:
    with transaction.atomic():
        _refuse_if_archived(classroom)
        classroom.name = name.strip()
        classroom.time_zone = time_zone or classroom.time_zone
        classroom.save(update_fields=["name", "time_zone"])
        classroom.sections.set(sections)
    return classroom


def classroom_archive(*, classroom: Classroom) -> bool:
    """Archive the class: joining closes and the class turns read-only; memberships, progress and the class's
    totals stay exactly as they are. One conditional UPDATE, so archiving an archived class (a double submit,
    a second tab) changes nothing and says so: False."""
    with transaction.atomic():
        changed = Classroom.objects.filter(pk=classroom.pk, archived_at__isnull=True).update(
            archived_at=timezone.now())
    classroom.refresh_from_db(fields=["archived_at"])
    return bool(changed)


def classroom_restore(*, classroom: Classroom) -> bool:
    """Undo `classroom_archive`: the class takes learners again with its old join code. False if it was not
    archived (any more)."""
    with transaction.atomic():
        changed = Classroom.objects.filter(pk=classroom.pk, archived_at__isnull=False).update(archived_at=None)
    classroom.refresh_from_db(fields=["archived_at"])
    return bool(changed)


def membership_remove(*, classroom: Classroom, learner_id: int) -> bool:
    with transaction.atomic():
        _refuse_if_archived(classroom)
        deleted, _count = Membership.objects.filter(classroom=classroom, learner_id=learner_id).delete()
    return bool(deleted)


def classroom_leave(*, classroom: Classroom, learner) -> bool:
    deleted, _ = Membership.objects.filter(classroom=classroom, learner=learner).delete()
    return bool(deleted)


def join_code_renew(*, classroom: Classroom) -> str:
    with transaction.atomic():
        _refuse_if_archived(classroom)
        classroom.join_code = new_join_code()
        classroom.save(update_fields=["join_code"])
    return classroom.join_code


def assignment_create(*, classroom: Classroom, kind: str, sections, questions: int | None, opens_at, due_at,
                      form_key: str = "") -> tuple[Assignment, bool]:
    """Set the class an assignment. The same form sent twice (a double click, a resent POST, a second tab
    of the same form: one `form_key`) creates one: (the assignment, False) the second time."""
    if form_key:
        again = Assignment.objects.filter(classroom=classroom, form_key=form_key).first()
        if again is not None:
            return again, False
    try:
        with transaction.atomic():
            _refuse_if_archived(classroom)
            assignment = Assignment.objects.create(
                classroom=classroom, kind=kind, questions=questions if kind == Assignment.Kind.QUIZ else None,
                opens_at=opens_at, due_at=due_at, form_key=form_key)
            assignment.sections.set(sections)
    except IntegrityError:  # the same form's other submit committed first
        if not form_key:
            raise
        return Assignment.objects.get(classroom=classroom, form_key=form_key), False
    return assignment, True


def assignment_update(*, assignment: Assignment, kind: str, sections, questions: int | None, opens_at,
                      due_at) -> Assignment:
    """Change an assignment. Only the assignment changes: whether each learner has done it is computed from
    their answers and reviews (classes.assignments), which stay as they are. Sending it twice is harmless."""
    with transaction.atomic():
        _refuse_if_archived(assignment.classroom)
        assignment.kind = kind
        assignment.questions = questions if kind == Assignment.Kind.QUIZ else None
        assignment.opens_at, assignment.due_at = opens_at, due_at
        assignment.save(update_fields=["kind", "questions", "opens_at", "due_at"])
        assignment.sections.set(sections)
    return assignment


def assignment_delete(*, classroom: Classroom, assignment_id: int) -> bool:
    """Remove the assignment, and only it: learners' answers, reviews and quizzes are theirs and stay. False
    when it was gone already (a double submit, a second tab)."""
    with transaction.atomic():
        _refuse_if_archived(classroom)
        deleted, _count = Assignment.objects.filter(classroom=classroom, pk=assignment_id).delete()
    return bool(deleted)
