"""Benchmark: the adaptive engine against random and sequential selection on simulated learners.

    python manage.py simulate_adaptive [--json] [--learners 200] [--seed 2024]
    python manage.py simulate_adaptive --world FILE.json [--json]

Without --world: the pure engine on the real question bank in the database (loading content/ first when it
is empty); the simulated learners are documented in quizzes/simulation.py.
With --world: simulated learners of the world file (documented in quizzes/worlds.py) take quizzes through the
real services on a throwaway database (created, loaded with content/, and dropped), and the engine's calls are
compared with the hidden truth and with counting right answers.
Prints a table, then one JSON line (the last line).
"""

import io
import json
import time
from contextlib import contextmanager

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from quizapp.catalog.models import Question
from quizapp.quizzes import worlds
from quizapp.quizzes.simulation import CHECKPOINTS, POLICIES, BankQuestion, simulate


@contextmanager
def throwaway_database():
    """A new database beside the configured one (Django's test database: in memory on SQLite), migrated
    and loaded with content/, dropped afterwards."""
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        call_command("load_content", stdout=io.StringIO())
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


class Command(BaseCommand):
    help = "Simulate learners taking adaptive, random and sequential quizzes over the real question bank."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print only the final JSON line")
        parser.add_argument("--learners", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--world", metavar="FILE.json", help="run the world in this file (see quizzes/worlds.py)")

    def handle(self, *args, json=False, learners=200, seed=2024, world=None, **options):
        if world:
            return self._world(world, quiet=json)
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

    def _world(self, path, *, quiet):
        try:
            with open(path, encoding="utf-8") as f:
                world = worlds.World.from_json(json.loads(f.read()))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except (ValueError, worlds.WorldError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        started = time.monotonic()

        def progress(done, total):
            if not quiet and (done % 50 == 0 or done == total):
                self.stderr.write(f"  {done}/{total} learners", ending="\r" if done < total else "\n")

        with throwaway_database():
            result = worlds.run(world, progress=progress)
        if world.p_learn > 0:
            with throwaway_database():
                baseline = worlds.run(world, selection="random", progress=progress)
            result["answers_to_mastery_random"] = baseline["answers_to_mastery"]
            if result["answers_to_mastery"] and baseline["answers_to_mastery"]:
                result["answers_to_mastery_vs_random"] = round(
                    result["answers_to_mastery"] / baseline["answers_to_mastery"], 3)
        if not quiet:
            out = self.stdout.write
            out(f"world {path}: {world.model}, {world.warmup_learners} warm-up + {world.learners} measured learners, "
                f"quizzes {list(world.quizzes)}; {time.monotonic() - started:.0f} s")
            out(f"(learner, section) pairs with 3+ answers: {result['sections_scored']}")
            out(f"{'call right':<28}{_fmt(result['call_accuracy'])}  (target >= 0.88 and >= naive + 0.03)")
            out(f"{'naive (share right >= 0.8)':<28}{_fmt(result['naive_accuracy'])}")
            out(f"{'AUC of the estimate':<28}{_fmt(result['auc'])}  (target >= 0.97)")
            out(f"{'demotions after right':<28}{result['demotions_after_right']}  (target 0)")
            out(f"{'answers per known section':<28}{result['answers_per_known_section']}")
            out(f"{'answers per unknown section':<28}{result['answers_per_unknown_section']}")
            if world.p_learn > 0:
                out(f"{'answers to mastery':<28}{result['answers_to_mastery']} adaptive, "
                    f"{result.get('answers_to_mastery_random')} random ({result.get('answers_to_mastery_vs_random')}; "
                    f"target <= 0.6)")
        self.stdout.write(json.dumps(result))

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


def _fmt(value):
    return "n/a" if value is None else f"{value:.3f}"
