"""Django's makemessages, also collecting `gettext_now(...)`: the question types import `gettext as
gettext_now` (their texts are translated when called, not lazily), a name xgettext does not know, so without
this their strings ("True", "False", "Choose an answer first."...) were marked obsolete by every
`make messages` and the pages showed them in English."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=gettext_now"]
