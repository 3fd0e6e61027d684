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

    def as_custom(self) -> str:
        """`kind:key,key`, the value of the link's custom parameter."""
        return f"{self.kind}:{','.join(self.section_keys)}"

    def url(self) -> str:
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
    return Target(kind=link_target.kind, section_keys=tuple(link_target.section_keys))
