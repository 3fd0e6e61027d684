"""The idle session timeout (accounts/middleware.py): a session lasts SESSION_COOKIE_AGE from the last activity."""

import pytest

from tests.accounts.helpers import log_in
from tests.factories import UserFactory


def test_idle_session_expiry_is_renewed_while_active(client, learner, settings):
    import time

    log_in(client, learner.username)
    session = client.session
    session["_renewed"] = int(time.time()) - 7200  # last renewed two hours ago
    session.save()
    old_expiry = session.get_expiry_date()
    client.get("/")
    assert client.session.get_expiry_date() > old_expiry
    assert client.session["_renewed"] > int(time.time()) - 60


@pytest.mark.django_db
def test_a_session_lasts_the_configured_idle_age(client, settings):
    user = UserFactory()
    log_in(client, user.username)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
