"""`make bench`: serve the platform with gunicorn and load it, against a bare Django view.

Every figure is printed beside the same measure of /bench/bare/ (a view returning "ok"), served by
the same gunicorn in the same run, so the ratios hold across machines. Scenarios:

- home: the anonymous home page (wrk, 50 connections);
- lesson: a logged-in learner's lesson page (wrk, 50 connections; target ≥ 40 % of bare): the
  learner is enrolled and reads the lesson again and again, which lms/courses/pagecache.py answers
  from the cache after the first request (one SQL query, the session and user from the cache);
- quiz: whole attempts by 20 simultaneous learners (open, answer, submit, result);
- checkin: a burst of 300 QR check-ins by distinct officials plus repeats (records lost must be 0).
- verifyjson: a certificate's Open Badges credential, /verify/<code>.json (wrk, 50 connections,
  anonymous; target ≥ 40 % of bare), answered from the cache after the first request; lookups
  are still counted per client (django-ratelimit), the bench's single client allowed a high rate.
- verify: the public certificate verification page, logged out (wrk; target ≥ 40 % of bare);
- certs: a closed 300-person session's certificates issued with their PDFs by one process (one
  worker): certificates/s and PDFs/s (targets: ≥ 10 PDFs/s, whole batch < 60 s).

Usage: python -m tests.bench.run [--duration 10] [--connections 50] [--only home,lesson] [--reuse]
The database is a fresh SQLite file under var/bench/ (or BENCH_VAR, or BENCH_DATABASE_URL), built
with migrate + load_demo + the bench fixtures in tests/bench/fixtures.py. ``--reuse`` skips that
preparation when the database and the facts saved by an earlier run (facts.json) are there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = Path(os.environ.get("BENCH_VAR") or ROOT / "var" / "bench")
FACTS = VAR / "facts.json"
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env() -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.bench.settings", "PYTHONUNBUFFERED": "1"}
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{VAR / 'bench.sqlite3'}")
    env["MEDIA_ROOT"] = str(VAR / "media")
    env["CACHE_DIR"] = str(VAR / "cache")  # goes with the database when it is made afresh
    for key in ("CELERY_BROKER_URL", "EMAIL_URL"):
        env.pop(key, None)
    env["EMAIL_URL"] = "locmem://"
    # wrk is one client: let it make every lookup the verify scenario asks for (still counted).
    env["CERTIFICATE_VERIFY_RATE"] = "100000000/m"
    return env


def manage(env, *args, capture=False) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
        timeout=1800,
    )
    return done.stdout if capture else ""


def prepare(env) -> dict:
    """Fresh database with demo data and the bench fixtures; returns what the scenarios need."""
    if "BENCH_DATABASE_URL" not in os.environ:
        shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo")
    facts = shell_facts(
        env, "from tests.bench.fixtures import prepare, verify_code; prepare(); verify_code()"
    )
    FACTS.write_text(json.dumps(facts, indent=1))
    return facts


def shell_facts(env, code: str) -> dict:
    """Run ``code`` in `manage.py shell`; the facts it prints as ``BENCH key=value`` lines."""
    facts = {}
    for line in manage(env, "shell", "-c", code, capture=True).splitlines():
        if line.startswith("BENCH "):
            key, _, value = line[6:].partition("=")
            facts[key] = value
    return facts


def reusable_facts() -> dict | None:
    """The facts of an earlier preparation, if its database is still there."""
    db_there = "BENCH_DATABASE_URL" in os.environ or (VAR / "bench.sqlite3").exists()
    if db_there and FACTS.exists():
        return json.loads(FACTS.read_text())
    return None


class Server:
    def __init__(self, env, workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(VAR / "gunicorn.log", "w")
        self.proc = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "lms.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--backlog",
                "2048",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(self.url + "/bench/bare/", timeout=2)
                return
            except Exception as exc:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited; see {VAR / 'gunicorn.log'}") from exc
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        self.log.close()


def wrk(url: str, *, connections: int, duration: int, cookie: str = "") -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs Debian's wrk package")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
        "bad": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def login_cookie(base: str, username: str, password: str = "demo12345") -> str:
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False) as client:
        client.get("/accounts/login/")
        token = client.cookies["csrftoken"]
        r = client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if r.status_code != 302:
            raise RuntimeError(f"bench login as {username} failed ({r.status_code})")
        return f"sessionid={client.cookies['sessionid']}; csrftoken={token}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="home,lesson,quiz,checkin,verify,verifyjson,certs")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database of an earlier run instead of preparing a fresh one",
    )
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    env = bench_env()
    facts = reusable_facts() if args.reuse else None
    if facts is None:
        print("Preparing the bench database (migrate, load_demo, fixtures)...", flush=True)
        facts = prepare(env)
    else:
        print(f"Reusing the bench database in {VAR}", flush=True)
    server = Server(env, workers=args.workers)
    rows = []
    failed = False
    try:
        bare = wrk(
            server.url + "/bench/bare/", connections=args.connections, duration=args.duration
        )
        rows.append(("bare Django view", bare["rps"], 1.0, bare["p99_ms"], ""))
        if "home" in wanted:
            r = wrk(server.url + "/", connections=args.connections, duration=args.duration)
            rows.append(
                (
                    "home page (anonymous)",
                    r["rps"],
                    r["rps"] / bare["rps"],
                    r["p99_ms"],
                    f"non-2xx {r['bad']}",
                )
            )
            failed |= r["bad"] > 0
        if "lesson" in wanted and facts.get("lesson_url"):
            cookie = login_cookie(server.url, "learner")
            r = wrk(
                server.url + facts["lesson_url"],
                connections=args.connections,
                duration=args.duration,
                cookie=cookie,
            )
            ratio = r["rps"] / bare["rps"]
            rows.append(
                (
                    "lesson page (learner)",
                    r["rps"],
                    ratio,
                    r["p99_ms"],
                    f"target ≥ 0,40; non-2xx {r['bad']}",
                )
            )
            failed |= r["bad"] > 0
        if "quiz" in wanted and facts.get("quiz_slug"):
            from tests.bench.scenarios import quiz_attempts

            res = quiz_attempts(server.url, facts, env)
            rows.append(
                (
                    "quiz: whole attempts, 20 learners",
                    res["attempts_per_s"],
                    res["requests_per_s"] / bare["rps"],
                    res["p95_ms"],
                    f"{res['attempts']} attempts, {res['errors']} errors "
                    f"{res.get('error_detail') or '(none)'}; ratio = req/s vs bare; p95",
                )
            )
            failed |= res["errors"] > 0
        if "checkin" in wanted and facts.get("checkin_day"):
            from tests.bench.scenarios import checkin_burst

            res = checkin_burst(server.url, facts, env)
            rows.append(
                (
                    "check-in burst (300 + repeats)",
                    res["requests_per_s"],
                    res["requests_per_s"] / bare["rps"],
                    res["p95_ms"],
                    f"records {res['records']}/{res['expected']}, lost {res['lost']} "
                    f"(after success {res.get('lost_after_success', 0)}), doubled "
                    f"{res['doubled']}; refusals {res.get('refusals') or 'none'}; p95",
                )
            )
            failed |= res["lost"] > 0 or res["doubled"] > 0 or res.get("lost_after_success", 0) > 0
        if "verifyjson" in wanted and facts.get("verify_code"):
            r = wrk(
                f"{server.url}/verify/{facts['verify_code']}.json",
                connections=args.connections,
                duration=args.duration,
            )
            ratio = r["rps"] / bare["rps"]
            rows.append(
                (
                    "verify JSON credential (anonymous)",
                    r["rps"],
                    ratio,
                    r["p99_ms"],
                    f"target ≥ 0,40; non-2xx {r['bad']}",
                )
            )
            failed |= r["bad"] > 0
        if "verify" in wanted and facts.get("verify_url"):
            r = wrk(
                server.url + facts["verify_url"],
                connections=args.connections,
                duration=args.duration,
            )
            rows.append(
                (
                    "certificate verify page (anonymous)",
                    r["rps"],
                    r["rps"] / bare["rps"],
                    r["p99_ms"],
                    f"target ≥ 0,40; non-2xx {r['bad']}",
                )
            )
            failed |= r["bad"] > 0
    finally:
        server.stop()
    if "certs" in wanted:
        res = shell_facts(
            env, "from tests.bench.fixtures import certificate_batch; certificate_batch(300)"
        )
        seconds, cpu = float(res["batch_seconds"]), float(res["batch_cpu_seconds"])
        pdfs, issued = int(res["batch_pdfs"]), int(res["batch_issued"])
        rows.append(
            (
                "certificates: 300-person session",
                issued / seconds,
                None,
                None,
                f"{pdfs / seconds:.1f} PDFs/s, {issued} issued in {seconds:.1f} s "
                f"({cpu:.1f} s of CPU: {pdfs / cpu:.1f} PDFs/s per busy core); one process; "
                "targets ≥ 10 PDFs/s, < 60 s; req/s column = certificates/s",
            )
        )
        failed |= issued != 300 or pdfs != 300
    print()
    print(f"{'scenario':38} {'req/s':>9} {'ratio':>7} {'latency ms':>11}  note")
    for name, rps, ratio, lat, note in rows:
        lat_s = f"{lat:.1f}" if lat is not None else "-"
        ratio_s = f"{ratio:7.2f}" if ratio is not None else "      -"
        print(f"{name:38} {rps:9.1f} {ratio_s} {lat_s:>11}  {note}")
    print(
        f"\n(gunicorn gthread, {args.workers} workers × 4 threads; wrk 2 threads, "
        f"{args.connections} connections, {args.duration} s; latency = p99 for wrk rows)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
