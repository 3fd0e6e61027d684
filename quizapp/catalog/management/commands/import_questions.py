from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from quizapp.catalog.authoring import ImportConflict, import_apply, import_plan, import_read
from quizapp.catalog.exchange import FORMATS, UnreadableFile, decode, guess_format
from quizapp.catalog.pipeline import CREATE, REJECT, UNCHANGED, UPDATE


class Command(BaseCommand):
    help = (
        "Import questions (YAML bank file or Moodle GIFT) or flashcards (CSV). The file is checked first: "
        "any problem is reported as 'line N: ...' and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--format", choices=FORMATS, help="default: from the file name (.yaml, .gift, .csv)"
        )
        parser.add_argument(
            "--section", help="section key for GIFT questions without $CATEGORY, CSV rows without a section"
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
        parser.add_argument("--draft", action="store_true", help="import as drafts (default: published)")
        parser.add_argument(
            "--update",
            action="store_true",
            help="update items whose key exists (default: report them and leave them)",
        )

    # The command's own words are English, and scripts grep its 'line N:' problems: the reader's lazy
    # messages come out in English too, whatever LANGUAGE_CODE is (the admin shows them translated).
    @no_translations
    def handle(self, *args, file, format, section, dry_run, draft, update, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        format = format or guess_format(path.name)
        if format is None:
            raise CommandError("give --format yaml, gift or csv (the file name does not say)")
        try:
            text = decode(path.read_bytes())
        except UnreadableFile as exc:
            self.stderr.write(f"{file}: {exc.problem}")
            raise CommandError("the file cannot be read; nothing was written") from None
        parsed = import_read(text, format=format, section=section, name=str(path))
        try:
            plan = (
                import_plan(parsed, update=update, draft=draft)
                if dry_run
                else import_apply(parsed=parsed, update=update, draft=draft)
            )
        except ImportConflict as exc:
            raise CommandError(str(exc)) from None
        for problem in plan.problems:
            self.stderr.write(f"{file}: {problem}")
        if plan.problems:
            raise CommandError(f"{len(plan.problems)} problem(s) found; nothing was written.")
        for problem in plan.skipped:
            self.stdout.write(f"{file}: {problem}")
        for problem in plan.warnings:
            self.stdout.write(f"{file}: line {problem.line}: note: {problem.message}")
        for row in plan.rows:
            if row.action == REJECT:
                self.stdout.write(f"{file}: line {row.line}: {row.item} {row.key} not imported: {row.reason}")
        verb = "would be " if dry_run else ""
        for item in ("question", "flashcard", "notes"):
            rows = [r for r in plan.rows if r.item == item]
            if rows or item == "question":
                counts = {a: sum(1 for r in rows if r.action == a) for a in (CREATE, UPDATE, UNCHANGED, REJECT)}
                self.stdout.write(
                    f"{item + 's:':12} {counts[CREATE]} {verb}created, {counts[UPDATE]} {verb}updated, "
                    f"{counts[UNCHANGED]} unchanged, {counts[REJECT]} rejected"
                )
        if plan.skipped:
            self.stdout.write(f"{'skipped:':12} {len(plan.skipped)} (unsupported question types)")
        if dry_run:
            self.stdout.write("dry run: nothing was written")
