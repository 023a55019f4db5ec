"""Scenarios driven from Python with many simultaneous clients (``Browser``s in threads).

Each returns, besides its figures, its ``pattern`` (threads, jobs, requests per job): run against
the bare view by ``client_ceiling``, it gives the rate this client can reach at all on this
machine, printed beside the result.
"""

from __future__ import annotations

import datetime
import http.cookies
import json
import queue
import random
import re
import secrets
import socket
import statistics
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from tests.bench import run
from tests.bench.run import shell_facts


class Answer(NamedTuple):
    status_code: int
    headers: dict[str, str]  # names in lower case; Set-Cookie lines folded by the client
    text: str


class Browser:
    """One browser (or phone) with its session and CSRF cookies, the cookies the server sets, and
    English pages (refusals are told apart by their message).

    Each request is sent as the reverse proxy the README configures sends it to gunicorn: nginx
    speaks HTTP/1.0 to its upstream unless told otherwise, so one connection per request, closed
    by gunicorn after the answer, whatever the phone keeps open to nginx. That makes the client
    a few lines over a socket (the answer is whatever comes until the server closes): httpx
    cost some 1.5 ms of this machine's CPU per request and http.client 0.5 ms, on the same two
    cores as the server under test; ``client_ceiling`` measures this one in every run, with each
    scenario's own pattern."""

    def __init__(self, base: str, session_key: str):
        url = urllib.parse.urlsplit(base)
        self._address = (url.hostname, url.port)
        self._host = url.netloc
        self.csrf = secrets.token_hex(16)
        self.cookies = {"sessionid": session_key, "csrftoken": self.csrf}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def get(self, path: str) -> Answer:
        return self._send("GET", path)

    def post(self, path: str, data: dict) -> Answer:
        return self._send("POST", path, urllib.parse.urlencode(data, doseq=True).encode())

    def _send(self, method: str, path: str, body: bytes | None = None) -> Answer:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        lines = [
            f"{method} {path} HTTP/1.0",
            f"Host: {self._host}",
            f"Cookie: {cookie}",
            f"X-CSRFToken: {self.csrf}",
            "Accept-Language: en",
        ]
        if body is not None:
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        chunks = []
        with socket.create_connection(self._address, timeout=120) as sock:
            sock.sendall(request)
            while chunk := sock.recv(262144):
                chunks.append(chunk)
        head, found_end, content = b"".join(chunks).partition(b"\r\n\r\n")
        if not found_end:
            raise ConnectionError(f"{method} {path}: the server closed before a whole answer")
        status, *header_lines = head.decode("latin-1").split("\r\n")
        found: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                self._keep(value)
            found[name] = value
        return Answer(int(status.split(" ", 2)[1]), found, content.decode())

    def _keep(self, line: str) -> None:
        jar = http.cookies.SimpleCookie()
        jar.load(line)
        for name, morsel in jar.items():
            if morsel.value == "" or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


def _client(base: str, session_key: str) -> tuple[Browser, str]:
    browser = Browser(base, session_key)
    return browser, browser.csrf


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=20)[18]


class _Tally:
    """Thread-safe latencies (all, and per step when named) and counters."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.steps: dict[str, list[float]] = {}
        self.counts: Counter = Counter()

    def timed(self, fn, *a, step: str = "", **kw):
        t = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            ms = (time.perf_counter() - t) * 1000
            with self.lock:
                self.latencies.append(ms)
                if step:
                    self.steps.setdefault(step, []).append(ms)

    def add(self, key, n: int = 1):
        with self.lock:
            self.counts[key] += n


def _answers(page: str, rng: random.Random) -> dict[str, list[str]]:
    """What a learner posts from the attempt page (quizzes/sitting.html): every question's
    "present" marker, one choice per radio group (every box may be ticked or not), text answers."""
    data: dict[str, list[str]] = {"present": re.findall(r'name="present" value="(\d+)"', page)}
    options: dict[str, list[tuple[str, str]]] = {}
    for kind, name, value in re.findall(
        r'<input type="(radio|checkbox)" name="(r\d+)" value="([^"]*)"', page
    ):
        options.setdefault(name, []).append((kind, value))
    for name, opts in options.items():
        if opts[0][0] == "radio":
            data[name] = [rng.choice(opts)[1]]
        else:
            data[name] = [v for _k, v in opts if rng.random() < 0.5] or [opts[0][1]]
    for name in re.findall(r'<input type="text" name="(r\d+)"', page):
        data[name] = ["PDCA"]
    for name in re.findall(r'<textarea name="(r\d+)"', page):
        data[name] = ["Lập kế hoạch, thực hiện, kiểm tra, hành động."]
    return data


def quiz_attempts(
    base: str,
    facts: dict,
    env,
    rounds: int = 5,
    warmup: int = 1,
    paced_rate: float = 50.0,
    paced_attempts: int = 150,
) -> dict:
    """Whole attempts as a browser makes them: open the quiz, start (POST, redirect), load the
    page of 20 questions, submit answers to all of them (POST to the form's submit action,
    redirect), read the result. Errors are counted by step and status; a learner who hits one
    goes on with the next attempt. Three phases, with the same 20 learners:

    - warm-up: every learner takes `warmup` attempts, not counted (each server thread's first
      pages fill its process's caches, as on a server that has been running before the class);
    - throughput: the 20 learners at once, each taking `rounds` attempts back to back with no
      pause: the most attempts per second the server gives (``attempts_per_s``);
    - paced: `paced_attempts` attempts started at `paced_rate` a second (the target load), each by
      a learner not in an attempt at that moment: the submit's median at that load
      (``submit_median_ms``). In the throughput phase 20 learners with no pause keep every
      server thread busy, so each request mostly waits for the ones before it (Little's law: its
      time is the 20 requests in flight divided by the rate); that median is reported too
      (``saturated_submit_median_ms``). A start that comes more than 10 ms after its time (all
      learners busy) is counted in ``late_starts``: the load offered was then lower than asked.
    """
    sessions = json.loads((run.VAR / "quiz_sessions.json").read_text())
    slug = facts["quiz_slug"]
    tally = _Tally()
    rng = random.Random(20)

    def fail(step: str, response) -> None:
        code = getattr(response, "status_code", response)
        tally.add(f"{step} {code}")

    def attempt(client, csrf) -> bool:
        r = tally.timed(client.get, f"/quizzes/{slug}/")
        if r.status_code != 200:
            return fail("detail", r)
        r = tally.timed(client.post, f"/quizzes/{slug}/start/", data={"csrfmiddlewaretoken": csrf})
        m = re.fullmatch(r"/quizzes/sittings/(\d+)/", r.headers.get("location", ""))
        if r.status_code != 302 or not m:
            return fail("start", r)
        sitting = m.group(1)
        page = tally.timed(client.get, f"/quizzes/sittings/{sitting}/")
        if page.status_code != 200:
            return fail("page", page)
        action = f"/quizzes/sittings/{sitting}/submit/"
        if f'formaction="{action}"' not in page.text:
            return fail("page without submit button", page)
        data = _answers(page.text, rng)
        if len(data["present"]) != 20 or len(data) != 21:
            tally.add(f"page with {len(data['present'])} questions, {len(data) - 1} answered")
        data["csrfmiddlewaretoken"] = [csrf]
        r = tally.timed(client.post, action, data=data, step="submit")
        if (
            r.status_code != 302
            or r.headers.get("location") != f"/quizzes/sittings/{sitting}/result/"
        ):
            return fail("submit", r)
        r = tally.timed(client.get, r.headers["location"])
        if r.status_code != 200:
            return fail("result", r)
        return True

    def learner(key: str, count: int):
        client, csrf = _client(base, key)
        with client:
            for _ in range(count):
                try:
                    ok = attempt(client, csrf)
                except Exception as exc:  # noqa: BLE001 - a timeout or reset is an error too
                    ok = False
                    tally.add(f"transport {type(exc).__name__}")
                tally.add("attempts" if ok else "errors")

    if warmup:
        with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            list(pool.map(learner, sessions, [warmup] * len(sessions)))
        warm = dict(tally.counts)
        if warm.get("errors"):
            raise RuntimeError(f"quiz warm-up failed: {warm}")
    tally = _Tally()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        list(pool.map(learner, sessions, [rounds] * len(sessions)))
    elapsed = time.perf_counter() - started
    saturated = tally
    paced = _Tally()
    tally = paced  # attempt() records into the paced phase's tally from here on
    late: list[float] = []
    idle: queue.Queue = queue.Queue()
    browsers = [_client(base, key) for key in sessions]
    for pair in browsers:
        idle.put(pair)

    def timed_attempt(due: float) -> None:
        client, csrf = idle.get()  # waits only when every learner is in an attempt
        late.append((time.perf_counter() - due) * 1000)
        try:
            ok = attempt(client, csrf)
        except Exception as exc:  # noqa: BLE001 - a timeout or reset is an error too
            ok = False
            paced.add(f"transport {type(exc).__name__}")
        finally:
            idle.put((client, csrf))
        paced.add("attempts" if ok else "errors")

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        begin = time.perf_counter()
        for i in range(paced_attempts):
            due = begin + i / paced_rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(timed_attempt, due)
    paced_elapsed = time.perf_counter() - begin
    counts = saturated.counts
    errors = counts["errors"] + paced.counts["errors"]
    detail = {k: v for k, v in (counts + paced.counts).items() if k not in ("attempts", "errors")}
    late_starts = sum(1 for ms in late if ms > 10)
    result = {
        "attempts": counts["attempts"],
        "attempts_per_s": counts["attempts"] / elapsed,
        "requests_per_s": len(saturated.latencies) / elapsed,
        "p95_ms": p95(saturated.latencies),
        "saturated_submit_median_ms": statistics.median(saturated.steps.get("submit") or [0.0]),
        "submit_median_ms": statistics.median(paced.steps.get("submit") or [0.0]),
        "paced_rate": paced_rate,
        "paced_attempts": paced.counts["attempts"],
        "paced_achieved": paced.counts["attempts"] / paced_elapsed,
        "late_starts": late_starts,
        "errors": errors,
        "error_detail": detail,
        "pattern": {
            "threads": len(sessions),
            "jobs": len(sessions),
            "requests_per_job": 5 * rounds,
        },
    }
    print(
        f"quiz: {counts['attempts']} attempts in {elapsed:.1f} s, "
        f"{len(saturated.latencies)} requests, submit median "
        f"{result['saturated_submit_median_ms']:.0f} ms; then {result['paced_attempts']} started "
        f"at {paced_rate:.0f}/s ({result['paced_achieved']:.1f}/s done, {late_starts} started "
        f"late): submit median {result['submit_median_ms']:.0f} ms; "
        f"errors {errors} {detail or ''}",
        flush=True,
    )
    return result


class _Projector:
    """The trainer's projector page: a fresh token every `every` seconds (it polls every 10 s;
    each token is valid in its 30-second window and the next)."""

    def __init__(self, session_id: int, day_id: int, secret: str, every: float = 10.0):
        from types import SimpleNamespace

        from lms.training.checkin import checkin_token_issue

        session = SimpleNamespace(pk=session_id, checkin_secret=secret)
        self._day = SimpleNamespace(pk=day_id, session_id=session_id, session=session)
        self._issue = checkin_token_issue
        self._every = every
        self._token = self._fresh()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _fresh(self) -> str:
        return self._issue(day=self._day, at=datetime.datetime.now(datetime.UTC))

    def _run(self):
        while not self._stop.wait(self._every):
            self._token = self._fresh()

    @property
    def token(self) -> str:
        return self._token

    def stop(self):
        self._stop.set()
        self._thread.join()


def _refusal_reason(response) -> str:
    text = response.text
    if response.status_code == 400:
        if "has expired" in text:
            return "expired"
        if "not valid" in text:
            return "invalid"
        return "400 other"
    if response.status_code == 403:
        return "not on the list" if "list of participants" in text else "403 other"
    return f"HTTP {response.status_code}"


def checkin_burst(
    base: str, facts: dict, env, repeats: int = 60, concurrency: int = 50, scans: int = 3
) -> dict:
    """300 officials scan the projector's QR within seconds; 60 of them scan twice at once (a
    double tap). Each scan takes the token on screen at that moment; an official whose scan is
    refused or fails scans again (at most `scans` times), as people do.

    lost = officials with no attendance row at the end (must be 0); lost after success = those
    the server told "checked in" who have no row (must never happen); doubled = extra rows."""
    sessions = json.loads((run.VAR / "checkin_sessions.json").read_text())
    usernames = json.loads((run.VAR / "checkin_users.json").read_text())
    session_id, day_id = int(facts["checkin_session"]), int(facts["checkin_day"])
    secret = shell_facts(
        env, f"from tests.bench.fixtures import checkin_start; checkin_start({day_id})"
    )["secret"]
    projector = _Projector(session_id, day_id, secret)
    tally = _Tally()
    told_ok: set[str] = set()

    def scan(index: int):
        client, csrf = _client(base, sessions[index])
        with client:
            for _ in range(scans):
                url = f"/sessions/{session_id}/days/{day_id}/checkin/{projector.token}/"
                try:
                    r = tally.timed(client.post, url, data={"csrfmiddlewaretoken": csrf})
                except Exception as exc:  # noqa: BLE001 - timeouts and resets are failures too
                    tally.add(f"transport {type(exc).__name__}")
                    continue
                tally.add("requests")
                if r.status_code == 200 and "message-success" in r.text:
                    with tally.lock:
                        told_ok.add(usernames[index])
                    tally.add("already" if "already checked in" in r.text else "checked in")
                    return
                tally.add(f"refused: {_refusal_reason(r)}")

    # Each of the first `repeats` officials appears twice in a row: the two scans run together.
    jobs = []
    for i in range(len(sessions)):
        jobs.append(i)
        if i < repeats:
            jobs.append(i)
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(scan, jobs))
    finally:
        projector.stop()
    elapsed = time.perf_counter() - started
    counted = shell_facts(
        env, f"from tests.bench.fixtures import checkin_count; checkin_count({day_id})"
    )
    rows, distinct = int(counted["rows"]), int(counted["distinct"])
    recorded = set(filter(None, counted.get("recorded", "").split(",")))
    counts = tally.counts
    refusals = {k.split(": ", 1)[1]: v for k, v in counts.items() if k.startswith("refused: ")}
    transport = {k: v for k, v in counts.items() if k.startswith("transport ")}
    result = {
        "requests": counts["requests"],
        "requests_per_s": counts["requests"] / elapsed,
        "p95_ms": p95(tally.latencies),
        "records": distinct,
        "expected": len(sessions),
        "lost": len(sessions) - distinct,
        "lost_after_success": len(told_ok - recorded),
        "doubled": rows - distinct,
        "checked_in": counts["checked in"],
        "already": counts["already"],
        "refusals": refusals,
        "transport_errors": transport,
        "elapsed_s": elapsed,
        "pattern": {"threads": concurrency, "jobs": len(jobs), "requests_per_job": 1},
    }
    print(
        f"check-in: {result['requests']} requests in {elapsed:.1f} s; told checked in "
        f"{result['checked_in']}, already {result['already']}; records {distinct}/{len(sessions)}, "
        f"lost {result['lost']} (after success {result['lost_after_success']}), doubled "
        f"{result['doubled']}; refusals {refusals or 'none'}"
        + (f"; transport errors {transport}" if transport else ""),
        flush=True,
    )
    return result


def client_ceiling(base: str, *, threads: int, jobs: int, requests_per_job: int) -> float:
    """Requests/s this client reaches against the bare view with a scenario's pattern: ``jobs``
    run by ``threads`` threads, each job a fresh client (a new connection, cookies and CSRF token
    as the scenario's) making ``requests_per_job`` requests, every other one a form POST."""
    tally = _Tally()
    form = {"csrfmiddlewaretoken": "", **{f"r{i}": "1" for i in range(20)}}

    def job(_):
        client, csrf = _client(base, secrets.token_hex(16))
        with client:
            for i in range(requests_per_job):
                if i % 2:
                    r = client.post("/bench/bare/", data=form | {"csrfmiddlewaretoken": csrf})
                else:
                    r = client.get("/bench/bare/")
                tally.add("ok" if r.status_code == 200 else f"HTTP {r.status_code}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(job, range(jobs)))
    elapsed = time.perf_counter() - started
    if tally.counts["ok"] != jobs * requests_per_job:
        raise RuntimeError(f"client ceiling: the bare view answered {dict(tally.counts)}")
    return jobs * requests_per_job / elapsed
