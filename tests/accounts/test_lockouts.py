"""Lock-outs after wrong passwords (accounts/lockouts.py and django-axes' settings): per username and address,
and per address across usernames, through the real log-in form."""

from django.test import override_settings
from django.urls import reverse

from tests.accounts.helpers import log_in


def test_repeated_wrong_passwords_lock_that_username_from_that_address_only(client, learner, other_learner):
    for _ in range(5):
        response = log_in(client, learner.username, "wrong-password", REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode() or "登录失败次数过多" in response.content.decode()
    # Even the right password is refused during the cool-off...
    assert log_in(client, learner.username, REMOTE_ADDR="10.1.1.1").status_code == 429
    # ...but a classmate behind the same address logs in, and so does the learner from elsewhere.
    assert log_in(client, other_learner.username, REMOTE_ADDR="10.1.1.1").status_code == 302
    client.post(reverse("logout"))
    assert log_in(client, learner.username, REMOTE_ADDR="10.2.2.2").status_code == 302


@override_settings(PROXY_COUNT=1)
def test_behind_a_proxy_lock_outs_follow_the_forwarded_address(client, learner):
    # What AXES_PROXY_COUNT=1 configures: every request arrives from the proxy, which appends the address
    # it saw; an address the client forges further left changes nothing.
    proxy = {"REMOTE_ADDR": "10.9.9.9"}
    for n in range(5):
        log_in(client, learner.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7", **proxy)
    assert log_in(client, learner.username, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    assert log_in(client, learner.username, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy).status_code == 302


def test_one_address_spraying_passwords_over_many_usernames_is_paused(client, learner, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8  # 50 by default; each try hashes a password, so fewer here
    spray = {"REMOTE_ADDR": "10.3.3.3"}
    for n in range(7):  # never more than 5 per username: the per-learner lock-out never trips
        assert log_in(client, f"guess-{n % 4}", "Winter2026!", **spray).status_code == 200
    assert log_in(client, learner.username, **spray).status_code == 302  # 7 failures: honest mistakes
    client.post(reverse("logout"))
    log_in(client, "guess-5", "Winter2026!", **spray)
    log_in(client, "guess-6", "Winter2026!", **spray)
    response = log_in(client, learner.username, **spray)
    assert response.status_code == 429
    html = response.content.decode()
    assert "这个网络的错误密码次数过多" in html and "其他学员不受影响" not in html
    assert log_in(client, learner.username, REMOTE_ADDR="10.4.4.4").status_code == 302  # another address


def test_the_address_limit_is_far_above_the_per_learner_limit():
    from django.conf import settings

    assert settings.AXES_ADDRESS_FAILURE_LIMIT == 50 and settings.AXES_FAILURE_LIMIT == 5


def test_a_learner_locked_out_alone_reads_that_others_are_not_affected(client, learner):
    for _ in range(5):
        response = log_in(client, learner.username, "wrong-password", REMOTE_ADDR="10.5.5.5")
    assert "其他学员不受影响" in response.content.decode()
