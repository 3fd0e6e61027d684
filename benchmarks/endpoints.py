"""Per-request cost of the hot endpoints (`make bench-endpoints`), in one process, with Django's test client.

A freshly migrated SQLite database in a temporary folder with the shipped content loaded, production
settings (DEBUG=0: the cached template loader, no debug toolbar of any kind). A learner with some history
(two quizzes, a few cards) and a teacher with a class of 30 learners who each took a quiz.

Every endpoint is measured as the median CPU time (time.process_time) of `--calls` requests, divided by the
median of the bare view in the same round: a trivial view behind @login_required (the session and user
reads every page pays), added by this script only. Three rounds (`--rounds`); the table shows the median
ratio over the rounds. Queries are counted on one extra request of each endpoint: all of them, and the
duplicated ones (the same SQL with the same parameters twice in one request).

The answer POST's write transaction (BEGIN IMMEDIATE .. COMMIT on SQLite, the time the database's write lock
is held) is timed on every measured answer, wall clock and CPU.

The last line is JSON: {"bare_ms": x, "endpoints": {"answer": {"ratio": x, "queries": n, ...}, ...},
"answer_lock_ms": {...}}.
Usage: python benchmarks/endpoints.py [--calls 50] [--rounds 3] [--only answer,rate]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import types
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load import Page, Unparseable, answer_form  # noqa: E402  (the load bench's page reader, same folder)

CLASS_SIZE = 30


def configure(tmp: Path):
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "testserver", "HTTPS": "0",
        "DATABASE_URL": f"sqlite:///{tmp / 'endpoints.sqlite3'}", "STATIC_MANIFEST": "0", "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "quizapp.settings", "STATIC_ROOT": str(tmp / "static"),
    })
    (tmp / "static").mkdir()
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import clear_url_caches, include, path

    @login_required
    def bare(request):
        """The baseline: what every logged-in page pays before its own work (middleware, session, user)."""
        return HttpResponse("ok", content_type="text/plain")

    urls = types.ModuleType("bench_endpoints_urls")
    urls.urlpatterns = [path("bench/bare/", bare), path("", include("quizapp.urls"))]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    clear_url_caches()


class Failed(Exception):
    pass


def expect(response, *statuses):
    if response.status_code not in statuses:
        raise Failed(f"{response.request['PATH_INFO']}: HTTP {response.status_code}, wanted {statuses}")
    return response


class Scenario:
    """The people and the pages; each endpoint is a `prepare` (untimed) returning the timed request."""

    def __init__(self, rng: random.Random):
        from django.contrib.auth.models import Group
        from django.core.management import call_command
        from django.test import Client

        from quizapp.accounts.models import User
        from quizapp.accounts.roles import TEACHERS_GROUP
        from quizapp.catalog.models import Section
        from quizapp.classes.services import classroom_create, classroom_join

        self.rng = rng
        call_command("migrate", verbosity=0, interactive=False)
        with open(os.devnull, "w") as quiet:
            call_command("load_content", stdout=quiet)
        self.leaves = list(Section.objects.leaves().values_list("key", flat=True))
        self.learner = User.objects.create_user("bench-learner", password="x")
        self.client = Client()
        self.client.force_login(self.learner)
        teacher = User.objects.create_user("bench-teacher", password="x")
        teacher.groups.add(Group.objects.get_or_create(name=TEACHERS_GROUP)[0])
        self.classroom = classroom_create(teacher=teacher, name="Bench class")
        self.teacher = Client()
        self.teacher.force_login(teacher)
        for i in range(CLASS_SIZE):
            member = User.objects.create_user(f"bench-member{i:02d}", password="x")
            classroom_join(learner=member, code=self.classroom.join_code)
            c = Client()
            c.force_login(member)
            self._quiz(c, length=5, kind="section", section=rng.choice(self.leaves))
        # The measured learner's history: two quizzes (misses put cards first in line) and a few cards.
        self._quiz(self.client, length=10)
        self._quiz(self.client, length=10)
        for _ in range(8):
            self._rate(self.client)
        self.attempt_path = ""
        self.section_key = self.leaves[0]

    # --- steps ------------------------------------------------------------------------------------

    def _start(self, client, *, length, kind="mixed", section=None) -> str:
        data = {"kind": kind, "length": length, "start_key": secrets.token_hex(16)}
        if section:
            data["sections"] = section
        r = expect(client.post("/quiz/", data), 302)
        return r["Location"]

    def _answer_data(self, client, path) -> dict | None:
        r = expect(client.get(path, headers={"HX-Request": "true"}), 200, 302)
        if r.status_code == 302:
            return None
        return answer_form(r.content.decode(), self.rng)

    def _quiz(self, client, *, length, **start):
        path = self._start(client, length=length, **start)
        while (data := self._answer_data(client, path)) is not None:
            expect(client.post(path + "answer/", data, headers={"HX-Request": "true"}), 200)

    def _rate_form(self, client):
        page = expect(client.get("/cards/review/"), 200).content.decode()
        reveal = Page(page).link(**{"data-testid": "reveal"})
        if reveal is None:
            raise Failed("no card to review")
        back = expect(client.get(reveal["href"], headers={"HX-Request": "true"}), 200).content.decode()
        form = Page(back).form("answers")
        return form.attrs["action"], {**form.hidden, "rating": 3}

    def _rate(self, client):
        action, data = self._rate_form(client)
        return expect(client.post(action, data, headers={"HX-Request": "true"}), 200)

    def _open_quiz(self) -> str:
        if not self.attempt_path or self._answer_data(self.client, self.attempt_path) is None:
            self.attempt_path = self._start(self.client, length=30)
        return self.attempt_path

    # --- the endpoints: each returns (client, method, path, data, htmx, statuses) -----------------

    def bare(self):
        return self.client, "get", "/bench/bare/", None, False, (200,)

    def answer(self):
        path = self._open_quiz()
        return self.client, "post", path + "answer/", self._answer_data(self.client, path), True, (200,)

    def question(self):
        return self.client, "get", self._open_quiz(), None, True, (200,)

    def question_full(self):
        return self.client, "get", self._open_quiz(), None, False, (200,)

    def start(self):
        data = {"kind": "mixed", "length": 10, "start_key": secrets.token_hex(16)}
        self.attempt_path = ""  # it abandons the open quiz
        return self.client, "post", "/quiz/", data, False, (302,)

    def rate(self):
        action, data = self._rate_form(self.client)
        return self.client, "post", action, data, True, (200,)

    def undo(self):
        page = self._rate(self.client).content.decode()
        form = Page(page).form("undo")
        return self.client, "post", form.attrs["action"], form.hidden, True, (200,)

    def reveal(self):
        page = expect(self.client.get("/cards/review/"), 200).content.decode()
        reveal = Page(page).link(**{"data-testid": "reveal"})
        return self.client, "get", reveal["href"], None, True, (200,)

    def review(self):
        return self.client, "get", "/cards/review/", None, False, (200,)

    def home(self):
        return self.client, "get", "/", None, False, (200,)

    def decks(self):
        return self.client, "get", "/cards/", None, False, (200,)

    def progress(self):
        return self.client, "get", "/progress/", None, False, (200,)

    def section(self):
        return self.client, "get", f"/sections/{self.section_key}/", None, False, (200,)

    def class_grid(self):
        return self.teacher, "get", f"/classes/{self.classroom.pk}/", None, False, (200,)

    def item_stats(self):
        return self.teacher, "get", f"/classes/{self.classroom.pk}/items/", None, False, (200,)

    def after(self, name, response):
        """Undo the measured rating (untimed): the queue is the same for the next call."""
        if name == "rate":
            form = Page(response.content.decode()).form("undo")
            expect(self.client.post(form.attrs["action"], form.hidden, headers={"HX-Request": "true"}), 200)


ENDPOINTS = ["answer", "rate", "undo", "reveal", "review", "question", "question_full", "start", "home", "decks",
             "progress", "section", "class_grid", "item_stats"]


class LockClock:
    """Times each write transaction (BEGIN .. COMMIT/ROLLBACK on the default connection) while `on`."""

    def __init__(self):
        from django.db import connection

        self.on = False
        self.spans: list[tuple[float, float]] = []  # (wall ms, cpu ms)
        self._began = None
        connection.execute_wrappers.append(self._wrapper)
        for name in ("commit", "rollback"):
            original = getattr(connection, name)
            setattr(connection, name, self._ending(original))

    def _wrapper(self, execute, sql, params, many, context):
        if self.on and sql.startswith("BEGIN"):
            self._began = (time.perf_counter(), time.process_time())
        return execute(sql, params, many, context)

    def _ending(self, original):
        def end(*args, **kwargs):
            result = original(*args, **kwargs)
            if self._began is not None:
                wall, cpu = self._began
                self.spans.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
                self._began = None
            return result
        return end


def call(scenario: Scenario, name: str):
    client, method, path, data, htmx, statuses = getattr(scenario, name)()
    headers = {"HX-Request": "true"} if htmx else {}
    start = time.process_time()
    response = getattr(client, method)(path, data, headers=headers) if data is not None else \
        getattr(client, method)(path, headers=headers)
    cpu = time.process_time() - start
    expect(response, *statuses)
    scenario.after(name, response)
    return cpu, response


def queries_of(scenario: Scenario, name: str) -> tuple[int, int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, method, path, data, htmx, statuses = getattr(scenario, name)()
    headers = {"HX-Request": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, data, headers=headers) if data is not None else \
            getattr(client, method)(path, headers=headers)
    sqls = [q["sql"] for q in captured.captured_queries]  # before any other request clears the log
    expect(response, *statuses)
    scenario.after(name, response)
    counts = Counter(sqls)
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    return len(sqls), duplicated, sqls


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50, help="timed requests per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated endpoints (default: all)")
    parser.add_argument("--show-queries", default="", help="print the SQL of these endpoints")
    parser.add_argument("--seed", default="endpoints")
    parser.add_argument("--profile", default="", help="profile this endpoint's calls with pyinstrument "
                        "(pip install pyinstrument) and print where the time goes, instead of the table")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or ENDPOINTS
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-endpoints-"))
    try:
        configure(tmp)
        t0 = time.monotonic()
        scenario = Scenario(random.Random(args.seed))
        print(f"setup {time.monotonic() - t0:.1f} s; {args.rounds} rounds of {args.calls} calls per endpoint; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", file=sys.stderr)
        if args.profile:
            from pyinstrument import Profiler

            for _ in range(3):
                call(scenario, args.profile)
            profiler = Profiler(interval=0.0005)
            for _ in range(args.calls):
                client, method, path, data, htmx, statuses = getattr(scenario, args.profile)()
                headers = {"HX-Request": "true"} if htmx else {}
                profiler.start()
                response = getattr(client, method)(path, data, headers=headers) if data is not None else \
                    getattr(client, method)(path, headers=headers)
                profiler.stop()
                expect(response, *statuses)
                scenario.after(args.profile, response)
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            return
        clock = LockClock()
        for name in ["bare", *names]:  # warm-up: every code path, template and translation loaded once
            for _ in range(3):
                call(scenario, name)
        ratios = {n: [] for n in names}
        medians = {n: [] for n in names}
        bares = []
        for r in range(args.rounds):
            bare = statistics.median(call(scenario, "bare")[0] for _ in range(args.calls))
            for name in names:
                clock.on = name == "answer"
                median = statistics.median(call(scenario, name)[0] for _ in range(args.calls))
                clock.on = False
                medians[name].append(median)
            bare = (bare + statistics.median(call(scenario, "bare")[0] for _ in range(args.calls))) / 2
            bares.append(bare)
            for name in names:
                ratios[name].append(medians[name][-1] / bare)
            print(f"round {r + 1}: bare {bare * 1000:.2f} ms", file=sys.stderr)
        result = {"bare_ms": round(statistics.median(bares) * 1000, 3), "endpoints": {}}
        bare_q, bare_dup, _ = queries_of(scenario, "bare")
        print(f"\n{'endpoint':<14} {'x bare':>7} {'ms':>7} {'queries':>8} {'dup':>4}   (ratios per round)")
        print(f"{'bare':<14} {1:>7.1f} {result['bare_ms']:>7.2f} {bare_q:>8} {bare_dup:>4}")
        for name in names:
            queries, duplicated, sqls = queries_of(scenario, name)
            ratio = statistics.median(ratios[name])
            ms = statistics.median(medians[name]) * 1000
            result["endpoints"][name] = {"ratio": round(ratio, 2), "queries": queries, "duplicated": duplicated,
                                         "ms": round(ms, 2)}
            print(f"{name:<14} {ratio:>7.1f} {ms:>7.2f} {queries:>8} {duplicated:>4}   "
                  + " ".join(f"{x:.1f}" for x in ratios[name]))
            if name in args.show_queries.split(","):
                for sql in sqls:
                    print(f"    {sql[:300]}")
        if clock.spans:
            walls = sorted(w for w, _c in clock.spans)
            cpus = sorted(c for _w, c in clock.spans)
            result["answer_lock_ms"] = {
                "transactions": len(walls),
                "wall_median": round(statistics.median(walls), 2),
                "wall_p95": round(walls[int(0.95 * (len(walls) - 1))], 2),
                "cpu_median": round(statistics.median(cpus), 2),
            }
            print(f"\nanswer write transaction (SQLite write lock held): {result['answer_lock_ms']}")
        print(f"load average {os.getloadavg()[0]:.2f} at the end", file=sys.stderr)
        print(json.dumps(result))
    except (Failed, Unparseable) as exc:
        sys.exit(f"bench-endpoints: {exc}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
