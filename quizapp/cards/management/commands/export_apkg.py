from django.core.management.base import BaseCommand, CommandError

from quizapp.cards import export
from quizapp.catalog.models import Section
from quizapp.whole_numbers import whole_number


class Command(BaseCommand):
    help = "Write the published flashcards (all, or one section's) as an Anki package (.apkg)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="the .apkg file to write")
        parser.add_argument("--section",
                            help="a section key (or id); a top-level section includes its leaves")

    def handle(self, *args, out, section=None, **options):
        chosen = None
        if section:
            pk = whole_number(section)
            lookup = {"pk": pk} if pk is not None else {"key": section}
            chosen = Section.objects.filter(**lookup).first()
            if chosen is None:
                raise CommandError(f"no section {section!r}")
        cards = list(export.flashcards_for(chosen))
        export.write_package(cards, out)
        self.stdout.write(f"wrote {len(cards)} flashcards to {out}")
