"""What a resource link opens, in one place: its custom parameter (`quizapp_target`, written by deep linking
and sent back by the LMS at every launch), its URL in quizapp, and the deep-linking item's title."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from quizapp.catalog.models import Section

from .models import LinkTarget

CUSTOM_PARAMETER = "quizapp_target"
Kind = LinkTarget.Kind
MANY_SECTIONS = {Kind.MIXED_QUIZ, Kind.MASTERY}


@dataclass(frozen=True)
class Target:
    kind: str
    section_keys: tuple[str, ...]
    # Kind "assignment": the assignment's id (the custom parameter's) and, once checked, its class's.
    assignment_id: int | None = None
    classroom_id: int | None = None

    def as_custom(self) -> str:
        """`kind:key,key` (an assignment: `assignment:<id>`), the value of the link's custom parameter."""
        if self.kind == Kind.ASSIGNMENT:
            return f"{self.kind}:{self.assignment_id}"
        return f"{self.kind}:{','.join(self.section_keys)}"

    def url(self, *, teaching: bool = False) -> str:
        if self.kind == Kind.ASSIGNMENT:
            # The class's teacher: its completion page; a learner: the assignment where their class list shows
            # it, with its Start or Study button.
            if teaching:
                return reverse("classes:assignment", kwargs={"pk": self.classroom_id,
                                                             "assignment_id": self.assignment_id})
            return reverse("classes:list") + f"#assignment-{self.assignment_id}"
        keys = self.section_keys
        if self.kind == Kind.NOTES:
            return reverse("catalog:section", kwargs={"key": keys[0]})
        if self.kind == Kind.SECTION_QUIZ:
            return reverse("quizzes:start") + "?" + urlencode({"section": keys[0]})
        if self.kind == Kind.MIXED_QUIZ:
            return reverse("quizzes:start") + "?" + urlencode([("sections", k) for k in keys])
        if self.kind == Kind.MASTERY:
            return reverse("progress:dashboard")
        return reverse("cards:review") + "?" + urlencode({"section": keys[0]})


def target_parse(value: str | None) -> Target | None:
    """The target a custom parameter names, or None when it names none that exists: the parameter can be edited
    in the LMS, so the kind and every section key are checked against the catalogue."""
    if not value or ":" not in value:
        return None
    kind, _sep, keys_text = value.partition(":")
    if kind == Kind.ASSIGNMENT:  # whether it exists, and is of this course's class, the launch checks
        number = keys_text.strip()
        return Target(kind=kind, section_keys=(), assignment_id=int(number)) if (number.isascii() and number.isdigit() and len(number) < 18) else None
    keys = tuple(dict.fromkeys(k.strip() for k in keys_text.split(",") if k.strip()))
    if kind not in Kind.values:
        return None
    if kind in MANY_SECTIONS:
        if not keys:
            return None
    elif len(keys) != 1:
        return None
    if Section.objects.filter(key__in=keys).count() != len(keys):
        return None
    return Target(kind=kind, section_keys=keys)


def target_of(link_target: LinkTarget | None) -> Target | None:
    if link_target is None:
        return None
    if link_target.kind == Kind.ASSIGNMENT:
        return Target(kind=link_target.kind, section_keys=(), assignment_id=link_target.assignment_id,
                      classroom_id=link_target.assignment.classroom_id if link_target.assignment else None)
    return Target(kind=link_target.kind, section_keys=tuple(link_target.section_keys))
