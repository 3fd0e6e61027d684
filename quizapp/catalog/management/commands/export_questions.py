from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from quizapp.catalog.authoring import (
    export_flashcards_csv,
    export_gift,
    export_yaml_all,
    export_yaml_section,
    flashcards_in,
    questions_in,
    import_read,
)
from quizapp.catalog.models import Section


class Command(BaseCommand):
    help = (
        "Export the question bank: YAML in the content/ format (a file for --section, else a folder like "
        "content/), Moodle GIFT, or flashcards as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="file to write (a folder for a whole-bank YAML export)")
        parser.add_argument("--format", choices=["yaml", "gift", "csv"], default="yaml")
        parser.add_argument("--section", help="section key (a top-level section exports all its leaves)")

    @no_translations  # notes in English, like the rest of the output (see import_questions)
    def handle(self, *args, out, format, section, **options):
        chosen = None
        if section:
            chosen = Section.objects.filter(key=section).first()
            if chosen is None:
                raise CommandError(f"unknown section '{section}'")
        out = Path(out)
        if format == "yaml" and chosen is None:
            out.mkdir(parents=True, exist_ok=True)
            files = export_yaml_all()
            for name, text in files.items():
                (out / name).write_text(text, encoding="utf-8")
                if name != "sections.yaml":
                    self._check(out / name, text)
            self.stdout.write(f"wrote {len(files)} files to {out}/")
            return
        if format == "yaml":
            text = export_yaml_section(chosen)
            self._check(out, text)
        elif format == "gift":
            text, skipped = export_gift(questions_in(chosen))
            for key in skipped:
                self.stdout.write(f"note: {key} skipped: GIFT has no ordering questions")
        else:
            text = export_flashcards_csv(flashcards_in(chosen))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {out}")

    def _check(self, path, text):
        """The admin and every importer apply the loader's rules (catalog.rules), but rows saved before a rule
        existed may break one (a fill-in prompt without a ____ blank): say so, since load_content would
        refuse the file."""
        for problem in import_read(text, format="yaml", name=str(path)).problems:
            self.stdout.write(f"note: {path}: {problem} (content/ files need this)")
