"""What makes an authored question answerable, as plain data in and messages out, so the admin's forms, the
content loader and every importer say the same thing in the same words.

One set of rules for every way a question gets in (the admin, content/ files, YAML, GIFT and CSV imports):
whatever one of them accepts, the others accept too, so an exported file always imports again. The
shipped banks' own quality bar (3-6 choices, an explanation for every question, coverage) is checked by
tests/catalog/test_bank.py on content/, not here.

Messages are lazy: an English template marked for translation with its values, translated and filled in
only when shown, so a teacher reads them in the admin's language and a command prints them in its own.
"""

import re
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

BLANK = "____"  # marks the blank of a prompt: a fill-in's, and GIFT's missing-word format's
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The longest texts the database keeps (PostgreSQL refuses longer ones; SQLite would keep them silently): the
# models take their max_length from here, so this module (and question_types, which the models ask for
# Question.type's choices) need not import the models.
KEY_LENGTH = 80
ANSWER_LENGTH = 200
ITEM_LENGTH = 300
PAIR_LENGTH = 300


def _fill(template, values):
    return template % values  # `%` on a lazy template translates it into the language active now


_lazy_fill = lazy(_fill, str)


def message(template, /, **values):
    """`template % values` when shown (str(), a template, a form error), in the language active then.
    (`gettext_lazy(...) % values` would translate at once, in whatever language is active while reading.)"""
    return _lazy_fill(template, values)


@dataclass(frozen=True)
class Problem:
    """What is wrong with a bank file or an upload, and where: the one shape every reader (content/ files,
    YAML, GIFT and CSV imports) reports in and every writer (`load_content`, `import_questions`, the admin's
    import) shows. `path` is set for content/ files, which are named in the message (`file:line: ...`);
    an upload is one file, so its problems say `line N: ...`."""

    line: int
    message: str  # lazy: translated when shown
    path: str = ""

    def __str__(self):
        if self.path:
            return f"{self.path}:{self.line}: {self.message}"
        return gettext("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


def key_problem(key: str, *, max_length: int = KEY_LENGTH):
    """Keys name files and rows in content/ and in every export: lower-case words joined by '-'."""
    if not KEY_PATTERN.match(key):
        return message(_("key '%(key)s' must be lower-case letters, digits and '-'"), key=key)
    if len(key) > max_length:
        return message(_("key '%(key)s' is longer than %(max)d characters"), key=key, max=max_length)
    return None


def difficulty_problem(difficulty):
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        return _("difficulty must be a whole number from 1 to 5")
    return None


