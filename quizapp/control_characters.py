"""Control characters: refused wherever text comes in, as invalid input.

No text the site stores or looks up may hold NUL or another C0 control character: PostgreSQL refuses NUL
in any text value (a DataError mid-request, so a 500), and the others (form feed, escape, ...) are never
part of what a learner or author means to type. Tab, newline and carriage return stay allowed: multi-line
text (Markdown, a CSV cell) needs them, and single-line fields refuse them by their own rules.

`refuse_control_characters` (middleware) applies this to every query and form value of every request,
before any view runs, so a refused request records nothing and no view, form or admin page can forget the
check. The importers apply `CONTROL` to the files they read (`catalog.exchange.decode`)."""

import re

from django.core.exceptions import BadRequest

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_character_in(text: str) -> str | None:
    """The first refused control character in `text`, or None."""
    found = CONTROL.search(text)
    return found.group() if found else None


def _refused_in(params) -> bool:
    return any(control_character_in(key) or any(control_character_in(v) for v in values)
               for key, values in params.lists())


def refuse_control_characters(get_response):
    """A 400 (the usual "bad request" page, nothing recorded) for a request whose query string or form
    fields contain a control character. Uploaded files are the importers' to check, line by line."""

    def middleware(request):
        if _refused_in(request.GET) or (request.method == "POST" and _refused_in(request.POST)):
            raise BadRequest("control character in the request's parameters")
        return get_response(request)

    return middleware
