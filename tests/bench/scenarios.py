"""Scenarios driven from Python with many simultaneous clients (httpx in threads)."""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(os.environ.get("BENCH_VAR") or ROOT / "var" / "bench")


def _shell(env, code: str) -> dict:
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True, timeout=300)
    facts = {}
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            key, _, value = line[6:].partition("=")
            facts[key] = value
    return facts


def _client(base: str, session_key: str):
    import httpx

    csrf = secrets.token_hex(16)
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60,
                          cookies={"sessionid": session_key, "csrftoken": csrf},
                          headers={"X-CSRFToken": csrf})
    return client, csrf


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=20)[18]


def quiz_attempts(base: str, facts: dict, env, rounds: int = 3) -> dict:
    """Each of 20 learners, at once, takes `rounds` whole attempts: open the quiz, start, load the
    page of 20 questions, submit answers to all of them, read the result."""
    sessions = json.loads((OUT / "quiz_sessions.json").read_text())
    slug = facts["quiz_slug"]
    latencies: list[float] = []
    errors = 0
    attempts = 0

    def timed(fn, *a, **kw):
        t = time.perf_counter()
        r = fn(*a, **kw)
        latencies.append((time.perf_counter() - t) * 1000)
        return r

    def learner(key: str):
        nonlocal errors, attempts
        client, csrf = _client(base, key)
        with client:
            for _ in range(rounds):
                r = timed(client.get, f"/quizzes/{slug}/")
                r = timed(client.post, f"/quizzes/{slug}/start/", data={"csrfmiddlewaretoken": csrf})
                if r.status_code != 302:
                    errors += 1
                    print("quiz start", r.status_code, r.headers.get("location"), file=sys.stderr)
                    return
                sitting_url = r.headers["location"]
                page = timed(client.get, sitting_url)
                m = re.search(r"/quizzes/sittings/(\d+)/", sitting_url)
                if page.status_code != 200 or not m:
                    print("quiz page", page.status_code, sitting_url, file=sys.stderr)
                    errors += 1
                    return
                data = {"csrfmiddlewaretoken": csrf}
                for name, value in re.findall(r'name="(r\d+)" value="([^"]*)"', page.text):
                    data.setdefault(name, value)
                for name in re.findall(r'<(?:input type="text"|textarea) name="(r\d+)"', page.text):
                    data.setdefault(name, "PDCA")
                r = timed(client.post, f"/quizzes/sittings/{m.group(1)}/submit/", data=data)
                res = timed(client.get, f"/quizzes/sittings/{m.group(1)}/result/")
                if r.status_code != 302 or res.status_code != 200:
                    print("quiz submit", r.status_code, res.status_code, file=sys.stderr)
                    errors += 1
                    return
                attempts += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        list(pool.map(learner, sessions))
    elapsed = time.perf_counter() - started
    return {
        "attempts": attempts,
        "attempts_per_s": attempts / elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "p95_ms": p95(latencies),
        "errors": errors,
    }


def checkin_burst(base: str, facts: dict, env, repeats: int = 60, concurrency: int = 50) -> dict:
    """300 officials scan the projector's QR within seconds; 60 of them scan twice."""
    sessions = json.loads((OUT / "checkin_sessions.json").read_text())
    session_id, day_id = facts["checkin_session"], facts["checkin_day"]
    token = _shell(env, f"from tests.bench.fixtures import checkin_token; checkin_token({day_id})")["token"]
    url = f"/sessions/{session_id}/days/{day_id}/checkin/{token}/"
    jobs = sessions + sessions[:repeats]
    latencies: list[float] = []
    failures = 0

    def scan(key: str):
        nonlocal failures
        client, csrf = _client(base, key)
        with client:
            t = time.perf_counter()
            r = client.post(url, data={"csrfmiddlewaretoken": csrf})
            latencies.append((time.perf_counter() - t) * 1000)
            if r.status_code >= 400:
                failures += 1
                print("checkin", r.status_code, r.text[:2000] if r.status_code == 400 else "", file=sys.stderr)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(scan, jobs))
    elapsed = time.perf_counter() - started
    counted = _shell(env, f"from tests.bench.fixtures import checkin_count; checkin_count({day_id})")
    rows, distinct = int(counted["rows"]), int(counted["distinct"])
    return {
        "requests_per_s": len(jobs) / elapsed,
        "p95_ms": p95(latencies),
        "records": distinct,
        "expected": len(sessions),
        "lost": len(sessions) - distinct,
        "doubled": rows - distinct,
        "failures": failures,
    }
