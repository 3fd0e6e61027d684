from django.core.management.base import BaseCommand, CommandError

from quizapp.progress.rebuild import progress_rebuild


class Command(BaseCommand):
    help = ("Recompute every progress rollup from the raw history, report each difference found, "
            "and correct it (it should find none).")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report differences without correcting them; "
                                                                   "exit non-zero if there are any")

    def handle(self, *args, check=False, **options):
        report = progress_rebuild(fix=not check)
        for diff in report.differences[:50]:
            self.stdout.write(f"  {diff.model} {diff.key}: {diff.field} stored {diff.stored!r}, history says {diff.expected!r}")
        if len(report.differences) > 50:
            self.stdout.write(f"  ... and {len(report.differences) - 50} more")
        verb = "found" if check else "corrected"
        self.stdout.write(f"checked {report.checked} rollup rows; {verb} {len(report.differences)} difference(s)")
        if check and report.differences:
            raise CommandError("the rollups differ from the history")
