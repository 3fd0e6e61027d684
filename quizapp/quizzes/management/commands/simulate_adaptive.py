"""Benchmark: the adaptive engine against random and sequential selection on simulated learners.

    python manage.py simulate_adaptive [--json] [--learners 200] [--seed 2024]

Uses the real question bank in the database (loading content/ first when it is empty). Prints a table, then
one JSON line (the last line). The model of the simulated learners is documented in quizzes/simulation.py.
"""

import json
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from quizapp.catalog.models import Question
from quizapp.quizzes.simulation import CHECKPOINTS, POLICIES, BankQuestion, simulate


class Command(BaseCommand):
    help = "Simulate learners taking adaptive, random and sequential quizzes over the real question bank."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print only the final JSON line")
        parser.add_argument("--learners", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, json=False, learners=200, seed=2024, **options):
        if learners < 1:
            raise CommandError("--learners must be at least 1")
        if not Question.objects.published().exists():
            self.stderr.write("No questions in the database: loading content/ first.")
            call_command("load_content", stdout=self.stderr)
        bank = [BankQuestion(pk, section, difficulty) for pk, section, difficulty in
                Question.objects.published().order_by("section__order", "section_id", "key")
                .values_list("pk", "section_id", "difficulty")]
        if not bank:
            raise CommandError("The question bank is empty; run `python manage.py load_content`.")
        started = time.monotonic()
        try:
            result = simulate(bank, learners=learners, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        details = result.pop("details")
        if not json:
            self._table(result, details, len(bank), time.monotonic() - started)
        self.stdout.write(_dumps(result))

    def _table(self, result, details, n_questions, seconds):
        out = self.stdout.write
        out(f"{details['learners']} simulated learners per policy and experiment; {n_questions} questions; "
            f"{seconds:.1f} s")
        out(f"truly mastered sections in the classification experiment: {details['truly_mastered_share']:.1%}")
        out("")
        out("(1) mastered / not-mastered calls per section that are right, after n answers")
        out(f"{'policy':<12}" + "".join(f"{'n=' + str(c):>10}" for c in CHECKPOINTS))
        for p in POLICIES:
            row = result["classification_accuracy"][p]
            out(f"{p:<12}" + "".join(f"{row[str(c)]:>10.3f}" for c in CHECKPOINTS))
        out("")
        out("(2) answers until every section is truly mastered (learning learners)")
        out(f"{'policy':<12}{'mean':>10}{'median':>10}{'capped':>10}{'vs random':>12}")
        am = result["answers_to_mastery"]
        for p in POLICIES:
            out(f"{p:<12}{am[p]:>10.1f}{details['median_answers_to_mastery'][p]:>10}"
                f"{details['capped'][p]:>10}{am[p] / am['random']:>12.2f}")
        ca = result["classification_accuracy"]
        out("")
        out(f"targets: adaptive/random answers to mastery {am['adaptive'] / am['random']:.2f} (<= 0.60); "
            f"adaptive@20 {ca['adaptive']['20']:.3f} vs random@40 {ca['random']['40']:.3f} (>=)")


def _dumps(result):
    rounded = {
        "classification_accuracy": {p: {k: round(v, 4) for k, v in row.items()}
                                    for p, row in result["classification_accuracy"].items()},
        "answers_to_mastery": result["answers_to_mastery"],
    }
    return json.dumps(rounded)
