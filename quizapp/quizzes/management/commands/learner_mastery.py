"""One learner's mastery in every leaf section, as the engine holds it.

    python manage.py learner_mastery USERNAME [--json]

--json prints one line: {"username": ..., "sections": {"<leaf key>": {"state": "not_started" | "learning" |
"mastered", "estimate": 0.0-1.0, "answers": n}}}, with every leaf section. "estimate" is the probability that
the section is mastered (see quizzes/adaptive.py).
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from quizapp.catalog.models import Section
from quizapp.quizzes import adaptive
from quizapp.quizzes.models import LearnerSkill


class Command(BaseCommand):
    help = "Show one learner's mastery call, estimate and number of answers in every leaf section."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--json", action="store_true", help="print one JSON line")

    def handle(self, *args, username, json=False, **options):
        learner = get_user_model().objects.filter(username=username).first()
        if learner is None:
            raise CommandError(f"no user named {username!r}")
        skills = {key: (state, estimate, answers, right) for key, state, estimate, answers, right in
                  LearnerSkill.objects.filter(learner=learner).values_list(
                      "section__key", "state", "mastery", "answers", "right")}
        sections = {}
        for key, title in Section.objects.leaves().order_by("order", "pk").values_list("key", "title"):
            state, estimate, answers, right = skills.get(key, (adaptive.NOT_STARTED, 0.0, 0, 0))
            sections[key] = {"state": state, "estimate": round(estimate, 4), "answers": answers, "right": right,
                             "title": title}
        if json:
            self.stdout.write(_dumps({"username": learner.username, "sections": {
                key: {k: v for k, v in row.items() if k in ("state", "estimate", "answers")}
                for key, row in sections.items()}}))
            return
        self.stdout.write(f"{learner.username}: {len(sections)} sections")
        for key, row in sections.items():
            self.stdout.write(f"  {key:<28} {row['state']:<12} estimate {row['estimate']:.2f}  "
                              f"{row['right']} of {row['answers']} right")


def _dumps(value):
    return json.dumps(value, ensure_ascii=False)
