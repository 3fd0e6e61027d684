"""Where pylti1p3 keeps state, nonces and launch claims: the database (LaunchData), not the process's cache,
so the OIDC login and the launch may reach different app servers."""

import typing as t
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from pylti1p3.launch_data_storage.base import LaunchDataStorage

from .models import LaunchData

# pylti1p3 passes no lifetime for some values (the public-key cache): a day, as its own default.
DEFAULT_LIFETIME = 86400


class DatabaseLaunchData(LaunchDataStorage):
    """pylti1p3's storage interface over LaunchData.

    The one change from the library's stores: `check_value` is only asked about nonces (SessionService
    .check_nonce), and here it uses the nonce up, deleting the row in the same statement that finds it. The
    library's stores leave the nonce in place, so the same id_token posted again would pass; here the second
    post finds nothing and is refused ("Invalid Nonce"). Under HTTPS the values are bound to the browser by
    pylti1p3's `lti1p3-session-id` cookie, as the library's cache store does; over plain HTTP (development)
    cookies cannot be cross-site, so they are not."""

    def get_session_cookie_name(self) -> t.Optional[str]:
        assert self._request is not None, "the request is set before any value is read"
        if not self._request.is_secure():
            return None
        return super().get_session_cookie_name()

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str):
        row = LaunchData.objects.filter(key=self._prepare_key(key), expires_at__gt=timezone.now()).first()
        return None if row is None else row.value

    def set_value(self, key: str, value, exp: t.Optional[int] = None) -> None:
        now = timezone.now()
        with transaction.atomic():
            LaunchData.objects.filter(expires_at__lte=now).delete()
            LaunchData.objects.update_or_create(
                key=self._prepare_key(key),
                defaults={"value": value, "expires_at": now + timedelta(seconds=exp or DEFAULT_LIFETIME)})

    def check_value(self, key: str) -> bool:
        deleted, _by_model = LaunchData.objects.filter(key=self._prepare_key(key),
                                                       expires_at__gt=timezone.now()).delete()
        return deleted > 0
