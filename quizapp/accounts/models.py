import functools
import zoneinfo
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from .roles import TEACHERS_GROUP


@functools.cache
def time_zones() -> list[str]:
    """The zones offered in lists: the IANA Area/City names and UTC, without the database's oddities
    ("Factory", "localtime": the server's own zone) and bare legacy aliases ("EST", "PRC"). Any valid zone
    is still accepted (`valid_time_zone`), so a learner who has a legacy one keeps it."""
    return sorted(name for name in _all_zones()
                  if ("/" in name and not name.startswith(("Etc/", "SystemV/", *LEGACY_AREAS))) or name == "UTC")


# tzdata's backward-compatible links for whole countries (US/Eastern is America/New_York): not offered.
LEGACY_AREAS = ("US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
# Offered first: where this course's learners mostly are, then the world's busiest zones.
COMMON_TIME_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Macau", "Asia/Singapore",
                     "Asia/Tokyo", "Asia/Seoul", "Europe/London", "Europe/Paris", "Europe/Berlin",
                     "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Vancouver",
                     "Australia/Sydney", "UTC")


def valid_time_zone(name: str) -> str | None:
    """`name` as a zone to store (Etc/UTC and friends become UTC), or None when it is no zone at all."""
    if name in ("Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"):
        return "UTC"
    return name if name in _all_zones() and name not in ("Factory", "localtime") else None


@functools.cache
def _all_zones() -> frozenset:
    return frozenset(zoneinfo.available_timezones())


def time_zone_label(name: str, now: datetime) -> str:
    """'(UTC+08:00) Asia/Shanghai': the offset now (summer time included), then the place."""
    offset = int(now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset().total_seconds() // 60)
    hours, minutes = divmod(abs(offset), 60)
    return f"(UTC{'+' if offset >= 0 else '−'}{hours:02d}:{minutes:02d}) {name.replace('_', ' ')}"


def time_zone_choices(current: str = ""):
    """Grouped choices: the learner's own legacy zone if they have one, the common zones, then all the
    others by name; each labelled with its offset now."""
    now = datetime.now(UTC)
    zones = time_zones()
    extra = [current] if current and current not in zones and valid_time_zone(current) else []
    common = [z for z in COMMON_TIME_ZONES if z in zones]
    rest = [z for z in zones if z not in common]
    return [
        (_("Common time zones"), [(z, time_zone_label(z, now)) for z in extra + common]),
        (_("All time zones"), [(z, time_zone_label(z, now)) for z in rest]),
    ]


def display_name_expression(path: str = ""):
    """`User.display_name` in the database, to sort people as pages name them: `path` leads from the queried
    model to the user ("learner__")."""
    return Coalesce(NullIf(models.F(f"{path}lms_name"), models.Value("")), models.F(f"{path}username"))


class User(AbstractUser):
    """A learner, and a teacher too when in the Teachers group."""

    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.LEARNER_DEFAULT_TIME_ZONE,
        help_text=_("Your study day and streaks follow this time zone."),
    )
    # The person's name as their LMS gives it (its `name` claim, whole: a Chinese name keeps its own order),
    # for accounts made by an LMS launch, whose usernames are hashes; blank for everybody else.
    lms_name = models.CharField(_("name in the LMS"), max_length=150, blank=True, default="")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def is_teacher(self) -> bool:
        # Cached per instance: templates ask several times per page.
        if not hasattr(self, "_is_teacher"):
            self._is_teacher = self.groups.filter(name=TEACHERS_GROUP).exists()
        return self._is_teacher

    @property
    def display_name(self) -> str:
        """What pages call this person: the LMS's name for an LMS account, else the username."""
        return self.lms_name or self.username

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.LEARNER_DEFAULT_TIME_ZONE)
