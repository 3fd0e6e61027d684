"""Settings read from the environment, checked in a fresh interpreter as a deployment would start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_of(env: dict, *names) -> list[str]:
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'quizapp.settings'; django.setup(); "
            "from django.conf import settings; "
            f"print('|'.join(str(getattr(settings, n)) for n in {names!r}))")
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "EMAIL_URL")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split("|")


def test_production_sends_e_mail_by_smtp_as_email_url_says():
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "EMAIL_URL": "smtp+tls://quiz:pw@mail.example.edu:587",
           "DEFAULT_FROM_EMAIL": "quiz@example.edu"}
    assert settings_of(env, "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_HOST_USER",
                       "DEFAULT_FROM_EMAIL") == [
        "django.core.mail.backends.smtp.EmailBackend", "mail.example.edu", "587", "True", "quiz",
        "quiz@example.edu"]


def test_development_prints_e_mail_to_the_console():
    assert settings_of({"DEBUG": "1"}, "EMAIL_BACKEND") == ["django.core.mail.backends.console.EmailBackend"]


def test_the_development_env_file_is_read_only_when_debug_is_not_set():
    import pytest

    if not (ROOT / ".env").is_file():
        pytest.skip("make install writes .env")
    assert settings_of({}, "DEBUG") == ["True"]  # the README's `.venv/bin/python manage.py ...` as typed
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'quizapp.settings'; django.setup()"
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, "DEBUG": "0"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "SECRET_KEY is not set" in done.stderr  # production ignores .env


def _production(**extra) -> dict:
    return {"DEBUG": "0", "SECRET_KEY": "x" * 50, **extra}


def test_production_keeps_database_connections_as_conn_max_age_says():
    """Persistent connections: opening one costs about as much as a question page's queries."""
    assert settings_of(_production(), "DATABASES")[0].count("'CONN_MAX_AGE': 60") == 1
    assert settings_of(_production(CONN_MAX_AGE="0"), "DATABASES")[0].count("'CONN_MAX_AGE': 0") == 1


def test_production_reads_templates_through_the_cached_loader():
    """Templates are compiled once per process, not on every request (Django's default when no loaders
    are listed, inside django-template-partials' loader: this keeps anyone from listing them without it)."""
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'quizapp.settings'; django.setup(); "
            "from django.template import engines; "
            "outer = engines['django'].engine.template_loaders[0]; "
            "print(' '.join(type(x).__module__ for x in getattr(outer, 'loaders', [outer])))")
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "EMAIL_URL")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **_production()},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "django.template.loaders.cached"


def test_session_and_csrf_cookies_are_cross_site_only_under_https():
    """An LMS frames quizapp on its own site: SameSite=None there (browsers need Secure with it, so HTTPS);
    plain-HTTP development keeps Lax cookies that browsers accept."""
    names = ("SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    assert settings_of({"DEBUG": "0", "SECRET_KEY": "x" * 50, "HTTPS": "1"}, *names) == ["None", "None", "True", "True"]
    assert settings_of({"DEBUG": "1", "HTTPS": "0"}, *names) == ["Lax", "Lax", "False", "False"]
    assert settings_of({"DEBUG": "0", "SECRET_KEY": "x" * 50, "HTTPS": "1", "LTI_CROSS_SITE_COOKIES": "0"},
                       *names[:2]) == ["Lax", "Lax"]
