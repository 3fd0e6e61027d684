"""Load benchmark (`make bench`): quizapp under gunicorn on SQLite, then on PostgreSQL with two app servers.

What it does, in order:

1. SQLite: a fresh database file in a temporary folder, `migrate`, `load_content`, the learners (one password
   hash for all, bulk-created), `collectstatic` into a temporary STATIC_ROOT; gunicorn with 2 x cores + 1
   workers on 127.0.0.1 with production settings (DEBUG=0, HTTPS=0 because there is no TLS here).
2. The bare view (`/healthz`: no database, returns "ok") hammered by the same thread pool, for the baseline.
3. 20, 50 and 100 concurrent learners, fresh ones at each level, for `--duration` seconds each. Every
   simulated learner logs in (before the measured window opens), then loops: a quiz (start it, GET the
   question, POST an answer picked from the form, GET the next ... until the summary), then a few flashcard
   reviews (review, reveal, rate). No think time by default: each learner sends its next request as soon as
   the previous one is answered, so a level is a closed loop of N requests in flight that saturates the
   servers (`--think SECONDS` adds an exponentially distributed pause before each click).
4. After each level, the database is checked: every answer and review that got a 2xx is recorded exactly
   once, nothing else is recorded, and the rollups, attempts and cards equal a recomputation from history.
5. The same on PostgreSQL (a fresh `BENCH_DATABASE_URL` database) with two gunicorn instances on two ports,
   learners spread over both. Then a fault run (50 learners): halfway through, one instance (master and
   workers) is SIGKILLed; its learners fail over to the other one, as behind a reverse proxy; everything
   that got a 2xx must be in the database, and what was in flight either committed fully or not at all.

"Answer throughput" is the answer endpoint's (POST /quiz/<id>/answer/) completed requests per second during
the mixed run, where it competes with everything else a learner does; ratio_to_bare divides it by the bare
view's requests per second on the same servers, hammered by the same client (`--bare-concurrency` threads).

A page the script cannot read (its forms changed under it) is not a server error: the learner stops, the
page is counted as "unparseable" in the table and the JSON, and the run exits non-zero.

Prints a table per configuration, then one JSON line (see README.md, "Production").
Usage: python benchmarks/load.py [--duration 60] [--levels 20,50,100] [--skip-postgres] [--no-fault]
                                 [--think 0] [--worker-class sync] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"
PASSWORD = "bench-" + "correct horse battery staple"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/quizapp_bench"
FORBIDDEN_DATABASES = {"quizapp_ci", "test_quizapp_ci", "postgres", "template0", "template1"}
ANSWER = "answer"
LOGIN = ("login_page", "login")
HTTP_TIMEOUT = 30
MAX_REQUESTS_PER_LEVEL = 500_000  # a bound on count as well as on time
REVIEWS_PER_ROUND = 5
QUIZ_LENGTH = 10
RATING_WEIGHTS = {1: 15, 2: 15, 3: 55, 4: 15}
ENDPOINTS = [
    "login_page",
    "login",
    "start_page",
    "start",
    "question",
    ANSWER,
    "summary",
    "review",
    "reveal",
    "rate",
]


# --- the servers -----------------------------------------------------------------------------------


def server_env(database_url: str, static_root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "AXES_"))}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
            "ALLOWED_HOSTS": HOST,
            "HTTPS": "0",  # no TLS on 127.0.0.1: no SSL redirect, no secure-only cookies
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(static_root),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def manage(env: dict, *args: str) -> str:
    p = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def django_task(env: dict, task: str, payload: dict) -> dict:
    """Run a task of this script inside Django (a separate process, with the servers' settings)."""
    p = subprocess.run(
        [PYTHON, __file__, "--django-task", task],
        cwd=ROOT,
        env=env,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
    )
    if p.returncode:
        sys.exit(f"{task} failed:\n{p.stdout}\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn instance: `2 x cores + 1` workers of the chosen class."""

    def __init__(self, env: dict, log_dir: Path, workers: int, worker_class: str, threads: int):
        self.port = free_port()
        self.log = log_dir / f"gunicorn-{self.port}.log"
        cmd = [
            GUNICORN,
            "quizapp.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--error-logfile",
            str(self.log),
        ]
        if worker_class == "gthread":
            cmd += ["--threads", str(threads), "--keep-alive", "5"]
        with open(self.log, "ab") as log:  # Django's own log (500s and their tracebacks) goes to stderr
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
            )
        self.killed_at: float | None = None
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log}:\n"
                    f"{self.log.read_text()[-3000:]}"
                )
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    c.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit(f"gunicorn on port {self.port} did not answer /healthz within 60 s; see {self.log}")

    def workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:  # the parent pid
                pids.append(int(stat.parent.name))
        return pids

    def kill(self):
        """SIGKILL the master first (so it cannot respawn anything), then each of its workers."""
        workers = self.workers()
        self.killed_at = time.monotonic()
        os.kill(self.proc.pid, signal.SIGKILL)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --- recording -----------------------------------------------------------------------------------


@dataclass
class Sample:
    endpoint: str
    start: float
    end: float
    status: int  # 0: no HTTP response (connection refused or reset, timeout)
    ok: bool
    server: int


@dataclass
class Ledger:
    """What one learner did, merged after the run (no locks on the hot path)."""

    samples: list = field(default_factory=list)
    answers_ok: list = field(default_factory=list)  # (attempt, position) that got a 2xx
    answers_unknown: list = field(default_factory=list)  # sent, but no response came back
    reviews_ok: list = field(default_factory=list)  # (card, reps before)
    reviews_unknown: list = field(default_factory=list)
    unparseable: list = field(default_factory=list)  # why a page could not be read (the learner stopped)


class Failed(Exception):
    """A request that did not get the expected answer; the learner starts its activity over."""


class NoResponse(Failed):
    pass


class Stopped(Failed):
    pass


class Browser:
    """One learner's browser: a cookie jar and a connection to its app server."""

    def __init__(
        self,
        servers: list[Server],
        index: int,
        ledger: Ledger,
        think: float = 0.0,
        rng: random.Random | None = None,
    ):
        self.servers = servers
        self.server = index % len(servers)
        self.ledger = ledger
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.think = think  # mean seconds a learner reads and thinks before each click (0: none)
        self.rng = rng or random.Random(index)
        self.stop_at = math.inf

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.servers[self.server].port, timeout=HTTP_TIMEOUT)
        return self.conn

    def failover(self):
        """Behind a reverse proxy a dead upstream is skipped; sessions live in the database."""
        alive = [i for i, s in enumerate(self.servers) if s.killed_at is None]
        if alive and self.server not in alive:
            self.server = alive[0]
            self.close()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, endpoint, method, path, data=None, *, htmx=False, expect=(200,)):
        if self.think and endpoint not in LOGIN:
            time.sleep(max(0.0, min(self.rng.expovariate(1 / self.think), self.stop_at - time.monotonic())))
            if time.monotonic() >= self.stop_at:
                raise Stopped  # still thinking when the time is up: the click never happens
        headers = {"Host": HOST, "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        server = self.server
        start = time.monotonic()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                # A kept-alive connection the server closed meanwhile: a browser sends a GET again at once.
                stale = isinstance(
                    exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                )
                if attempt == 1 and reused and stale and method == "GET":
                    continue
                self.ledger.samples.append(Sample(endpoint, start, time.monotonic(), 0, False, server))
                raise NoResponse(f"{endpoint}: {type(exc).__name__}") from exc
        end = time.monotonic()
        if response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or not value.strip('"'):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        ok = response.status in expect
        self.ledger.samples.append(Sample(endpoint, start, end, response.status, ok, server))
        if not ok:
            raise Failed(f"{endpoint}: HTTP {response.status}")
        return response.status, response.getheader("Location", ""), text


# --- reading the pages ---------------------------------------------------------------------------
# A small HTML parser, not regular expressions: attribute order, extra attributes (lang="zh-Hans" on an
# <option>) and quoting do not change what a browser sends, so they must not change what this script sends.

FILL_WORDS = ["GPU", "Transformer", "注意力", "token", "梯度", "embedding", "不知道", "RLHF"]
NUMBERS = ["0", "1", "2", "3.5", "10", "100", "2017", "175"]


class Unparseable(Exception):
    """A page this script cannot read (the markup changed under it): a bug of the benchmark or of the page,
    never a server error. Counted apart; the run exits non-zero."""


@dataclass
class Form:
    attrs: dict
    hidden: dict = field(default_factory=dict)  # name -> value of <input type="hidden">
    choices: dict = field(default_factory=dict)  # name -> values of radio/checkbox inputs and submit buttons
    texts: list = field(default_factory=list)  # names of text inputs and textareas
    selects: dict = field(default_factory=dict)  # name -> option values (the empty placeholder left out)


class Page(HTMLParser):
    """The forms and links of a page (or an htmx fragment)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[dict] = []  # the attributes of every <a href>
        self._form: Form | None = None
        self._select: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
        elif tag == "a" and "href" in a:
            self.links.append(a)
        if self._form is None or "name" not in a:
            if tag == "option" and self._form is not None and self._select and a.get("value"):
                self._form.selects[self._select].append(a["value"])
            return
        name, kind = a["name"], a.get("type", "text" if tag == "input" else "submit").lower()
        if tag == "input" and kind == "hidden":
            self._form.hidden[name] = a.get("value", "")
        elif tag == "input" and kind in ("radio", "checkbox") or tag == "button" and kind == "submit":
            self._form.choices.setdefault(name, []).append(a.get("value", ""))
        elif tag == "input" and kind in ("text", "number", "search") or tag == "textarea":
            self._form.texts.append(name)
        elif tag == "select":
            self._select = name
            self._form.selects[name] = []

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def form(self, css_class: str) -> Form:
        for f in self.forms:
            if css_class in f.attrs.get("class", "").split():
                return f
        raise Unparseable(f"no <form class=\"{css_class}\">")

    def link(self, **wanted) -> dict | None:
        for a in self.links:
            if all(a.get(k) == v for k, v in wanted.items()):
                return a
        return None


def csrf(page: str) -> str:
    for f in Page(page).forms:
        if f.hidden.get("csrfmiddlewaretoken"):
            return f.hidden["csrfmiddlewaretoken"]
    raise Unparseable("no CSRF token on the page")


def answer_form(page: str, rng: random.Random) -> dict:
    """The answer POST for the question on `page`: the form's hidden fields and a random answer."""
    form = Page(page).form("question-form")
    data = dict(form.hidden)
    if not data.get("csrfmiddlewaretoken") or "position" not in data or "question" not in data:
        raise Unparseable("the question form lacks its CSRF token, position or question")
    type_name = form.attrs.get("data-type", "")
    options = form.choices.get("choice", [])
    if type_name in ("single", "truefalse", "multiple") and not options:
        raise Unparseable(f"a {type_name} question without options")
    if type_name in ("single", "truefalse"):
        data["choice"] = rng.choice(options)
    elif type_name == "multiple":
        data["choice"] = rng.sample(options, rng.randint(1, len(options)))
    elif type_name == "fill" and "text" in form.texts:
        data["text"] = rng.choice(FILL_WORDS)
    elif type_name == "numerical" and "number" in form.texts:
        data["number"] = rng.choice(NUMBERS)
    elif type_name == "ordering" and form.selects:
        places = list(range(1, len(form.selects) + 1))
        rng.shuffle(places)
        data.update({name: str(p) for name, p in zip(form.selects, places)})
    elif type_name == "matching" and form.selects and all(form.selects.values()):
        rights = list(dict.fromkeys(v for values in form.selects.values() for v in values))
        rng.shuffle(rights)
        data.update({name: rights[i % len(rights)] for i, name in enumerate(form.selects)})
    else:
        raise Unparseable(f"cannot answer a question of type {type_name!r} from its form")
    return data


# --- one learner ---------------------------------------------------------------------------------


class Learner:
    def __init__(self, username: str, browser: Browser, rng: random.Random, sections: list[str]):
        self.username = username
        self.b = browser
        self.rng = rng
        self.sections = sections
        self.attempt_path = ""  # the quiz in progress, if any

    def log_in(self):
        _, _, page = self.b.request("login_page", "GET", "/accounts/login/")
        self.b.request(
            "login",
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": csrf(page),
                "username": self.username,
                "password": PASSWORD,
                "next": "/",
            },
            expect=(302,),
        )

    def run(self, stop_at: float, budget: "Budget"):
        while time.monotonic() < stop_at and budget.take():
            try:
                if self.attempt_path:
                    self.quiz(stop_at, resume=True)
                else:
                    self.quiz(stop_at)
                if time.monotonic() < stop_at:
                    self.review_cards(stop_at)
            except NoResponse:
                self.b.failover()
                time.sleep(0.05)
            except Failed:
                time.sleep(0.05)
            except Exception as exc:
                # A page this script cannot read: not the server's error, and reading it again would fail
                # again, so this learner stops and the run ends non-zero (never a retry loop counted as errors).
                self.b.ledger.unparseable.append(f"{type(exc).__name__}: {exc}")
                return

    def quiz(self, stop_at: float, resume: bool = False):
        if resume:
            status, location, page = self.b.request("question", "GET", self.attempt_path, expect=(200, 302))
            if status == 302:  # finished: the last answer was recorded
                self.attempt_path = ""
                return
        else:
            _, _, start_page = self.b.request("start_page", "GET", "/quiz/")
            kind = self.rng.choices(["section", "mixed", "weak"], weights=[5, 4, 1])[0]
            data = {"csrfmiddlewaretoken": csrf(start_page), "kind": kind, "length": QUIZ_LENGTH}
            if kind == "section":
                data["sections"] = self.rng.choice(self.sections)
            _, location, _ = self.b.request("start", "POST", "/quiz/", data, expect=(302,))
            self.attempt_path = urlparse(location).path
            _, _, page = self.b.request("question", "GET", self.attempt_path)
        attempt = int(self.attempt_path.strip("/").split("/")[-1])
        while time.monotonic() < stop_at:
            data = answer_form(page, self.rng)
            key = (attempt, int(data["position"]))
            try:
                _, _, feedback = self.b.request(
                    ANSWER, "POST", self.attempt_path + "answer/", data, htmx=True
                )
            except NoResponse:
                self.b.ledger.answers_unknown.append(key)
                raise
            self.b.ledger.answers_ok.append(key)
            next_link = Page(feedback).link(id="next-link")
            if next_link is None:
                raise Unparseable("no next link in the answer's feedback")
            if "/summary/" in next_link["href"]:
                self.attempt_path = ""
                self.b.request("summary", "GET", f"/quiz/{attempt}/summary/")
                return
            _, _, page = self.b.request("question", "GET", self.attempt_path, htmx=True)

    def review_cards(self, stop_at: float):
        _, _, page = self.b.request("review", "GET", "/cards/review/")
        for _ in range(REVIEWS_PER_ROUND):
            if time.monotonic() >= stop_at:
                return
            reveal = Page(page).link(**{"data-testid": "reveal"})
            if reveal is None:
                return  # done for today
            _, _, back = self.b.request("reveal", "GET", reveal["href"], htmx=True)
            form = Page(back).form("answers")
            action = re.fullmatch(r"/cards/(\d+)/rate/", form.attrs.get("action", ""))
            if not action or not form.hidden.get("csrfmiddlewaretoken") or "reps" not in form.hidden:
                raise Unparseable("the rating form lacks its action, CSRF token or reps")
            data = dict(form.hidden)
            data["rating"] = self.rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]
            key = (int(action.group(1)), int(data["reps"]))
            try:
                _, _, page = self.b.request("rate", "POST", action.group(0), data, htmx=True)
            except NoResponse:
                self.b.ledger.reviews_unknown.append(key)
                raise
            self.b.ledger.reviews_ok.append(key)


class Budget:
    """A bound on the number of learner rounds, on top of the time bound."""

    def __init__(self, n: int):
        self.n = n
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            self.n -= 1
            return self.n >= 0


# --- running a level -----------------------------------------------------------------------------


@dataclass
class Level:
    name: str
    learners: int
    window: tuple[float, float]
    ledgers: list
    kill: dict | None = None  # the fault run: {"server": index, "at": monotonic time}

    @property
    def samples(self):
        return [s for ledger in self.ledgers for s in ledger.samples]

    def merged(self, attr):
        return [tuple(k) for ledger in self.ledgers for k in getattr(ledger, attr)]


def run_learners(name, servers, usernames, sections, duration, seed, kill_after=None, think=0.0) -> Level:
    ledgers = [Ledger() for _ in usernames]
    learners = [
        Learner(
            u,
            Browser(servers, i, ledgers[i], think, random.Random(f"{seed}:think:{u}")),
            random.Random(f"{seed}:{u}"),
            sections,
        )
        for i, u in enumerate(usernames)
    ]
    window = {}

    def open_window():  # runs once everyone has logged in, before any learner goes on
        window["start"] = time.monotonic()
        window["end"] = window["start"] + duration

    ready = threading.Barrier(len(learners) + 1, action=open_window)
    budget = Budget(MAX_REQUESTS_PER_LEVEL // 20)
    login_gate = threading.Semaphore(2 * len(servers))

    def learner_main(learner):
        # A log-in costs a password hash (PBKDF2, on purpose slow): a few at a time, as learners trickle in,
        # so none waits past the timeouts; they all happen before the measured window.
        with login_gate:
            for _ in range(3):
                try:
                    learner.log_in()
                    break
                except Failed:
                    time.sleep(0.5)
        ready.wait()
        learner.b.close()  # a connection kept alive through the wait for the others may be closed by now
        learner.b.stop_at = window["end"]
        learner.run(window["end"], budget)
        learner.b.close()

    threads = [threading.Thread(target=learner_main, args=(lr,), daemon=True) for lr in learners]
    for t in threads:
        t.start()
    ready.wait()  # everyone has logged in: the measured window opens
    kill = None
    if kill_after is not None:
        time.sleep(kill_after)
        servers[1].kill()
        kill = {"server": 1, "at": servers[1].killed_at}
    for t in threads:
        t.join(duration + HTTP_TIMEOUT + 30)
    return Level(name, len(usernames), (window["start"], window["end"]), ledgers, kill)


def run_bare(name, servers, concurrency, duration) -> Level:
    ledgers = [Ledger() for _ in range(concurrency)]
    start = time.monotonic()
    end = start + duration

    def hammer(i):
        b = Browser(servers, i, ledgers[i])
        while time.monotonic() < end:
            try:
                b.request("bare", "GET", "/healthz")
            except Failed:
                time.sleep(0.05)
        b.close()

    threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + HTTP_TIMEOUT + 10)
    return Level(name, concurrency, (start, end), ledgers)


# --- figures -------------------------------------------------------------------------------------


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def is_fault(level: Level, s: Sample) -> bool:
    """A request the killed server could not answer: in flight at the kill, or sent to it afterwards."""
    return (
        bool(level.kill) and s.server == level.kill["server"] and s.status == 0 and s.end >= level.kill["at"]
    )


def endpoint_figures(level: Level) -> dict:
    start, end = level.window
    seconds = end - start
    out = {}
    by = defaultdict(list)
    for s in level.samples:
        by[s.endpoint].append(s)
    for endpoint, samples in by.items():
        # log-ins happen before the window opens: their figures cover them all
        in_window = samples if endpoint in LOGIN else [s for s in samples if start <= s.start < end]
        done = [s for s in in_window if s.end <= end + HTTP_TIMEOUT]
        latencies = sorted((s.end - s.start) * 1000 for s in done if s.ok)
        out[endpoint] = {
            "requests": len(in_window),
            "rps": round(sum(1 for s in in_window if s.ok and s.end <= end) / seconds, 1)
            if endpoint not in LOGIN
            else 0.0,
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            # every request, in the window or not (log-ins happen before it), counts for errors
            "errors": sum(1 for s in samples if not s.ok and not is_fault(level, s)),
            "fault_connection_errors": sum(1 for s in samples if is_fault(level, s)),
            "statuses": dict(Counter(s.status for s in samples)),
        }
    return out


def bare_figures(halves: list[Level]) -> dict:
    """The bare view over both halves of its run: requests/s over their total time, latencies over all."""
    merged = Level("bare", halves[0].learners, (-math.inf, math.inf), [])
    seconds, ok = 0.0, 0
    for half in halves:
        start, end = half.window
        seconds += end - start
        samples = [s for ledger in half.ledgers for s in ledger.samples if start <= s.start < end]
        ok += sum(1 for s in samples if s.ok and s.end <= end)
        merged.ledgers.append(Ledger(samples=samples))
    f = endpoint_figures(merged).get("bare", {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "errors": 0})
    f["rps"] = round(ok / seconds, 1) if seconds else 0.0
    f["halves"] = [endpoint_figures(h).get("bare", {}).get("rps", 0.0) for h in halves]
    return f


def level_summary(level: Level) -> dict:
    figures = endpoint_figures(level)
    a = figures.get(ANSWER, {"rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0})
    errors = sum(f["errors"] for f in figures.values())
    total_rps = sum(f["rps"] for f in figures.values())
    unreadable = Counter(reason for ledger in level.ledgers for reason in ledger.unparseable)
    return {
        "unparseable": sum(unreadable.values()),  # learners stopped by a page this script could not read
        "unparseable_reasons": dict(unreadable),
        "rps": a["rps"],
        "p50_ms": a["p50_ms"],
        "p95_ms": a["p95_ms"],
        "p99_ms": a["p99_ms"],
        "ratio_to_bare": 0.0,  # set once the baseline's second half has run
        "errors": errors,
        "all_endpoints_rps": round(total_rps, 1),
        "endpoints": figures,
    }


def print_table(title: str, bare: dict, levels: dict, integrity: dict):
    print(f"\n== {title}")
    print(
        f"bare view /healthz: {bare['rps']:.1f} req/s (before the learners {bare['halves'][0]}, after "
        f"{bare['halves'][1]}), p50 {bare['p50_ms']} ms, p95 {bare['p95_ms']} ms, p99 {bare['p99_ms']} ms, "
        f"errors {bare['errors']}"
    )
    header = (
        f"{'learners':>8} {'endpoint':<11} {'req':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, summary in levels.items():
        extra = sorted(set(summary["endpoints"]) - set(ENDPOINTS))
        for endpoint in ENDPOINTS + extra:
            f = summary["endpoints"].get(endpoint)
            if not f:
                continue
            statuses = ""
            if f["errors"] or f["fault_connection_errors"]:
                statuses = "  statuses " + ", ".join(
                    f"{'none' if k == 0 else k}: {v}" for k, v in sorted(f["statuses"].items())
                )
            print(
                f"{name:>8} {endpoint:<11} {f['requests']:>7} {f['rps']:>8.1f} {f['p50_ms']:>8.1f} "
                f"{f['p95_ms']:>8.1f} {f['p99_ms']:>8.1f} {f['errors']:>6}{statuses}"
            )
        print(
            f"{name:>8} {'all':<11} {'':>7} {summary['all_endpoints_rps']:>8.1f}   answer/bare = "
            f"{summary['ratio_to_bare']:.3f}   errors {summary['errors']}"
        )
        if summary["unparseable"]:
            print(f"{name:>8} UNPARSEABLE pages (learners stopped): {summary['unparseable_reasons']}")
        i = integrity[name]
        print(
            f"{'':>8} integrity: answers {i['answers_ok']} reviews {i['reviews_ok']} -> lost {i['lost']}, "
            f"duplicated {i['duplicated']}, extra {i['extra']}, mismatched {i['mismatched']} "
            f"(rollup rows checked {i['rollup_rows']})"
        )
        if "fault" in summary:
            f = summary["fault"]
            print(
                f"{'':>8} fault: server {f['killed_port']} SIGKILLed at {f['killed_after_s']} s; connection "
                f"errors to it {f['connection_errors']}; in-flight writes committed "
                f"{f['unknown_committed']}, "
                f"rolled back {f['unknown_rolled_back']}"
            )
        print("-" * len(header))


# --- a configuration -----------------------------------------------------------------------------


class Expectation:
    """The 2xx answers and reviews so far in this database (cumulative over its levels)."""

    def __init__(self):
        self.answers_ok, self.answers_unknown, self.reviews_ok, self.reviews_unknown = [], [], [], []

    def add(self, level: Level):
        self.answers_ok += level.merged("answers_ok")
        self.answers_unknown += level.merged("answers_unknown")
        self.reviews_ok += level.merged("reviews_ok")
        self.reviews_unknown += level.merged("reviews_unknown")

    def payload(self):
        return {
            "answers_ok": self.answers_ok,
            "answers_unknown": self.answers_unknown,
            "reviews_ok": self.reviews_ok,
            "reviews_unknown": self.reviews_unknown,
        }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def configuration(title, env, servers, args, usernames_by_level, sections, fault_usernames=None):
    load_before = load_average()
    # The baseline is measured in two halves, before and after the learners, so a drift in what else runs on
    # the machine does not land on one side of the ratio only.
    run_bare("warm-up", servers, args.bare_concurrency, 2)  # every worker past its first, slower requests
    bare_levels = [run_bare("bare", servers, args.bare_concurrency, args.bare_duration / 2)]
    print(f"[{title}] bare view: {bare_figures(bare_levels)['rps']} req/s", file=sys.stderr)
    expectation = Expectation()
    levels, integrity = {}, {}
    for n, usernames in usernames_by_level.items():
        level = run_learners(str(n), servers, usernames, sections, args.duration, args.seed, think=args.think)
        summary = level_summary(level)
        expectation.add(level)
        integrity[str(n)] = django_task(env, "check", expectation.payload())
        levels[str(n)] = summary
        print(
            f"[{title}] {n} learners: answer {summary['rps']} req/s, p95 {summary['p95_ms']} ms, "
            f"errors {summary['errors']}, unparseable {summary['unparseable']}, {integrity[str(n)]}",
            file=sys.stderr,
        )
    bare_levels.append(run_bare("bare", servers, args.bare_concurrency, args.bare_duration / 2))
    fault = None
    if fault_usernames:  # last: it leaves one server dead
        level = run_learners(
            "fault",
            servers,
            fault_usernames,
            sections,
            args.duration,
            args.seed,
            kill_after=args.duration / 2,
            think=args.think,
        )
        summary = level_summary(level)
        expectation.add(level)
        check = django_task(env, "check", expectation.payload())
        killed = servers[level.kill["server"]]
        summary["fault"] = {
            "killed_port": killed.port,
            "killed_after_s": round(level.kill["at"] - level.window[0], 1),
            "connection_errors": sum(f["fault_connection_errors"] for f in summary["endpoints"].values()),
            "unknown_committed": check["unknown_committed"],
            "unknown_rolled_back": check["unknown_rolled_back"],
        }
        integrity["fault"] = check
        levels["fault"] = summary
        fault = summary
        print(f"[{title}] fault run: {summary['fault']}, {check}", file=sys.stderr)
    bare = bare_figures(bare_levels)
    for summary in levels.values():
        summary["ratio_to_bare"] = round(summary["rps"] / bare["rps"], 3) if bare["rps"] else 0.0
    print(f"[{title}] bare view: {bare['rps']} req/s ({bare['halves']})", file=sys.stderr)
    print_table(title, bare, levels, integrity)
    print(f"load average (1 min) {load_before} before, {load_average()} after, on {os.cpu_count()} cores")
    return bare, levels, integrity, fault


# --- databases -----------------------------------------------------------------------------------


def prepare(env: dict, learners: int) -> list[str]:
    manage(env, "migrate", "--noinput")
    manage(env, "load_content")
    return django_task(env, "learners", {"count": learners})["sections"]


def postgres_ready(url: str):
    """Start the local cluster if it is not answering (as .ci/run does), then a fresh, empty database."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if name in FORBIDDEN_DATABASES:
        sys.exit(f"refusing to use database {name!r}: the benchmark drops and re-creates its database")
    host, port = parsed.hostname or "127.0.0.1", str(parsed.port or 5432)
    if subprocess.run(["pg_isready", "-h", host, "-p", port, "-q"]).returncode:
        clusters = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if clusters:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "start"])
        for _ in range(30):
            if subprocess.run(["pg_isready", "-h", host, "-p", port, "-q"]).returncode == 0:
                break
            time.sleep(1)
        else:
            sys.exit(f"PostgreSQL is not answering on {host}:{port}")
    recreate_database(url, drop_only=False)


def recreate_database(url: str, *, drop_only: bool):
    """Drop the benchmark's PostgreSQL database (through the `postgres` maintenance database) and create it
    again, empty, unless `drop_only`."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if name in FORBIDDEN_DATABASES:
        sys.exit(f"refusing to drop database {name!r}")
    admin = parsed._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- inside Django (run as a separate process by django_task) ------------------------------------


def task_learners(payload):
    from django.contrib.auth.hashers import make_password

    from quizapp.accounts.models import User
    from quizapp.catalog.models import Section

    password = make_password(PASSWORD)  # one hash for everyone: creating learners stays fast
    User.objects.bulk_create(
        [User(username=f"bench{i:04d}", password=password) for i in range(payload["count"])], batch_size=500
    )
    sections = list(Section.objects.leaves().values_list("key", flat=True))
    return {"learners": payload["count"], "sections": sections}


def task_check(payload):
    """Compare the database with what the learners were told: lost, duplicated, extra, mismatched."""
    from django.db.models import Count, Sum

    from quizapp.cards.models import CardState, Review
    from quizapp.progress.rebuild import progress_rebuild
    from quizapp.quizzes.models import Attempt, AttemptItem, Response

    def compare(rows: Counter, ok, unknown):
        # A write sent without a response back (its server was killed) either committed or not. If it did,
        # the learner's next page is already the next question or card, so the same key never gets a 2xx
        # again; a key that got one later (answered again on the other server) was rolled back.
        ok, unknown = set(ok), set(unknown)
        pending = unknown - ok
        return {
            "lost": sum(1 for k in ok if rows[k] == 0),
            "duplicated": sum(n - 1 for n in rows.values() if n > 1),
            "extra": sum(1 for k in rows if k not in ok and k not in unknown),
            "unknown_committed": sum(1 for k in pending if rows[k]),
            "unknown_rolled_back": len(unknown & ok) + sum(1 for k in pending if not rows[k]),
        }

    answers_ok = [tuple(k) for k in payload["answers_ok"]]
    reviews_ok = [tuple(k) for k in payload["reviews_ok"]]
    responses = Counter(Response.objects.values_list("attempt_id", "item__position"))
    reviews = Counter(
        (card, before["reps"]) for card, before in Review.objects.values_list("card_id", "before")
    )
    a = compare(responses, answers_ok, [tuple(k) for k in payload["answers_unknown"]])
    r = compare(reviews, reviews_ok, [tuple(k) for k in payload["reviews_unknown"]])

    # Partial writes would show here: an attempt's counters and served items against its responses, a
    # card's review count against its log, and every rollup against a recomputation from the history.
    bad_attempts = 0
    sums = {
        row["attempt"]: row
        for row in Response.objects.values("attempt").annotate(n=Count("pk"), s=Sum("score"))
    }
    items = dict(AttemptItem.objects.values("attempt").annotate(n=Count("pk")).values_list("attempt", "n"))
    for attempt in Attempt.objects.only("pk", "answered", "score", "status"):
        row = sums.get(attempt.pk, {"n": 0, "s": 0.0})
        served = items.get(attempt.pk, 0)
        expected_served = row["n"] if attempt.status == Attempt.Status.FINISHED else row["n"] + 1
        if (
            attempt.answered != row["n"]
            or abs(attempt.score - (row["s"] or 0.0)) > 1e-6
            or served != expected_served
        ):
            bad_attempts += 1
    logged = dict(Review.objects.values("card").annotate(n=Count("pk")).values_list("card", "n"))
    bad_cards = sum(
        1 for pk, reps in CardState.objects.values_list("pk", "reps") if reps != logged.get(pk, 0)
    )
    report = progress_rebuild(fix=False)
    return {
        "answers_ok": len(set(answers_ok)),
        "reviews_ok": len(set(reviews_ok)),
        "lost": a["lost"] + r["lost"],
        "duplicated": a["duplicated"] + r["duplicated"],
        "extra": a["extra"] + r["extra"],
        "mismatched": len(report.differences) + bad_attempts + bad_cards,
        "rollup_differences": len(report.differences),
        "attempt_mismatches": bad_attempts,
        "card_mismatches": bad_cards,
        "rollup_rows": report.checked,
        "unknown_committed": a["unknown_committed"] + r["unknown_committed"],
        "unknown_rolled_back": a["unknown_rolled_back"] + r["unknown_rolled_back"],
    }


def django_main(task):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizapp.settings")
    import django

    django.setup()
    payload = json.loads(sys.stdin.read() or "{}")
    result = {"learners": task_learners, "check": task_check}[task](payload)
    print(json.dumps(result))


# --- main ----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds per level (default 60)")
    parser.add_argument("--levels", default="20,50,100", help="concurrent learners per level")
    parser.add_argument("--bare-duration", type=float, default=20, help="seconds of the bare-view baseline")
    parser.add_argument("--bare-concurrency", type=int, default=50, help="clients hammering the bare view")
    parser.add_argument("--fault-learners", type=int, default=50)
    parser.add_argument("--no-fault", action="store_true", help="skip the fault run")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean think time before each click, seconds (default 0: a closed loop that "
        "saturates the servers)",
    )
    parser.add_argument("--seed", default="bench")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, logs)")
    parser.add_argument("--django-task", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.django_task:
        return django_main(args.django_task)

    levels = [int(n) for n in args.levels.split(",")]
    fault_n = 0 if args.no_fault or args.skip_postgres else args.fault_learners
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    static_root = tmp / "static"
    names = iter(f"bench{i:04d}" for i in range(sum(levels) + fault_n))
    by_level = {n: [next(names) for _ in range(n)] for n in levels}
    fault_names = [next(names) for _ in range(fault_n)]
    result = {"sqlite": {}, "postgres_2_servers": {}, "bare_view_rps": {}}
    load_start = load_average()
    integrity_all = []
    errors = 0
    servers: list[Server] = []
    pg_url = ""  # the PostgreSQL database this run created, dropped at the end
    print(
        f"quizapp load benchmark: {os.cpu_count()} cores, gunicorn {args.workers} workers "
        f"({args.worker_class}{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''}) per "
        f"instance, {args.duration:g} s per level, levels {levels}, bare view {args.bare_duration:g} s at "
        f"{args.bare_concurrency} clients; temporary files in {tmp}",
        file=sys.stderr,
    )
    try:
        if not args.skip_sqlite:
            env = server_env(f"sqlite:///{tmp / 'bench.sqlite3'}", static_root)
            sections = prepare(env, sum(levels))
            manage(env, "collectstatic", "--noinput")
            servers = [Server(env, tmp, args.workers, args.worker_class, args.threads)]
            bare, lv, integrity, _ = configuration(
                "SQLite, one gunicorn", env, servers, args, by_level, sections
            )
            for s in servers:
                s.stop()
            servers = []
            result["bare_view_rps"]["sqlite"] = bare["rps"]
            result["sqlite"] = lv
            integrity_all.append(integrity[str(levels[-1])])  # cumulative: the last check covers all levels
            errors += sum(x["errors"] for x in lv.values()) + bare["errors"]
        if not args.skip_postgres:
            url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
            postgres_ready(url)
            pg_url = url
            env = server_env(url, static_root)
            sections = prepare(env, sum(levels) + fault_n)
            if not static_root.exists():
                manage(env, "collectstatic", "--noinput")
            servers = [Server(env, tmp, args.workers, args.worker_class, args.threads) for _ in range(2)]
            bare, lv, integrity, fault = configuration(
                "PostgreSQL, two gunicorn instances", env, servers, args, by_level, sections, fault_names
            )
            for s in servers:
                s.stop()
            servers = []
            result["bare_view_rps"]["postgres"] = bare["rps"]
            fault_summary = lv.pop("fault", None)
            result["postgres_2_servers"] = lv
            integrity_all.append(integrity["fault"] if fault else integrity[str(levels[-1])])
            errors += sum(x["errors"] for x in lv.values()) + bare["errors"]
            if fault_summary:
                errors += fault_summary["errors"]
                result["fault_run"] = {
                    "learners": fault_n,
                    "answer_rps": fault_summary["rps"],
                    "p95_ms": fault_summary["p95_ms"],
                    "errors": fault_summary["errors"],
                    "unparseable": fault_summary["unparseable"],
                    **fault_summary["fault"],
                    "lost": integrity["fault"]["lost"],
                    "duplicated": integrity["fault"]["duplicated"],
                    "extra": integrity["fault"]["extra"],
                    "mismatched": integrity["fault"]["mismatched"],
                }
    finally:
        for s in servers:
            s.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
            if pg_url:
                recreate_database(pg_url, drop_only=True)
    unparseable = result.get("fault_run", {}).get("unparseable", 0)
    for backend in ("sqlite", "postgres_2_servers"):
        for summary in result[backend].values():
            summary.pop("endpoints", None)
            summary.pop("all_endpoints_rps", None)
            summary.pop("unparseable_reasons", None)
            unparseable += summary["unparseable"]
    result["lost"] = sum(i["lost"] for i in integrity_all)
    result["duplicated"] = sum(i["duplicated"] for i in integrity_all)
    result["extra"] = sum(i["extra"] for i in integrity_all)
    result["mismatched"] = sum(i["mismatched"] for i in integrity_all)
    result["errors"] = errors
    result["unparseable"] = unparseable
    result["answer_throughput"] = "answer-endpoint completed req/s during the mixed run / bare-view req/s"
    result["setup"] = {
        "cores": os.cpu_count(),
        "workers_per_instance": args.workers,
        "worker_class": args.worker_class,
        "seconds_per_level": args.duration,
        "think_seconds": args.think,
        "load_average_start_end": [load_start, load_average()],
    }
    print(json.dumps(result))
    if unparseable:
        sys.exit(f"{unparseable} page(s) this script could not read (see UNPARSEABLE above): the figures are "
                 "incomplete; fix the page reader in benchmarks/load.py")


if __name__ == "__main__":
    main()
