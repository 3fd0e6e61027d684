"""Load benchmark (`make bench`): how many learners, studying at a learner's pace, quizapp serves with answers
and ratings still quick, on SQLite with one gunicorn instance and on PostgreSQL with two.

What it does, in order, for each configuration:

1. A fresh database (SQLite: a file in a temporary folder; PostgreSQL: `BENCH_DATABASE_URL`, created and
   dropped), `migrate`, `load_content`, `collectstatic`; gunicorn with production settings (DEBUG=0, HTTPS=0
   because there is no TLS on 127.0.0.1). The bare view (`/healthz`, no database) is hammered for a baseline.
2. **Capacity at a learner's pace.** Levels of 50, 100, 200, 400, 800, ... concurrent learners (fresh ones at
   each level), each a thread with its own cookie jar that thinks before every click, the pause drawn from an
   exponential distribution of mean `--think` (default 10 s), so clicks arrive as a real class's do. Half the
   learners start with a quiz (start it, GET the question, POST an answer picked from the form, GET the next
   ... the summary), the other half with their flashcards (review, reveal, rate, up to 5), and each then goes
   on to the other activity: every level measures answers AND ratings.
   Arrivals ramp up over `--warmup` seconds (default 20) before the measured window (`--duration`, default
   60 s) opens; a learner's first click comes after its first think pause. The levels go on until one does
   not hold: answer or rate p95 over 150 ms, or any error (a request with no response or an unexpected
   status). The capacity is the largest level that held.
3. After each level the database is checked (`quizapp.progress.integrity`): every answer and rating that got
   a 2xx is recorded exactly once, nothing else is recorded, and attempts, cards and rollups equal a
   recomputation from the history (lost, duplicated, extra, mismatched).
4. PostgreSQL only: a fault run (50 learners, closed loop, no think time): halfway through, one instance
   (master and workers) is SIGKILLed; its learners fail over to the other one, as behind a reverse proxy;
   what got a 2xx must be recorded, and what was in flight either committed fully or not at all.
5. Optional (`--saturation 20,50,100`): closed-loop levels (no think time: N requests always in flight), the
   machine's saturation throughput; printed as a second table labelled "saturation".

The learners. Each is created in the prepare step with review history, so its cards are due from the start:
one template learner studies 10 flashcards through the real services (`cards.services.review_record`, with
`now` set in the past: half rated Easy 30 days ago, now review cards past their due date, half rated Good 2
days ago, now learning cards past their step), and its cards, reviews and rollups are copied for every
learner (the copies equal what the services would have written; the integrity check recomputes them).
Learners do not log in over HTTP: a log-in costs a PBKDF2 hash (about 0.3 s of CPU, on purpose), which for
800 learners is minutes of both cores. Their sessions are minted in the prepare step through Django's
session store (what `login()` stores: the user id, backend and session hash), so the measured window holds
only studying.

The servers. SQLite: one gunicorn instance; PostgreSQL: two, learners spread over both. Worker class and
count (`--worker-class`, `--workers`, `--threads`): by default `gthread`, 2 workers x 4 threads per instance.
Why: at a learner's pace few requests are in flight at once (800 learners at 10 s think is about 80 clicks/s),
so what matters is CPU per request and not queueing behind a slow one. Sync workers cannot keep connections
alive, so every click pays a TCP connect and a worker hand-off, and a sync worker waiting on SQLite's write
lock serves nobody meanwhile. gthread keeps connections alive and lets the threads of a worker serve reads
while one waits on the lock; two processes per instance use both cores. Measured on this machine (README,
"Production"): see the worker-class comparison there.

The client's own cost is reported per level: the CPU this process used (in cores) beside the servers' and the
whole machine's, so a reader can tell whether the client was the limit. It keeps its work small: keep-alive
connections where the worker class supports them, the CSRF token read once per learner, and only the element
it needs (the question form, the next link, the reveal link, the rating form) parsed from a page.

Memory: each worker's peak resident set (VmHWM), the largest over the run, as `rss_mb_per_worker`.

A page the script cannot read (its forms changed under it) is not a server error: the learner stops, the
page is counted as "unparseable" in the table and the JSON, and the run exits non-zero.

Prints a table per configuration, then one JSON line (see README.md, "Production"):
{"capacity": {"sqlite": n, "postgres_2_servers": n}, "think_s": 10, "levels": {...}, "rss_mb_per_worker": x,
 "lost": 0, "duplicated": 0, "errors": 0, ...}. `errors` counts every failed request at the levels that held,
the baselines and the fault run; the failures at the level past capacity (where the search stopped) are
`errors_past_capacity`, by status (503 with Retry-After is the graceful refusal, 0 is no response).

Usage: python benchmarks/load.py [--think 10] [--duration 60] [--warmup 20] [--levels 50,100,200,...]
                                 [--max-learners 1600] [--skip-sqlite] [--skip-postgres] [--no-fault]
                                 [--saturation 20,50,100] [--worker-class gthread] [--workers 2] [--threads 4]
                                 [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import resource
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
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/quizapp_bench"
FORBIDDEN_DATABASES = {"quizapp_ci", "test_quizapp_ci", "postgres", "template0", "template1"}
ANSWER = "answer"
RATE = "rate"
TARGET_P95_MS = 150  # issue 21: answer and rate p95 under 150 ms
HTTP_TIMEOUT = 30
MAX_REQUESTS_PER_LEVEL = 500_000  # a bound on count as well as on time
REVIEWS_PER_ROUND = 5
QUIZ_LENGTH = 10
SEEDED_CARDS = 10  # due cards each learner starts with
RATING_WEIGHTS = {1: 15, 2: 15, 3: 55, 4: 15}
ENDPOINTS = ["start_page", "start", "question", ANSWER, "summary", "review", "reveal", RATE]
CLK_TCK = os.sysconf("SC_CLK_TCK")
KEEP_ALIVE_S = 30  # gthread workers keep an idle connection this long (a learner clicks every ~10 s) ...
REUSE_IDLE_S = KEEP_ALIVE_S - 5  # ... and the client reuses one idle for less, as browsers do


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


def proc_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (field 3, the state, is [0]), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int) -> float:
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK if fields else 0.0  # utime + stime


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set (VmHWM), MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Server:
    """One gunicorn instance."""

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
            # A learner clicks every 10 s or so: keep its connection open past one think pause.
            # Every learner keeps a connection open (no proxy in front to pool them): room for 1600 of them on
            # one worker, past gunicorn's default of 1000 per worker.
            cmd += ["--threads", str(threads), "--keep-alive", str(KEEP_ALIVE_S), "--worker-connections", "2000"]
        with open(self.log, "ab") as log:  # Django's own log (500s and their tracebacks) goes to stderr
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        self.killed_at: float | None = None
        self.peak_rss: dict[int, float] = {}  # worker pid -> peak RSS MB, as last seen
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"gunicorn exited with {self.proc.returncode}; see {self.log}:\n{self.log.read_text()[-3000:]}")
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

    def cpu_seconds(self) -> float:
        """CPU used so far by the master and its live workers."""
        if self.killed_at is not None:
            return 0.0
        return sum(cpu_seconds(pid) for pid in [self.proc.pid, *self.workers()])

    def sample_memory(self):
        if self.killed_at is None:
            for pid in self.workers():
                self.peak_rss[pid] = max(self.peak_rss.get(pid, 0.0), peak_rss_mb(pid))

    def kill(self):
        """SIGKILL the master first (so it cannot respawn anything), then each of its workers."""
        workers = self.workers()
        self.sample_memory()
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
            self.sample_memory()
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK


class CpuMeter:
    """CPU used between start() and stop(), in cores: this process (the client), the app servers, the
    whole machine (which also runs PostgreSQL and whatever else is on it)."""

    def __init__(self, servers):
        self.servers = servers

    def _read(self):
        t = os.times()
        return time.monotonic(), t.user + t.system, sum(s.cpu_seconds() for s in self.servers), machine_cpu()[0]

    def start(self):
        self.begin = self._read()

    def stop(self) -> dict:
        end = self._read()
        seconds = end[0] - self.begin[0]
        if seconds <= 0:
            return {}
        return {
            "client_cores": round((end[1] - self.begin[1]) / seconds, 2),
            "server_cores": round(max(0.0, end[2] - self.begin[2]) / seconds, 2),
            "machine_busy_cores": round((end[3] - self.begin[3]) / seconds, 2),
            "cores": os.cpu_count(),
        }


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

    def __init__(self, servers: list, index: int, ledger: Ledger, think: float = 0.0,
                 rng: random.Random | None = None, session: str = ""):
        self.servers = servers
        self.server = index % len(servers)
        self.ledger = ledger
        self.cookies: dict[str, str] = {"sessionid": session} if session else {}
        self.conn: http.client.HTTPConnection | None = None
        self.think = think  # mean seconds a learner reads and thinks before each click (0: none)
        self.rng = rng or random.Random(index)
        self.stop_at = math.inf
        self.last_used = 0.0
        self.csrf = ""  # the CSRF token, read once: it stays valid as long as the csrftoken cookie does

    def _connection(self):
        if self.conn is not None and time.monotonic() - self.last_used > REUSE_IDLE_S:
            self.close()  # the server may be closing it right now: never send a POST into that race
        self.last_used = time.monotonic()
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

    def pause(self):
        """The learner reads and thinks before a click; past the end of the window the click never happens."""
        if self.think:
            time.sleep(max(0.0, min(self.rng.expovariate(1 / self.think), self.stop_at - time.monotonic())))
        if time.monotonic() >= self.stop_at:
            raise Stopped

    def request(self, endpoint, method, path, data=None, *, htmx=False, expect=(200,)):
        self.pause()
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
                # (Connections idle longer than the server keeps them are not reused: see _connection.)
                stale = isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if attempt == 1 and reused and stale and method == "GET":
                    start = time.monotonic()
                    continue
                self.ledger.samples.append(Sample(endpoint, start, time.monotonic(), 0, False, server))
                raise NoResponse(f"{endpoint}: {type(exc).__name__}") from exc
        end = time.monotonic()
        if response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            name, value = name.strip(), rest.split(";", 1)[0]
            if name == "csrftoken":
                self.csrf = ""  # a new secret: read the token again from this page
            if "max-age=0" in header.lower() or not value.strip('"'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        ok = response.status in expect
        self.ledger.samples.append(Sample(endpoint, start, end, response.status, ok, server))
        if not ok:
            raise Failed(f"{endpoint}: HTTP {response.status}")
        return response.status, response.getheader("Location", ""), text

    def csrf_token(self, page: str) -> str:
        if not self.csrf:
            self.csrf = csrf(page)
        return self.csrf


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


def element(text: str, marker: str, tag: str) -> str | None:
    """The markup of the <tag> element around the first `marker` in `text`, or None without the marker: the
    client parses only what it needs, not the whole page (a quiz page is some 20 kB of HTML)."""
    i = text.find(marker)
    if i < 0:
        return None
    start = text.rfind(f"<{tag}", 0, i)
    end = text.find(f"</{tag}>", i)
    if start < 0 or end < 0:
        raise Unparseable(f"{marker!r} is not inside a <{tag}> element")
    return text[start : end + len(tag) + 3]


def csrf(page: str) -> str:
    for f in Page(page).forms:
        if f.hidden.get("csrfmiddlewaretoken"):
            return f.hidden["csrfmiddlewaretoken"]
    raise Unparseable("no CSRF token on the page")


def answer_form(page: str, rng: random.Random) -> dict:
    """The answer POST for the question on `page`: the form's hidden fields and a random answer."""
    form = Page(element(page, "question-form", "form") or "").form("question-form")
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
    def __init__(self, username: str, browser: Browser, rng: random.Random, sections: list[str], cards_first: bool):
        self.username = username
        self.b = browser
        self.rng = rng
        self.sections = sections
        self.cards_first = cards_first  # half the learners start with their flashcards: every level rates
        self.attempt_path = ""  # the quiz in progress, if any

    def run(self, stop_at: float, budget: "Budget"):
        activities = [self.review_cards, self.quiz] if self.cards_first else [self.quiz, self.review_cards]
        turn = 0
        while time.monotonic() < stop_at and budget.take():
            try:
                activities[turn % 2](stop_at)
                turn += 1
            except Stopped:
                return
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

    def quiz(self, stop_at: float):
        if self.attempt_path:  # resume the quiz a failed request interrupted
            status, location, page = self.b.request("question", "GET", self.attempt_path, expect=(200, 302))
            if status == 302:  # finished: the last answer was recorded
                self.attempt_path = ""
                return
        else:
            _, _, start_page = self.b.request("start_page", "GET", "/quiz/")
            kind = self.rng.choices(["section", "mixed", "weak"], weights=[5, 4, 1])[0]
            data = {"csrfmiddlewaretoken": self.b.csrf_token(start_page), "kind": kind, "length": QUIZ_LENGTH}
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
                _, _, feedback = self.b.request(ANSWER, "POST", self.attempt_path + "answer/", data, htmx=True)
            except NoResponse:
                self.b.ledger.answers_unknown.append(key)
                raise
            self.b.ledger.answers_ok.append(key)
            next_link = Page(element(feedback, 'id="next-link"', "a") or "").link(id="next-link")
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
            reveal = Page(element(page, 'data-testid="reveal"', "a") or "").link(**{"data-testid": "reveal"})
            if reveal is None:
                return  # done for today
            _, _, back = self.b.request("reveal", "GET", reveal["href"], htmx=True)
            form = Page(element(back, 'class="answers"', "form") or "").form("answers")
            action = re.fullmatch(r"/cards/(\d+)/rate/", form.attrs.get("action", ""))
            if not action or not form.hidden.get("csrfmiddlewaretoken") or "reps" not in form.hidden:
                raise Unparseable("the rating form lacks its action, CSRF token or reps")
            data = dict(form.hidden)
            data["rating"] = self.rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]
            key = (int(action.group(1)), int(data["reps"]))
            try:
                _, _, page = self.b.request(RATE, "POST", action.group(0), data, htmx=True)
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
    cpu: dict = field(default_factory=dict)

    @property
    def samples(self):
        return [s for ledger in self.ledgers for s in ledger.samples]

    def merged(self, attr):
        return [tuple(k) for ledger in self.ledgers for k in getattr(ledger, attr)]


def run_learners(name, servers, learners_sessions, sections, duration, seed, *, think, warmup,
                 kill_after=None) -> Level:
    """`learners_sessions`: [(username, session key)]. Arrivals are spread evenly over `warmup` seconds (in a
    random order); the measured window opens when the last has arrived and lasts `duration` seconds. Each
    learner's first click comes after its first think pause; with exponential pauses (memoryless) the clicks
    are then as they would be at any later time."""
    n = len(learners_sessions)
    ledgers = [Ledger() for _ in range(n)]
    learners = [
        Learner(
            u,
            Browser(servers, i, ledgers[i], think, random.Random(f"{seed}:think:{u}"), session=key),
            random.Random(f"{seed}:{u}"),
            sections,
            cards_first=i % 2 == 0,
        )
        for i, (u, key) in enumerate(learners_sessions)
    ]
    arrivals = [warmup * k / n for k in range(n)]
    random.Random(f"{seed}:arrivals:{name}").shuffle(arrivals)
    t0 = time.monotonic()
    window = (t0 + warmup, t0 + warmup + duration)
    budget = Budget(MAX_REQUESTS_PER_LEVEL // 20)

    def learner_main(learner, arrival):
        time.sleep(max(0.0, t0 + arrival - time.monotonic()))
        learner.b.stop_at = window[1]
        learner.run(window[1], budget)
        learner.b.close()

    threads = [threading.Thread(target=learner_main, args=(lr, at), daemon=True) for lr, at in zip(learners, arrivals)]
    for t in threads:
        t.start()
    meter = CpuMeter(servers)
    time.sleep(max(0.0, window[0] - time.monotonic()))
    meter.start()
    kill = None
    if kill_after is not None:
        time.sleep(kill_after)
        servers[1].kill()
        kill = {"server": 1, "at": servers[1].killed_at}
    time.sleep(max(0.0, window[1] - time.monotonic()))
    cpu = meter.stop()
    for s in servers:
        s.sample_memory()
    deadline = time.monotonic() + HTTP_TIMEOUT + 30
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    return Level(name, n, window, ledgers, kill, cpu)


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
    return bool(level.kill) and s.server == level.kill["server"] and s.status == 0 and s.end >= level.kill["at"]


def endpoint_figures(level: Level) -> dict:
    """Per endpoint, over the requests sent inside the window: completed requests/s, latency percentiles of
    those that succeeded, and the failures (any request sent from the first arrival on: the warm-up too)."""
    start, end = level.window
    seconds = end - start
    out = {}
    by = defaultdict(list)
    for s in level.samples:
        by[s.endpoint].append(s)
    for endpoint, samples in by.items():
        in_window = [s for s in samples if start <= s.start < end]
        done = [s for s in in_window if s.end <= end + HTTP_TIMEOUT]
        latencies = sorted((s.end - s.start) * 1000 for s in done if s.ok)
        out[endpoint] = {
            "requests": len(in_window),
            "rps": round(sum(1 for s in in_window if s.ok and s.end <= end) / seconds, 1),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
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


BLANK = {"requests": 0, "rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "errors": 0, "statuses": {}}


def level_summary(level: Level) -> dict:
    figures = endpoint_figures(level)
    a, r = figures.get(ANSWER, BLANK), figures.get(RATE, BLANK)
    unreadable = Counter(reason for ledger in level.ledgers for reason in ledger.unparseable)
    failed = Counter()
    for f in figures.values():
        for status, n in f["statuses"].items():
            if status not in (200, 302):
                failed[status] += n
    return {
        "learners": level.learners,
        "answer": {k: a[k] for k in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms")},
        "rate": {k: r[k] for k in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms")},
        "all_rps": round(sum(f["rps"] for f in figures.values()), 1),
        "errors": sum(f["errors"] for f in figures.values()),
        "failed_statuses": {str(k): v for k, v in sorted(failed.items())},  # 0: no response
        "unparseable": sum(unreadable.values()),  # learners stopped by a page this script could not read
        "unparseable_reasons": dict(unreadable),
        "cpu": level.cpu,
        "endpoints": figures,
    }


def verdict(summary: dict) -> str:
    """"" when the level held (answer and rate p95 within the target, no error), else why not."""
    why = []
    for endpoint in (ANSWER, RATE):
        f = summary[endpoint]
        if not f["requests"]:
            why.append(f"no {endpoint} measured")
        elif f["p95_ms"] > TARGET_P95_MS:
            why.append(f"{endpoint} p95 {f['p95_ms']} ms > {TARGET_P95_MS}")
    if summary["errors"]:
        why.append(f"{summary['errors']} errors {summary['failed_statuses']}")
    if summary["unparseable"]:
        why.append(f"{summary['unparseable']} unparseable pages")
    return "; ".join(why)


def integrity_findings(integrity: dict) -> str:
    """Integrity is not a matter of load: what it finds is reported loudly (and in the JSON) but does not end
    the capacity search, so one bug does not hide the capacity figures."""
    if not any(integrity[k] for k in ("lost", "duplicated", "extra", "mismatched")):
        return ""
    return (", ".join(f"{k} {integrity[k]}" for k in ("lost", "duplicated", "extra", "mismatched"))
            + f"; e.g. {integrity.get('rollup_examples', [])[:3]}")


def print_table(title: str, bare: dict, levels: dict, label: str = "capacity"):
    print(f"\n== {title}: {label}")
    if bare:
        print(
            f"bare view /healthz: {bare['rps']:.1f} req/s (before the learners {bare['halves'][0]}, after "
            f"{bare['halves'][1]}), p50 {bare['p50_ms']} ms, p95 {bare['p95_ms']} ms, p99 {bare['p99_ms']} ms, "
            f"errors {bare['errors']}"
        )
    header = f"{'learners':>8} {'endpoint':<11} {'req':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"
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
        cpu = summary.get("cpu") or {}
        print(
            f"{name:>8} {'all':<11} {'':>7} {summary['all_rps']:>8.1f}   errors {summary['errors']}   CPU cores: "
            f"client {cpu.get('client_cores')}, app servers {cpu.get('server_cores')}, machine "
            f"{cpu.get('machine_busy_cores')} of {cpu.get('cores')}; load average {summary.get('load_average')}"
        )
        if summary["unparseable"]:
            print(f"{name:>8} UNPARSEABLE pages (learners stopped): {summary['unparseable_reasons']}")
        i = summary["integrity"]
        print(
            f"{'':>8} integrity: answers {i['answers_ok']} reviews {i['reviews_ok']} -> lost {i['lost']}, "
            f"duplicated {i['duplicated']}, extra {i['extra']}, mismatched {i['mismatched']} "
            f"(rollup rows checked {i['rollup_rows']})"
        )
        if integrity_findings(i):
            print(f"{'':>8} INTEGRITY: {integrity_findings(i)}")
        if "held" in summary:
            print(f"{'':>8} {'HELD' if summary['held'] else 'did not hold: ' + summary['why_not']}")
        if "fault" in summary:
            f = summary["fault"]
            print(
                f"{'':>8} fault: server {f['killed_port']} SIGKILLed at {f['killed_after_s']} s; connection "
                f"errors to it {f['connection_errors']}; in-flight writes committed {f['unknown_committed']}, "
                f"rolled back {f['unknown_rolled_back']}"
            )
        print("-" * len(header))


# --- a configuration -----------------------------------------------------------------------------


class Expectation:
    """The 2xx answers and reviews so far in this database (cumulative over its levels)."""

    def __init__(self, since: str):
        self.since = since  # history before it was seeded, not made by these clients
        self.answers_ok, self.answers_unknown, self.reviews_ok, self.reviews_unknown = [], [], [], []
        self.last: dict = {}  # the latest check: it covers every level so far

    def add(self, level: Level):
        self.answers_ok += level.merged("answers_ok")
        self.answers_unknown += level.merged("answers_unknown")
        self.reviews_ok += level.merged("reviews_ok")
        self.reviews_unknown += level.merged("reviews_unknown")

    def payload(self):
        return {
            "since": self.since,
            "answers_ok": self.answers_ok,
            "answers_unknown": self.answers_unknown,
            "reviews_ok": self.reviews_ok,
            "reviews_unknown": self.reviews_unknown,
        }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def capacity_levels(args) -> list[int]:
    if args.levels:
        return [int(n) for n in args.levels.split(",")]
    levels, n = [], 50
    while n <= args.max_learners:
        levels.append(n)
        n *= 2
    return levels


class Learners:
    """Fresh learners for each level, created in the database (with review history and a session) just
    before it, while the servers are idle."""

    def __init__(self, env):
        self.env = env
        self.made = 0
        self.sections: list[str] = []

    def make(self, n: int) -> list[tuple[str, str]]:
        out = django_task(self.env, "learners", {"first": self.made, "count": n})
        self.made += n
        self.sections = out["sections"]
        return [tuple(x) for x in out["learners"]]


def run_level(title, name, env, servers, args, learners: Learners, expectation, n, *, think, warmup,
              kill_after=None):
    batch = learners.make(n)
    load_before = load_average()
    level = run_learners(name, servers, batch, learners.sections, args.duration, args.seed, think=think,
                         warmup=warmup, kill_after=kill_after)
    summary = level_summary(level)
    summary["load_average"] = [load_before, load_average()]
    expectation.add(level)
    summary["integrity"] = expectation.last = django_task(env, "check", expectation.payload())
    a, r = summary[ANSWER], summary[RATE]
    print(
        f"[{title}] {name}: {n} learners, answer {a['rps']}/s p95 {a['p95_ms']} ms, rate {r['rps']}/s p95 "
        f"{r['p95_ms']} ms, errors {summary['errors']} {summary['failed_statuses']}, cpu {summary['cpu']}, "
        f"integrity {summary['integrity']}",
        file=sys.stderr,
    )
    return level, summary


def configuration(title, env, servers, args, learners: Learners, fault_learners=0):
    """The bare-view baseline, the capacity levels, the optional saturation levels, the fault run."""
    # The baseline is measured in two halves, before and after the learners, so a drift in what else runs on
    # the machine does not land on one side of the ratio only.
    run_bare("warm-up", servers, args.bare_concurrency, 2)  # every worker past its first, slower requests
    bare_levels = [run_bare("bare", servers, args.bare_concurrency, args.bare_duration / 2)]
    print(f"[{title}] bare view: {bare_figures(bare_levels)['rps']} req/s", file=sys.stderr)
    expectation = Expectation(args.started)
    levels, capacity, past = {}, 0, None
    for n in capacity_levels(args):
        _, summary = run_level(title, str(n), env, servers, args, learners, expectation, n, think=args.think,
                               warmup=args.warmup)
        summary["why_not"] = verdict(summary)
        if integrity_findings(summary["integrity"]):
            print(f"[{title}] INTEGRITY at {n} learners: {integrity_findings(summary['integrity'])}", file=sys.stderr)
        summary["held"] = not summary["why_not"]
        levels[str(n)] = summary
        if not summary["held"]:
            past = str(n)
            print(f"[{title}] {n} learners did not hold ({summary['why_not']}): capacity {capacity}", file=sys.stderr)
            break
        capacity = n
    saturation = {}
    for n in [int(x) for x in args.saturation.split(",")] if args.saturation else []:
        _, summary = run_level(title, f"sat-{n}", env, servers, args, learners, expectation, n, think=0.0, warmup=2)
        saturation[str(n)] = summary
    bare_levels.append(run_bare("bare", servers, args.bare_concurrency, args.bare_duration / 2))
    fault = None
    if fault_learners:  # last: it leaves one server dead
        level, fault = run_level(title, "fault", env, servers, args, learners, expectation, fault_learners,
                                 think=0.0, warmup=2, kill_after=args.duration / 2)
        killed = servers[level.kill["server"]]
        fault["fault"] = {
            "killed_port": killed.port,
            "killed_after_s": round(level.kill["at"] - level.window[0], 1),
            "connection_errors": sum(f["fault_connection_errors"] for f in fault["endpoints"].values()),
            "unknown_committed": fault["integrity"]["unknown_committed"],
            "unknown_rolled_back": fault["integrity"]["unknown_rolled_back"],
        }
    bare = bare_figures(bare_levels)
    print(f"[{title}] bare view: {bare['rps']} req/s ({bare['halves']})", file=sys.stderr)
    print_table(title, bare, levels, f"capacity at a learner's pace (think {args.think:g} s, p95 target {TARGET_P95_MS} ms)")
    print(f"capacity: {capacity} learners" + (f" (the search stopped at {past}: {levels[past]['why_not']})" if past else ""))
    if saturation:
        print_table(title, {}, saturation, "saturation (closed loop, no think time: the servers' throughput, not what learners feel)")
    if fault:
        print_table(title, {}, {"fault": fault}, "fault run (closed loop)")
    peak = max((mb for s in servers for mb in s.peak_rss.values()), default=0.0)
    print(f"peak RSS per worker {peak:.0f} MB; load average (1 min) now {load_average()} on {os.cpu_count()} cores")
    return {"bare": bare, "levels": levels, "capacity": capacity, "past": past, "saturation": saturation,
            "fault": fault, "integrity": expectation.last}


# --- databases -----------------------------------------------------------------------------------


def prepare(env: dict):
    manage(env, "migrate", "--noinput")
    manage(env, "load_content")


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

TEMPLATE_LEARNER = "bench-template"


def template_learner():
    """The learner whose review history every bench learner starts with, made once through the real
    services with `now` in the past: half its cards rated Easy 30 days ago (review cards, now past due), half
    rated Good 2 days ago (learning cards, now past their step)."""
    from datetime import timedelta

    from django.utils import timezone

    from quizapp.accounts.models import User
    from quizapp.cards.models import CardState
    from quizapp.cards.services import card_start, review_record
    from quizapp.catalog.models import Flashcard, Status

    learner, created = User.objects.get_or_create(username=TEMPLATE_LEARNER)
    if not created:
        return learner
    learner.set_unusable_password()
    learner.save()
    flashcards = list(Flashcard.objects.filter(status=Status.PUBLISHED).order_by("section_id", "pk"))
    step = max(1, len(flashcards) // SEEDED_CARDS)
    now = timezone.now()
    for i, flashcard in enumerate(flashcards[::step][:SEEDED_CARDS]):
        easy = i % 2 == 0
        card = card_start(learner=learner, flashcard=flashcard)
        review_record(card=card, rating=4 if easy else 3, expected_reps=0, learner=learner,
                      now=now - timedelta(days=30 if easy else 2, minutes=i))
    due = CardState.objects.filter(learner=learner, due__lte=now).count()
    if due < SEEDED_CARDS:
        raise SystemExit(f"the template learner has {due} cards due, not {SEEDED_CARDS}")
    return learner


def _copies(model, rows, **changes):
    """Unsaved copies of `rows` with `changes` (field attname -> value, or a callable of the row)."""
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    out = []
    for row in rows:
        values = {name: getattr(row, name) for name in fields}
        values.update({k: (v(row) if callable(v) else v) for k, v in changes.items()})
        out.append(model(**values))
    return out


def task_learners(payload):
    """`count` new learners (bench00000 on from `first`), each with the template learner's review history
    and a logged-in session minted through Django's session store; returns [(username, session key)]."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from quizapp.accounts.models import User
    from quizapp.cards.models import CardState, Review, StudySettings
    from quizapp.catalog.models import Section
    from quizapp.progress.models import DailyActivity, SectionDay, SectionProgress

    template = template_learner()
    first, count = payload["first"], payload["count"]
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"bench{i:05d}", password=template.password) for i in range(first, first + count)],
            batch_size=500,
        )
        for model in (StudySettings, SectionProgress, DailyActivity, SectionDay):
            rows = list(model.objects.filter(learner=template))
            model.objects.bulk_create([c for u in users for c in _copies(model, rows, learner_id=u.pk)], batch_size=500)
        cards = list(CardState.objects.filter(learner=template).order_by("pk"))
        reviews = list(Review.objects.filter(learner=template).order_by("pk"))
        new_cards = CardState.objects.bulk_create(
            [c for u in users for c in _copies(CardState, cards, learner_id=u.pk)], batch_size=500)
        card_of = {(u.pk, old.pk): new_cards[i * len(cards) + j].pk
                   for i, u in enumerate(users) for j, old in enumerate(cards)}
        Review.objects.bulk_create(
            [c for u in users for c in _copies(Review, reviews, learner_id=u.pk,
                                                 card_id=lambda r, u=u: card_of[(u.pk, r.card_id)])],
            batch_size=500,
        )
        # What django.contrib.auth.login() stores in a new session (no PBKDF2: the password is never checked).
        expires = timezone.now() + timedelta(days=1)
        store = SessionStore()
        sessions = [
            Session(
                session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
                session_data=store.encode({
                    SESSION_KEY: str(u.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: u.get_session_auth_hash(),
                    "_renewed": int(time.time()),
                }),
                expire_date=expires,
            )
            for u in users
        ]
        Session.objects.bulk_create(sessions, batch_size=500)
    sections = list(Section.objects.leaves().values_list("key", flat=True))
    return {"learners": [[u.username, s.session_key] for u, s in zip(users, sessions)], "sections": sections}


def task_check(payload):
    """Compare the database with what the learners were told (quizapp.progress.integrity)."""
    from django.utils.dateparse import parse_datetime

    from quizapp.progress.integrity import integrity_check

    return integrity_check(
        answers_ok=payload["answers_ok"],
        answers_unknown=payload["answers_unknown"],
        reviews_ok=payload["reviews_ok"],
        reviews_unknown=payload["reviews_unknown"],
        since=parse_datetime(payload["since"]),
    )


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
    parser.add_argument("--think", type=float, default=10.0,
                        help="mean think time before each click, seconds, exponentially distributed (default 10)")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds per level (default 60)")
    parser.add_argument("--warmup", type=float, default=20,
                        help="seconds over which a level's learners arrive, before its window (default 20)")
    parser.add_argument("--levels", default="", help="learners per level (default 50, 100, 200, ... up to "
                        "--max-learners); the search stops at the first level that does not hold")
    parser.add_argument("--max-learners", type=int, default=1600)
    parser.add_argument("--saturation", default="", help="closed-loop levels after the capacity search, e.g. 20,50,100")
    parser.add_argument("--bare-duration", type=float, default=20, help="seconds of the bare-view baseline")
    parser.add_argument("--bare-concurrency", type=int, default=50, help="clients hammering the bare view")
    parser.add_argument("--fault-learners", type=int, default=50)
    parser.add_argument("--no-fault", action="store_true", help="skip the fault run")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread (default 4)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="workers per instance (default: one per core)")
    parser.add_argument("--seed", default="bench")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, logs)")
    parser.add_argument("--django-task", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.django_task:
        return django_main(args.django_task)

    from datetime import UTC, datetime

    args.started = datetime.now(UTC).isoformat()
    threading.stack_size(512 * 1024)  # 1600 learner threads: small stacks (they never recurse deeply)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a socket per learner, here and in the servers
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    fault_n = 0 if args.no_fault or args.skip_postgres else args.fault_learners
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    static_root = tmp / "static"
    results = {}
    load_start = load_average()
    servers: list[Server] = []
    all_servers: list[Server] = []
    pg_url = ""  # the PostgreSQL database this run created, dropped at the end
    print(
        f"quizapp load benchmark: {os.cpu_count()} cores, gunicorn {args.workers} workers "
        f"({args.worker_class}{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''}) per "
        f"instance, think {args.think:g} s, levels {capacity_levels(args)} (until one does not hold), "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per level; temporary files in {tmp}",
        file=sys.stderr,
    )
    try:
        if not args.skip_sqlite:
            env = server_env(f"sqlite:///{tmp / 'bench.sqlite3'}", static_root)
            prepare(env)
            manage(env, "collectstatic", "--noinput")
            servers = [Server(env, tmp, args.workers, args.worker_class, args.threads)]
            all_servers += servers
            results["sqlite"] = configuration("SQLite, one gunicorn", env, servers, args, Learners(env))
            for s in servers:
                s.stop()
            servers = []
        if not args.skip_postgres:
            url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
            postgres_ready(url)
            pg_url = url
            env = server_env(url, static_root)
            prepare(env)
            if not static_root.exists():
                manage(env, "collectstatic", "--noinput")
            servers = [Server(env, tmp, args.workers, args.worker_class, args.threads) for _ in range(2)]
            all_servers += servers
            results["postgres_2_servers"] = configuration("PostgreSQL, two gunicorn instances", env, servers, args,
                                                          Learners(env), fault_n)
            for s in servers:
                s.stop()
            servers = []
    finally:
        for s in servers:
            s.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
            if pg_url:
                recreate_database(pg_url, drop_only=True)

    def brief(summary):
        out = {k: v for k, v in summary.items() if k not in ("endpoints", "unparseable_reasons")}
        out["integrity"] = {k: summary["integrity"][k] for k in ("lost", "duplicated", "extra", "mismatched")}
        return out

    errors = errors_past = unparseable = 0
    past_statuses = Counter()
    for r in results.values():
        for name, summary in r["levels"].items():
            unparseable += summary["unparseable"]
            if name == r["past"]:
                errors_past += summary["errors"]
                past_statuses.update(summary["failed_statuses"])
            else:
                errors += summary["errors"]
        errors += r["bare"]["errors"] + sum(s["errors"] for s in r["saturation"].values())
        unparseable += sum(s["unparseable"] for s in r["saturation"].values())
        if r["fault"]:
            errors += r["fault"]["errors"]
            unparseable += r["fault"]["unparseable"]
    checks = [r["integrity"] for r in results.values() if r["integrity"]]
    out = {
        "capacity": {backend: results[backend]["capacity"] if backend in results else None
                     for backend in ("sqlite", "postgres_2_servers")},
        "think_s": args.think,
        "levels": {backend: {n: brief(s) for n, s in r["levels"].items()} for backend, r in results.items()},
        "rss_mb_per_worker": round(max((mb for s in all_servers for mb in s.peak_rss.values()), default=0.0), 1),
        "lost": sum(i["lost"] for i in checks),
        "duplicated": sum(i["duplicated"] for i in checks),
        "errors": errors,
        "errors_past_capacity": errors_past,
        "statuses_past_capacity": dict(past_statuses),
        "extra": sum(i["extra"] for i in checks),
        "mismatched": sum(i["mismatched"] for i in checks),
        "unparseable": unparseable,
        "bare_view_rps": {backend: r["bare"]["rps"] for backend, r in results.items()},
    }
    if any(r["saturation"] for r in results.values()):
        out["saturation"] = {backend: {n: brief(s) for n, s in r["saturation"].items()} for backend, r in results.items()}
    fault = results.get("postgres_2_servers", {}).get("fault")
    if fault:
        out["fault_run"] = {
            "learners": fault["learners"],
            "answer_rps": fault[ANSWER]["rps"],
            "answer_p95_ms": fault[ANSWER]["p95_ms"],
            "errors": fault["errors"],
            "unparseable": fault["unparseable"],
            **fault["fault"],
            **{k: fault["integrity"][k] for k in ("lost", "duplicated", "extra", "mismatched")},
        }
    out["setup"] = {
        "cores": os.cpu_count(),
        "workers_per_instance": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads if args.worker_class == "gthread" else 1,
        "warmup_s": args.warmup,
        "seconds_per_level": args.duration,
        "p95_target_ms": TARGET_P95_MS,
        "load_average_start_end": [load_start, load_average()],
    }
    print(json.dumps(out))
    if unparseable:
        sys.exit(f"{unparseable} page(s) this script could not read (see UNPARSEABLE above): the figures are "
                 "incomplete; fix the page reader in benchmarks/load.py")


if __name__ == "__main__":
    main()
