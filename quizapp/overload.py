"""Graceful overload: a request that cannot get the database in time is refused with a 503, a Retry-After
header and a readable page, never left half-written.

How a request meets a busy database. On SQLite every write transaction starts with BEGIN IMMEDIATE, which
takes the one write lock up front; a writer waits for it at most DATABASE_BUSY_TIMEOUT seconds (settings:
the connection's `timeout`), then SQLite raises "database is locked" before anything was written. On
PostgreSQL a statement waits for a row lock at most as long (`lock_timeout`), then fails and its transaction
is rolled back. Either way the request's `transaction.atomic()` block has rolled back when the error reaches
here, so nothing it meant to write is in the database, and the learner can simply send it again: the
services' own guards (an answer per position, a rating per card state) keep a retry from counting twice.

The one exception: a request whose writes had committed before something later (rendering the next page)
found the database busy. The middleware notes, per request, whether a write of it committed (an execute
wrapper, and on_commit for writes inside a transaction), and the 503 then says what was sent is saved.
Sending it again is harmless either way: the services answer a replay with what was recorded.

`RefuseWhenBusy` (middleware, last in MIDDLEWARE so it sees a view's exception first) turns that error
into the 503, and logs a warning rather than a server error. Raised outside a view it reaches the error
handlers instead: `server_error` (handler500) and urls.bad_request (handler400: SessionMiddleware turns a
session it could not save into a 400) answer it with the same 503.
The page is templates/503.html; an htmx request gets only its message, which static/js/app.js shows where
the learner clicked, leaving their answer as it was."""

import logging
import sys

from django.db import OperationalError, connection
from django.template.response import TemplateResponse
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# SQLite's messages for SQLITE_BUSY and SQLITE_LOCKED (the latter from a shared-cache connection, as in tests).
SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
# PostgreSQL: lock_not_available (lock_timeout) and query_canceled (statement_timeout).
POSTGRES_BUSY = {"55P03", "57014"}


def database_busy(exc: BaseException | None) -> bool:
    """Did the database refuse for want of time (a lock not granted in time), not for a fault? The error may
    be the cause of another: a session that could not be saved is a SessionInterrupted (a 400) raised while
    handling it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError) and (getattr(exc.__cause__, "sqlstate", None) in POSTGRES_BUSY
                                                  or str(exc).lower().startswith(SQLITE_BUSY)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def busy_response(request):
    template = "503.html#message" if getattr(request, "htmx", False) else "503.html"
    saved = bool(getattr(request, "committed_writes", None))
    response = TemplateResponse(request, template, {"retry_after": RETRY_AFTER_SECONDS, "saved": saved},
                                status=503).render()
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    logger.warning("database busy, refused with 503 (%s): %s %s", "after its writes committed" if saved else
                   "nothing written", request.method, request.path)
    response._has_been_logged = True  # the warning above says it: not also an ERROR per refusal under load
    return response


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class RefuseWhenBusy:
    """Middleware: a busy database becomes a 503 with Retry-After (nothing was recorded)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        committed = request.committed_writes = []  # not empty once a write of this request has committed

        def note_commits(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if not committed and sql.lstrip()[:7].upper().startswith(WRITES):
                db = context["connection"]
                if db.in_atomic_block:
                    db.on_commit(lambda: committed.append(True))  # dropped if the transaction rolls back
                else:
                    committed.append(True)  # autocommit
            return result

        with connection.execute_wrapper(note_commits):
            return self.get_response(request)

    def process_exception(self, request, exception):
        return busy_response(request) if database_busy(exception) else None


def server_error(request):
    """handler500: a busy database raised outside a view is a 503 too; anything else is Django's 500."""
    if database_busy(sys.exc_info()[1]):
        return busy_response(request)
    return defaults.server_error(request)
