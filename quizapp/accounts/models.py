import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import TEACHERS_GROUP


def time_zones() -> list[str]:
    """The zones a learner may pick: the IANA Area/City names and UTC, without the database's oddities
    ("Factory", "localtime": the server's own zone) and bare legacy aliases ("EST", "PRC")."""
    return sorted(name for name in zoneinfo.available_timezones()
                  if ("/" in name and not name.startswith(("Etc/", "SystemV/"))) or name == "UTC")


def time_zone_choices():
    return [(name, name) for name in time_zones()]


class User(AbstractUser):
    """A learner, and a teacher too when in the Teachers group."""

    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.LEARNER_DEFAULT_TIME_ZONE,
        help_text=_("Your study day and streaks follow this time zone."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def is_teacher(self) -> bool:
        # Cached per instance: templates ask several times per page.
        if not hasattr(self, "_is_teacher"):
            self._is_teacher = self.groups.filter(name=TEACHERS_GROUP).exists()
        return self._is_teacher

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.LEARNER_DEFAULT_TIME_ZONE)
