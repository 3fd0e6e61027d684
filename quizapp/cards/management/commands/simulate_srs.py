"""Benchmark: FSRS against fixed intervals and Anki's SM-2 on simulated learners.

The model and its assumptions are in quizapp/cards/simulation.py."""

import json
import time

from django.core.management.base import BaseCommand

from quizapp.cards import simulation
from quizapp.catalog.models import Flashcard


class Command(BaseCommand):
    help = ("Simulated learners review the real flashcard bank for 180 days under FSRS (desired retention "
            "0.9), fixed intervals and SM-2; prints a table, then one JSON line.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="json_only", help="print only the JSON line")
        parser.add_argument("--learners", type=int, default=20)
        parser.add_argument("--days", type=int, default=180)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--cards", type=int, default=0,
                            help="number of cards (default: the published flashcards in the database)")

    def handle(self, *args, json_only: bool = False, learners: int, days: int, seed: int, cards: int,
               **options):
        n_cards = cards or Flashcard.objects.published().count()
        source = "given" if cards else "published flashcards"
        if n_cards == 0:
            n_cards, source = 200, "no flashcards loaded: 200 stand-in cards"
        started = time.perf_counter()
        results = {name: simulation.simulate(name, n_cards, learners=learners, days=days, seed=seed)
                   for name in ("fsrs", "fixed", "sm2")}
        elapsed = time.perf_counter() - started
        summary = {name: r.summary() for name, r in results.items()}
        if not json_only:
            out = self.stdout.write
            out(f"{learners} simulated learners x {n_cards} cards ({source}), {days} days, seed {seed}, "
                f"{elapsed:.1f} s")
            out(f"{'scheduler':<10}{'reviews/card':>14}{'recall':>10}{f'retention@{days}':>17}"
                f"{'retention/review':>18}{'busiest day':>13}")
            for name, r in results.items():
                s = summary[name]
                out(f"{name:<10}{s['reviews_per_card']:>14.2f}{s['recall']:>10.3f}"
                    f"{s['retention_day_180']:>17.3f}"
                    f"{s['retention_day_180'] / s['reviews_per_card']:>18.4f}{r.busiest_day:>13}")
        self.stdout.write(_json_line(summary))


def _json_line(summary) -> str:
    return json.dumps(summary, separators=(", ", ": "))
