from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Classroom, Membership, new_join_code


class JoinError(Exception):
    pass


def create_classroom(*, teacher, name: str, sections=()) -> Classroom:
    with transaction.atomic():
        classroom = Classroom.objects.create(teacher=teacher, name=name.strip())
        classroom.sections.set(sections)
    return classroom


def normalize_code(code: str) -> str:
    """A join code as typed or pasted (spaces, dashes, lower case) in its stored form."""
    return code.strip().upper().replace(" ", "").replace("-", "")


def find_by_code(code: str) -> Classroom | None:
    return Classroom.objects.select_related("teacher").filter(join_code=normalize_code(code)).first()


def join_classroom(*, learner, code: str) -> tuple[Classroom, bool]:
    """Join by code. Joining twice (double click, replay, a second tab) is harmless: (class, False)."""
    code = normalize_code(code)
    classroom = find_by_code(code)
    if classroom is None:
        raise JoinError(_("No class has the code “%(code)s”. Check it with your teacher.") % {"code": code})
    if classroom.teacher_id == learner.pk:
        raise JoinError(_("You teach this class."))
    try:
        with transaction.atomic():
            _membership, created = Membership.objects.get_or_create(classroom=classroom, learner=learner)
    except IntegrityError:  # a concurrent join of the same learner won the race
        created = False
    return classroom, created


def remove_learner(*, classroom: Classroom, learner_id: int) -> bool:
    deleted, _ = Membership.objects.filter(classroom=classroom, learner_id=learner_id).delete()
    return bool(deleted)


def leave_classroom(*, classroom: Classroom, learner) -> bool:
    deleted, _ = Membership.objects.filter(classroom=classroom, learner=learner).delete()
    return bool(deleted)


def renew_join_code(*, classroom: Classroom) -> str:
    classroom.join_code = new_join_code()
    classroom.save(update_fields=["join_code"])
    return classroom.join_code
