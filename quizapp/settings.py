"""quizapp settings: one module, driven by environment variables (django-environ).

Development (`make run`, or any command in a checkout where `make install` wrote `.env`) has DEBUG=1 and a
SQLite file in the repository root. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL;
see README.md, "Production".
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# `make install` writes `.env` (DEBUG=1, git-ignored) so the README's commands (`.venv/bin/python manage.py
# content_report`) work as typed in a development checkout, not only under the Makefile. It is read only
# when the environment does not set DEBUG itself: production (DEBUG=0), `make test` and CI never read it,
# and variables already in the environment win over it.
DEVELOPMENT_ENV_FILE = BASE_DIR / ".env"
if "DEBUG" not in os.environ and DEVELOPMENT_ENV_FILE.is_file():
    environ.Env.read_env(DEVELOPMENT_ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (50+ random characters), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "quizapp.accounts",
    "quizapp.catalog",
    "quizapp.quizzes",
    "quizapp.cards",
    "quizapp.progress",
    "quizapp.classes",
    "lti_tool",  # django-lti: platform registrations, deployments, LMS users and courses, the tool's keys
    "quizapp.lti",
    "quizapp.apps.ProjectConfig",  # last: connects the apps' receivers (quizapp/receivers.py)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSP and X-Frame-Options, so it sees responses first: registered LMSs may frame quizapp (lti/frames.py).
    "quizapp.lti.frames.platform_frames",
    "quizapp.control_characters.refuse_control_characters",
    "quizapp.accounts.middleware.idle_session_expiry",
    "axes.middleware.AxesMiddleware",
    # Last, so its process_exception sees a view's exception first: a busy database becomes a 503.
    "quizapp.overload.RefuseWhenBusy",
]

ROOT_URLCONF = "quizapp.urls"
WSGI_APPLICATION = "quizapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    },
]

# SQLite is the zero-setup default. Its options make it hold up under concurrent writers: WAL lets
# readers run beside the writer, IMMEDIATE transactions take the write lock up front (no deadlock-prone
# lock upgrades), and the busy timeout makes a writer wait instead of failing, for a bounded time: past
# DATABASE_BUSY_TIMEOUT seconds it is refused with a 503 and Retry-After (quizapp/overload.py), nothing
# written. PostgreSQL gets the same bound on waiting for a row lock (lock_timeout).
DATABASE_BUSY_TIMEOUT = env.float("DATABASE_BUSY_TIMEOUT", default=5.0)
# The quiz engine's recalibration (seconds of CPU, quizzes.services.calibration_refit_if_due) runs in a
# process of its own, started by the answer that finds one due; False runs it in that request (the tests).
CALIBRATE_IN_BACKGROUND = env.bool("CALIBRATE_IN_BACKGROUND", default=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": DATABASE_BUSY_TIMEOUT,
            # A page cache per connection of SQLITE_CACHE_MB (SQLite's default is 2 MB): the dashboards'
            # rollup pages stay in the worker's memory instead of being read again from the OS each request.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            f"PRAGMA cache_size=-{env.int('SQLITE_CACHE_MB', default=64) * 1024};",
        }
    )
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        options = DATABASES["default"].setdefault("OPTIONS", {})
        lock_timeout = f"-c lock_timeout={int(DATABASE_BUSY_TIMEOUT * 1000)}"
        options["options"] = f"{options.get('options', '')} {lock_timeout}".strip()
# Each worker keeps its connection between requests: opening one costs as much as a question page's
# queries (on SQLite about 1.5 ms: the connection, Django's SQL functions, the PRAGMAs).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True

# Stored times are UTC; a learner's "today" is computed in the learner's own time zone.
TIME_ZONE = "UTC"
USE_TZ = True
LEARNER_DEFAULT_TIME_ZONE = "Asia/Shanghai"

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))  # collectstatic writes here
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; development and tests serve the source files.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Sessions and security -----------------------------------------------------------------------
# Sessions live in the database, so any app server serves any learner. SESSION_COOKIE_AGE is an idle
# timeout: accounts.middleware renews it (at most hourly) while the learner is active.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)

# HTTPS is assumed in production. Behind a TLS-terminating proxy set SECURE_SSL_REDIRECT=0 (the proxy
# redirects) and SECURE_PROXY_SSL_HEADER=1 so Django trusts its X-Forwarded-Proto header.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
# LTI: an LMS shows quizapp in a frame on its own site, where browsers send only SameSite=None cookies, and
# accept those only when Secure: so SameSite=None under HTTPS (LTI_CROSS_SITE_COOKIES=0 turns it off), Lax
# over plain HTTP, where local development works as before (a launch there opens best in a new window).
LTI_CROSS_SITE_COOKIES = HTTPS and env.bool("LTI_CROSS_SITE_COOKIES", default=True)
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None" if LTI_CROSS_SITE_COOKIES else "Lax"
CSRF_COOKIE_HTTPONLY = True  # the token reaches htmx through the page, never through JavaScript cookies
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): everything comes from this site; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Log-in brute force (django-axes): failures count per username and address together, so one learner
# mistyping behind a classroom's shared address never locks out the others; the address as a whole is
# paused after AXES_ADDRESS_FAILURE_LIMIT failures (password spraying), see accounts/lockouts.py.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "quizapp.accounts.lockouts.AddressLimitHandler"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N reverse proxies (AXES_PROXY_COUNT=N) the learner's address is read from X-Forwarded-For, so
# lock-outs stay per learner and address rather than per username at the proxy's address.
PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "quizapp.accounts.client_ip.client_ip"

# E-mail (password reset): printed to the console in development; in production sent by SMTP as EMAIL_URL
# says, e.g. smtp+tls://USER:PASSWORD@mail.example.edu:587 (django-environ's e-mail URL; default: the
# machine's own mail server, smtp://localhost:25).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS, ... as django-environ documents
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")

CONTENT_DIR = BASE_DIR / "content"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every log-in at INFO; failures and lock-outs are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
