"""Refit the adaptive engine's parameters to every recorded answer and recompute every learner's mastery.

    python manage.py calibrate_engine [--json] [--claimed ISO-TIME]

`--claimed`: started by the app (services.calibration_refit_if_due), which claimed the refit at that time;
the command gives the claim back when it is done, whatever happens.

The app does this by itself while the site is small (quizzes/services.py: CALIBRATE_FIRST, CALIBRATE_GROWTH,
CALIBRATE_MAX); past CALIBRATE_MAX answers, schedule this command (cron, a systemd timer) instead.
"""

import argparse
import json
import time

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_datetime

from quizapp.quizzes.services import calibration_refit, refit_release


class Command(BaseCommand):
    help = "Refit the adaptive engine to every recorded answer and recompute every learner's mastery."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON line")
        parser.add_argument("--claimed", type=parse_datetime, help=argparse.SUPPRESS)

    def handle(self, *args, json=False, claimed=None, **options):
        started = time.monotonic()
        try:
            fit = calibration_refit()
        finally:
            if claimed is not None:
                refit_release(claimed)
        result = {"answers": fit.answers, "log_likelihood": None if fit.log_likelihood != fit.log_likelihood
                  else round(fit.log_likelihood, 2), "seconds": round(time.monotonic() - started, 2)}
        if json:
            self.stdout.write(_dumps(result))
        else:
            self.stdout.write(f"fitted to {result['answers']} answers in {result['seconds']} s; "
                              f"every learner's mastery recomputed")


def _dumps(value):
    return json.dumps(value)
