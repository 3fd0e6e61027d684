"""Benchmark: do the class and learner dashboards stay as fast as the history grows?

For each size (10k, 100k, 1M events by default) it generates a class of 1,000 learners with that much
history, quiz answers and flashcard reviews half and half, and brings the rollups in step with
`rebuild_progress`. Then it renders each class's dashboard (first page, as its teacher) and one of its
learners' dashboards through Django's full request path, and reports the median time and the SQL queries.

The six pages take turns, in a new random order each round, so a slow spell of a shared machine lands on
every size alike instead of on whichever size was being measured. So every size is timed in a database that
holds all of them (1.11M events by default). Each class is therefore also timed right after it is built,
with only the smaller classes beside it, and that figure is printed beside the final one: a dashboard that
slowed down as the whole database grew, not only its class, would show there.

Everything happens inside one transaction that is rolled back at the end: the database is left as it was.
Prints a table, then one JSON line (the round-robin medians):
{"class_dashboard_ms": {"10000": x, "100000": x, "1000000": x}, "learner_dashboard_ms": {...},
 "queries": {"class": n, "learner": n}}
"""

import gc
import json
import random
from contextlib import contextmanager
import statistics
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizapp.accounts.models import User
from quizapp.accounts.roles import teacher_role_grant
from quizapp.cards.models import CardState, Phase, Review
from quizapp.catalog.models import Flashcard, Question
from quizapp.classes.models import Classroom, Membership
from quizapp.progress.rebuild import progress_rebuild
from quizapp.quizzes.models import Attempt, AttemptItem, LearnerSkill, Response

SIZES = (10_000, 100_000, 1_000_000)
LEARNERS = 1000
CARDS_PER_LEARNER = 60
ATTEMPT_LENGTH = 30
HISTORY_DAYS = 180
BATCH = 5000


class Rollback(Exception):
    pass


@contextmanager
def _backdating(model, name):
    """Let bulk_create keep the history's own times in an auto_now_add field."""
    field = model._meta.get_field(name)
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


class Command(BaseCommand):
    help = "Time the class and learner dashboards at 10k, 100k and 1M events of history (rolled back after)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print only the final JSON line")
        parser.add_argument("--runs", type=int, default=11, help="rounds of renders; the median is reported")
        parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated event counts")
        parser.add_argument("--seed", type=int, default=20261128)

    def handle(self, *args, **options):
        if not Question.objects.published().exists() or not Flashcard.objects.published().exists():
            raise CommandError("Load the question banks first: python manage.py load_content")
        self.quiet = options["json"]
        self.verbosity = options["verbosity"]
        self.rng = random.Random(options["seed"])
        sizes = [int(s) for s in options["sizes"].split(",")]
        result = {"class_dashboard_ms": {}, "learner_dashboard_ms": {}, "queries": {}}
        try:
            with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"]), self._no_spill():
                self._run(sizes, options["runs"], result)
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(json.dumps(result))

    @contextmanager
    def _no_spill(self):
        """On SQLite, keep the benchmark's own uncommitted history in memory. Once the page cache is full of it,
        SQLite writes dirty pages out mid-transaction to make room, and those writes would land in the timed
        renders; a server reads committed pages, which it can drop for free."""
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_spill")
            (before,) = cursor.fetchone()
            cursor.execute("PRAGMA cache_spill = OFF")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_spill = {int(before)}")

    def say(self, text):
        if not self.quiet:
            self.stdout.write(text)

    # --- the run ---------------------------------------------------------------------------------

    def _run(self, sizes, runs, result):
        started = time.perf_counter()
        self.questions = list(Question.objects.published().values_list("pk", "section_id", "type"))
        self.by_pk = {q[0]: q for q in self.questions}
        self.cards = {}
        built = []  # (size, (class page, learner page), setup seconds, [class ms, learner ms] when built)
        for size in sizes:
            t0 = time.perf_counter()
            teacher, learners, classroom = self._people(size)
            self.cards.update(self._card_states(learners))
            self._grow(learners, size)
            progress_rebuild(fix=True)
            setup = time.perf_counter() - t0
            pages = (self._page(teacher, classroom.get_absolute_url()),
                     self._page(learners[len(learners) // 2], "/progress/"))
            first = [statistics.median(self._time(page, max(3, runs // 2))[0]) for page in pages]
            built.append((size, pages, setup, first))
            self.say(f"built {size} events in {setup:.0f} s; class {first[0]:.1f} ms, learner {first[1]:.1f} ms")

        # dashboard: 0 is the class dashboard, 1 a learner's (the order of `pages` above)
        turns = [(size, dashboard, page) for size, pages, *_ in built for dashboard, page in enumerate(pages)]
        for _, _, (client, url) in turns:
            client.get(url)  # untimed: a session older than its renewal age is saved here, not in a round
        timings = {(size, dashboard): [] for size, dashboard, _ in turns}
        queries = {(size, dashboard): set() for size, dashboard, _ in turns}
        for _ in range(runs):
            self.rng.shuffle(turns)  # no size always follows the same page
            for size, dashboard, page in turns:
                times, count = self._time(page, 1)
                timings[size, dashboard] += times
                queries[size, dashboard].add(count)

        self.say(f"{'events':>10} {'class ms':>10} {'learner ms':>11} {'class q':>8} {'learner q':>10} "
                 f"{'setup s':>8}  {'when built: class, learner ms':>30}")
        for size, pages, setup, first in built:
            class_ms, learner_ms = (statistics.median(timings[size, dashboard]) for dashboard in (0, 1))
            class_q, learner_q = (max(queries[size, dashboard]) for dashboard in (0, 1))
            result["class_dashboard_ms"][str(size)] = round(class_ms, 1)
            result["learner_dashboard_ms"][str(size)] = round(learner_ms, 1)
            self.say(f"{size:>10} {class_ms:>10.1f} {learner_ms:>11.1f} {class_q:>8} {learner_q:>10} "
                     f"{setup:>8.1f}  {first[0]:>20.1f}, {first[1]:.1f}")
        # One number when the count is the same at every size (the target), else the largest seen.
        by_dashboard = [{n for (size, d), counts in queries.items() if d == dashboard for n in counts}
                        for dashboard in (0, 1)]
        result["queries"] = {"class": max(by_dashboard[0]), "learner": max(by_dashboard[1])}
        if any(len(counts) > 1 for counts in by_dashboard):
            self.say("query counts differ: " + ", ".join(
                f"{size} {('class', 'learner')[dashboard]} {sorted(counts)}"
                for (size, dashboard), counts in queries.items()))
        self.say(f"total {time.perf_counter() - started:.0f} s; ratios largest/smallest size: class "
                 f"{self._ratio(result['class_dashboard_ms'])}, learner {self._ratio(result['learner_dashboard_ms'])}")

    @staticmethod
    def _ratio(times):
        values = list(times.values())
        return f"{values[-1] / values[0]:.2f}" if len(values) > 1 and values[0] else "-"

    @staticmethod
    def _page(user, url):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 200  # warm-up (also renews the session once)
        return client, url

    def _time(self, page, runs):
        """`runs` timed renders of a page: (times in ms, most queries seen)."""
        client, url = page
        timings, counts = [], set()
        # Generating the history leaves this process holding many objects that no server would hold; a
        # full collection scanning them would land in some render. Collect, then exempt what is left.
        gc.collect()
        gc.freeze()
        for _ in range(runs):
            gc.collect()
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
            counts.add(len(ctx.captured_queries))
        gc.unfreeze()
        if self.verbosity > 2:
            for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:4]:
                self.say(f"    {url} {q['time']}s {q['sql'][:300]}")
        return timings, max(counts)

    # --- generating a history ----------------------------------------------------------------------

    def _people(self, size):
        password = make_password(None)
        tag = f"bench{self.rng.randrange(10**6)}x{size}"
        teacher = User.objects.create(username=f"{tag}-teacher", password=password)
        teacher_role_grant(teacher)
        learners = User.objects.bulk_create(
            [User(username=f"{tag}-{i:04d}", password=password) for i in range(LEARNERS)], batch_size=BATCH)
        learners = list(User.objects.filter(username__startswith=f"{tag}-").exclude(pk=teacher.pk).order_by("pk"))
        classroom = Classroom.objects.create(teacher=teacher, name=f"bench {size}")
        Membership.objects.bulk_create([Membership(classroom=classroom, learner=u) for u in learners], batch_size=BATCH)
        return teacher, learners, classroom

    def _card_states(self, learners):
        flashcards = list(Flashcard.objects.published().values_list("pk", flat=True))
        now = timezone.now()
        rows = []
        for learner in learners:
            for fid in self.rng.sample(flashcards, min(CARDS_PER_LEARNER, len(flashcards))):
                rows.append(CardState(
                    learner=learner, flashcard_id=fid, state=Phase.REVIEW, step=None,
                    stability=self.rng.uniform(1, 60), difficulty=self.rng.uniform(2, 8),
                    due=now + timedelta(days=self.rng.uniform(-3, 40)), last_review=now - timedelta(days=2), reps=3,
                ))
        CardState.objects.bulk_create(rows, batch_size=BATCH)
        by_learner = {}
        for pk, learner_id in CardState.objects.filter(learner__in=learners).values_list("pk", "learner_id"):
            by_learner.setdefault(learner_id, []).append(pk)
        return by_learner

    def _grow(self, learners, events):
        """Add `events` history rows: half quiz answers (in 30-question attempts), half reviews."""
        now = timezone.now()
        answers, reviews = events // 2, events - events // 2
        per_attempt = min(ATTEMPT_LENGTH, len(self.questions))  # a quiz asks each question once
        attempts_needed = -(-answers // per_attempt)
        attempts = Attempt.objects.bulk_create([
            Attempt(learner=self.rng.choice(learners), kind="mixed", seed=1, length=per_attempt, status="finished",
                    answered=per_attempt, pool=[])
            for _ in range(attempts_needed)
        ], batch_size=BATCH)
        attempts = list(Attempt.objects.order_by("-pk")[:attempts_needed])
        skills = {}
        left = answers
        for attempt in attempts:
            n = min(per_attempt, left)
            left -= n
            when = now - timedelta(days=self.rng.uniform(0, HISTORY_DAYS))
            items = AttemptItem.objects.bulk_create([
                AttemptItem(attempt=attempt, position=i + 1, question_id=q[0], question_version=1, shown={"type": q[2]})
                for i, q in enumerate(self.rng.sample(self.questions, n))
            ])
            responses = []
            for item in items:
                qid, section_id, qtype = self.by_pk[item.question_id]
                right = self.rng.random() < 0.7
                responses.append(Response(
                    learner_id=attempt.learner_id, attempt=attempt, item=item, question_id=qid, section_id=section_id,
                    question_version=1, asked={"type": qtype}, given=0, correct=right, score=float(right),
                    seconds=self.rng.randint(5, 90), first_try=False, answered_at=when,
                ))
                key = (attempt.learner_id, section_id)
                skills[key] = skills.get(key, 0) + 1
            with _backdating(Response, "answered_at"):
                Response.objects.bulk_create(responses, batch_size=BATCH)
        self._skills(skills)
        rows = []
        for _ in range(reviews):
            learner = self.rng.choice(learners)
            card_id = self.rng.choice(self.cards[learner.pk])
            rating = self.rng.choice((1, 3, 3, 3, 4))
            rows.append(Review(
                learner=learner, card_id=card_id, rating=rating, duration_ms=self.rng.randint(2000, 20000),
                reviewed_at=now - timedelta(days=self.rng.uniform(0, HISTORY_DAYS)), state_before=Phase.REVIEW,
                before={}, after={},
            ))
            if len(rows) >= BATCH:
                Review.objects.bulk_create(rows)
                rows = []
        Review.objects.bulk_create(rows)

    def _skills(self, answered):
        """The quiz engine's per-section beliefs, as if it had seen these answers."""
        existing = {(s.learner_id, s.section_id): s for s in LearnerSkill.objects.filter(
            learner_id__in={k[0] for k in answered})}
        new, changed = [], []
        for (learner_id, section_id), n in answered.items():
            mastery = min(0.95, 0.3 + 0.05 * n + self.rng.uniform(-0.1, 0.1))
            state = "mastered" if mastery >= 0.85 and n >= 4 else "learning"
            skill = existing.get((learner_id, section_id))
            if skill is None:
                new.append(LearnerSkill(learner_id=learner_id, section_id=section_id, answers=n, mastery=mastery,
                                        state=state))
            else:
                skill.answers += n
                skill.mastery, skill.state = mastery, state
                changed.append(skill)
        LearnerSkill.objects.bulk_create(new, batch_size=BATCH)
        LearnerSkill.objects.bulk_update(changed, ["answers", "mastery", "state"], batch_size=BATCH)
