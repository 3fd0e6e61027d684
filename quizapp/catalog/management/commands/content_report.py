import json

from django.core.management.base import BaseCommand, CommandError

from quizapp.catalog.question_types.cues import bounds
from quizapp.catalog import question_types
from quizapp.catalog.reports import content_report


class Command(BaseCommand):
    help = ("Published questions by type and flashcards for every leaf section, and the answer cues of the "
            "choice questions beside their bounds. Fails if a leaf has no question.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        report = content_report()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self._table(report)
        empty = [s["id"] for s in report["sections"] if not s["questions"]]
        if empty:
            raise CommandError(f"{len(empty)} leaf section(s) have no published question: {', '.join(empty)}")

    def _table(self, report):
        types = question_types.names()
        head = f"{'section':22} {'qs':>4} " + " ".join(f"{question_types.get(t).short:>6}" for t in types) + f" {'cards':>6}"
        self.stdout.write(head)
        self.stdout.write("-" * len(head))
        for s in report["sections"]:
            cells = " ".join(f"{s['types'].get(t, 0):>6}" for t in types)
            self.stdout.write(f"{s['id']:22} {s['questions']:>4} {cells} {s['flashcards']:>6}")
        t = report["totals"]
        self.stdout.write("-" * len(head))
        cells = " ".join(f"{t['types'].get(x, 0):>6}" for x in types)
        self.stdout.write(f"{'total':22} {t['questions']:>4} {cells} {t['flashcards']:>6}")
        self.stdout.write("")
        for bound in bounds(report["cues"]):
            allowed = f"{bound.low}-{bound.high}" if bound.low is not None else f"<= {bound.high}"
            mark = "ok" if bound.ok else "OUTSIDE"
            self.stdout.write(f"{bound.name:26} {bound.value!s:>6}  ({allowed})  {mark}")
