"""Site-wide protections every page shares: the Content-Security-Policy, the error pages, and methods refused."""

import pytest
from django.test import override_settings


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
