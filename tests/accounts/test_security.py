import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_log_in_cycles_the_session_key(client, learner):
    session = client.session  # an anonymous session, as a visitor has before logging in
    session["probe"] = 1
    session.save()
    before = session.session_key
    log_in(client, learner.username)
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(learner.pk)


def test_log_out_invalidates_the_session_on_the_server(client, learner):
    log_in(client, learner.username)
    stolen_cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=stolen_cookie).exists()


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


@pytest.mark.django_db
def test_every_page_sends_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_missing_page_uses_the_sites_own_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="error-code">404<' in html and "site-header" in html


@pytest.mark.django_db
def test_server_error_page_shows_no_stack_trace(client, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "500" in html and "Traceback" not in html


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


def test_password_reset_sends_the_e_mail_it_announces(client, learner, mailoutbox):
    learner.email = "lin@example.edu"
    learner.save()
    response = client.post(reverse("password_reset"), {"email": "lin@example.edu"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["lin@example.edu"]
    assert "/accounts/reset/" in mailoutbox[0].body


@pytest.mark.parametrize("method,url", [
    ("post", "/progress/"), ("delete", "/progress/"), ("post", "/"), ("put", "/sections/lora/"),
    ("post", "/classes/"), ("delete", "/classes/join/"), ("put", "/cards/settings/"),
    ("delete", "/accounts/signup/"), ("post", "/healthz"),
])
def test_read_only_pages_refuse_other_methods(client, learner, method, url):
    client.force_login(learner)
    assert getattr(client, method)(url).status_code == 405


def test_a_quiz_page_refuses_delete_and_post(client, learner, starter_bank):
    from quizapp.quizzes import services

    attempt = services.attempt_start(learner=learner, kind="mixed", section_ids=[], length=5)
    client.force_login(learner)
    for url in (f"/quiz/{attempt.pk}/", f"/quiz/{attempt.pk}/summary/"):
        assert client.delete(url).status_code == 405 and client.post(url).status_code == 405
        assert client.get(url).status_code in (200, 302)
