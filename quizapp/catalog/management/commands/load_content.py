from django.core.management.base import BaseCommand, CommandError, no_translations

from quizapp.catalog.pipeline import bank_load
from quizapp.catalog.loading import BankError, read_bank


class Command(BaseCommand):
    help = ("Check the question banks, then create or update sections, questions and flashcards by key. "
            "Writes nothing if any file has a problem.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="bank files or folders (default: all of content/)")

    @no_translations  # problems in English, like the rest of the output (see import_questions)
    def handle(self, *args, paths, **options):
        try:
            bank = read_bank(paths)
        except BankError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) found; nothing was written.")
        report = bank_load(bank)
        for name in ("sections", "questions", "flashcards"):
            self.stdout.write(f"{name + ':':12} {getattr(report, name)}")
