"""`make bench`: serve the platform with gunicorn and load it, against a bare Django view.

Every figure is printed beside the same measure of /bench/bare/ (a view returning "ok"), served by
the same gunicorn in the same run, so the ratios hold across machines. Scenarios:

- home: the anonymous home page (wrk; target ≥ 0.40 of bare);
- lesson: one logged-in learner reading one lesson again and again (wrk; ≥ 0.40);
- lessons: the real case, 200 enrolled learners each going through the lessons of every course in
  their own order, each request with its learner's session (wrk + tests/bench/readers.lua;
  ≥ 0.40); lms/courses/pagecache.py answers them from the cache;
- quiz: whole attempts by 20 learners (open, start, page, submit, result): as many as they can
  make with no pause (target ≥ 50 attempts/s), then attempts started at 50 a second, the target
  load, whose submit must answer in < 50 ms at the median (scenarios.quiz_attempts);
- checkin: a burst of 300 QR check-ins by distinct officials plus repeats (target: recorded in
  < 1 s, 0 lost, 0 doubled);
- verifyjson, verify: a certificate's Open Badges credential and its public page (wrk; ≥ 0.40);
- certs: a closed 300-person session's certificates issued with their PDFs by one process
  (targets ≥ 10 PDFs/s, whole batch < 60 s).

quiz and checkin are driven by Python threads (scenarios.Browser: a connection per request, as
gunicorn gets them behind the README's nginx); beside each, the same client pattern (threads,
requests) against the bare view gives the client's own ceiling, so a result far below it is the
server's.

Usage: python -m tests.bench.run [--db sqlite|pg|both] [--duration 10] [--connections 50]
                                 [--only home,lessons] [--reuse]
                                 [--workers 2] [--worker-class sync|gthread] [--threads 4]
The server: gunicorn's sync workers, 2 of them by default, as the README's production command
runs them behind nginx (each request on a connection of its own; see the README's "Speed").
sqlite (the default): a fresh SQLite file under var/bench/sqlite, the cache in files. pg:
PostgreSQL database lms_bench (BENCH_PG, default postgres://postgres@127.0.0.1:5432) dropped
and made afresh, the cache and sessions in Redis database 12 (BENCH_REDIS, default
redis://127.0.0.1:6379/12), flushed first; as .ci/services-test starts them. Each is built with
migrate + load_demo + tests/bench/fixtures.py. ``--reuse`` skips that preparation when the
database and the facts saved by an earlier run (facts.json) are there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.bench.server import serve

ROOT = Path(__file__).resolve().parents[2]
# Where the database in use keeps its files (see use_backend): the scenarios read it at run time.
VAR = Path(os.environ.get("BENCH_VAR") or ROOT / "var" / "bench" / "sqlite")
PY = sys.executable
BENCH_PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BENCH_PG_NAME = "lms_bench"
BENCH_REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
BACKENDS = {"sqlite": "SQLite, cache in files", "pg": "PostgreSQL + Redis"}


def use_backend(backend: str) -> None:
    """Point VAR at the backend's folder (facts, session files, gunicorn log)."""
    global VAR
    if os.environ.get("BENCH_VAR"):
        VAR = Path(os.environ["BENCH_VAR"]) / backend
    else:
        VAR = ROOT / "var" / "bench" / backend


def bench_env(backend: str = "sqlite") -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.bench.settings", "PYTHONUNBUFFERED": "1"}
    env["BENCH_VAR"] = str(VAR)  # where tests/bench/fixtures.py writes its files
    for key in ("CELERY_BROKER_URL", "EMAIL_URL", "CACHE_URL", "REDIS_URL"):
        env.pop(key, None)
    if backend == "pg":
        env["DATABASE_URL"] = f"{BENCH_PG}/{BENCH_PG_NAME}"
        env["CACHE_URL"] = BENCH_REDIS
    else:
        env["DATABASE_URL"] = os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite:///{VAR / 'bench.sqlite3'}"
        )
        env["CACHE_DIR"] = str(VAR / "cache")  # goes with the database when it is made afresh
    env["MEDIA_ROOT"] = str(VAR / "media")
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


def fresh_services() -> None:
    """Drop and make the bench's own PostgreSQL database, empty its own Redis database."""
    for sql in (
        f"DROP DATABASE IF EXISTS {BENCH_PG_NAME} WITH (FORCE)",
        f"CREATE DATABASE {BENCH_PG_NAME}",
    ):
        subprocess.run(["psql", f"{BENCH_PG}/postgres", "-q", "-c", sql], check=True)
    subprocess.run(["redis-cli", "-u", BENCH_REDIS, "flushdb"], check=True, capture_output=True)


def prepare(env, backend: str = "sqlite") -> dict:
    """Fresh database with demo data and the bench fixtures; returns what the scenarios need."""
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True, exist_ok=True)
    if backend == "pg":
        fresh_services()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo")
    facts = shell_facts(
        env, "from tests.bench.fixtures import prepare, verify_code; prepare(); verify_code()"
    )
    (VAR / "facts.json").write_text(json.dumps(facts, indent=1))
    return facts


def shell_facts(env, code: str) -> dict:
    """Run ``code`` in `manage.py shell`; the facts it prints as ``BENCH key=value`` lines."""
    facts = {}
    for line in manage(env, "shell", "-c", code, capture=True).splitlines():
        if line.startswith("BENCH "):
            key, _, value = line[6:].partition("=")
            facts[key] = value
    return facts


def reusable_facts(env) -> dict | None:
    """The facts of an earlier preparation, if its database is still there."""
    facts = VAR / "facts.json"
    db_there = not env["DATABASE_URL"].startswith("sqlite") or (VAR / "bench.sqlite3").exists()
    if db_there and facts.exists():
        return json.loads(facts.read_text())
    return None


def wrk(
    url: str,
    *,
    connections: int,
    duration: int,
    cookie: str = "",
    script: Path | None = None,
    script_args: tuple = (),
) -> dict:
    """wrk's rate, p99 and failures. ``bad`` counts answers that are not 2xx or 3xx, or, with a
    script that reports them (``BENCH not200=N``), every answer other than 200."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs Debian's wrk package")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *map(str, script_args)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"BENCH not200=(\d+)", out) or re.search(
        r"Non-2xx or 3xx responses:\s+(\d+)", out
    )
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
    """The cookies of ``username`` logged in through the login form (for wrk's header)."""
    from tests.bench.scenarios import Browser

    browser = Browser(base, "")
    browser.cookies.pop("sessionid")
    r = browser.post(
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": browser.csrf},
    )
    if r.status_code != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"bench login as {username} failed ({r.status_code})")
    return f"sessionid={browser.cookies['sessionid']}; csrftoken={browser.cookies['csrftoken']}"


@dataclass
class Row:
    """One line of the table: ``ok`` is whether the scenario met its target (None: no target)."""

    scenario: str
    rate: float
    unit: str = "req/s"
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""


BARES: list[dict] = []  # every measure of the bare view in this run


def paired(url: str, bare_url: str, *, duration: int, slices: int = 3, **kw) -> tuple[dict, dict]:
    """The scenario and the bare view measured in turns (``slices`` times each, the duration
    split between them), so that both see the same load from whatever else runs on the machine;
    returns both, rates averaged, failures summed, the worst p99."""
    runs: dict[str, list] = {"scenario": [], "bare": []}
    step = max(1, round(duration / slices))
    for _ in range(slices):
        runs["bare"].append(wrk(bare_url, duration=step, connections=kw["connections"]))
        runs["scenario"].append(wrk(url, duration=step, **kw))
    BARES.extend(runs["bare"])
    return tuple(merge(runs[k]) for k in ("scenario", "bare"))


def merge(results: list[dict]) -> dict:
    """wrk results of consecutive equal slices as one."""
    p99 = [r["p99_ms"] for r in results if r["p99_ms"] is not None]
    return {
        "rps": sum(r["rps"] for r in results) / len(results),
        "p99_ms": max(p99) if p99 else None,
        "bad": sum(r["bad"] for r in results),
        "socket_errors": "; ".join(filter(None, (r["socket_errors"] for r in results))),
    }


def ratio_row(scenario: str, r: dict, bare: dict, note: str = "") -> Row:
    """A wrk scenario against the bare view measured beside it (see ``paired``): passes at
    ≥ 0.40 of its rate with every answer a 200."""
    ratio = r["rps"] / bare["rps"] if bare["rps"] else 0.0
    note = f"bare beside it {bare['rps']:,.0f}/s" + (f"; {note}" if note else "")
    bad = f"not 200: {r['bad']}" + (
        f"; socket errors {r['socket_errors']}" if r["socket_errors"] else ""
    )
    return Row(
        scenario,
        r["rps"],
        ratio=ratio,
        target=f"≥ {RATIO_TARGET:.2f} of bare",
        ok=ratio >= RATIO_TARGET and r["bad"] == 0,
        note="; ".join(
            filter(None, [f"p99 {r['p99_ms']:.0f} ms" if r["p99_ms"] else "", bad, note])
        ),
    )


RATIO_TARGET = 0.40


def table(rows: list[Row], title: str) -> str:
    """The results as a fixed-width table, one line per scenario."""
    head = ("scenario", "rate", "unit", "ratio", "target", "result", "note")
    lines = [
        (
            row.scenario,
            f"{row.rate:,.1f}",
            row.unit,
            f"{row.ratio:.2f}" if row.ratio is not None else "-",
            row.target or "-",
            {True: "pass", False: "FAIL", None: "-"}[row.ok],
            row.note,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [head, *lines]) for i in range(len(head) - 1)]
    out = [title, ""]
    for line in [head, *lines]:
        cells = [
            cell.rjust(w) if i in (1, 3) else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=False))
        ]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    return "\n".join(out)


class Rows(list):
    """The table's rows, each printed as soon as it is measured."""

    def append(self, row: Row) -> None:
        print(
            f"  {row.scenario}: {row.rate:,.1f} {row.unit}; ratio {row.ratio}; {row.note}",
            flush=True,
        )
        super().append(row)


def bare_rate() -> float:
    """The bare view's rate, averaged over this run's measures so far."""
    return merge(BARES)["rps"] or float("nan")


def run_backend(backend: str, args, wanted: set) -> list[Row]:
    use_backend(backend)
    env = bench_env(backend)
    facts = reusable_facts(env) if args.reuse else None
    if facts is None:
        print(
            f"[{backend}] preparing the bench database (migrate, load_demo, fixtures)...",
            flush=True,
        )
        facts = prepare(env, backend)
    else:
        print(f"[{backend}] reusing the bench database ({VAR})", flush=True)
    rows = Rows()
    load = {"connections": args.connections, "duration": args.duration}
    server_options = ("--backlog", "2048", "--log-level", "warning")
    with serve(
        env,
        log=VAR / "gunicorn.log",
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
        ready="/bench/bare/",
        options=server_options,
    ) as server:
        # Warm each worker's caches (routes, skeletons, sidebar parts) as a running site has them:
        # every lesson served a few times, so both workers have rendered their parts.
        if {"lesson", "lessons"} & wanted and facts.get("readers"):
            wrk(
                server.url + "/",
                connections=8,
                duration=max(15, args.duration),
                script=HERE / "readers.lua",
                script_args=(VAR / "readers.txt",),
            )
        BARES.clear()
        BARES.append(wrk(server.url + "/bench/bare/", **load))
        bare_url = server.url + "/bench/bare/"
        if "home" in wanted:
            rows.append(
                ratio_row("home page (anonymous)", *paired(server.url + "/", bare_url, **load))
            )
        if "lesson" in wanted and facts.get("lesson_url"):
            cookie = login_cookie(server.url, "learner")
            r = paired(server.url + facts["lesson_url"], bare_url, cookie=cookie, **load)
            rows.append(ratio_row("lesson page (1 learner, 1 lesson)", *r))
        if "lessons" in wanted and facts.get("readers"):
            r = paired(
                server.url + "/",
                bare_url,
                script=HERE / "readers.lua",
                script_args=(VAR / "readers.txt",),
                **load,
            )
            rows.append(
                ratio_row(
                    f"lessons ({facts['readers']} learners, {facts['reader_lessons']} lessons)",
                    *r,
                    f"{facts['reader_courses']} courses, each request the next learner's next "
                    "lesson with its own session",
                )
            )
        if "quiz" in wanted and facts.get("quiz_slug"):
            from tests.bench.scenarios import client_ceiling, quiz_attempts

            res = quiz_attempts(server.url, facts, env)
            ceiling = client_ceiling(server.url, **res["pattern"])
            rows.append(
                Row(
                    "quiz: whole attempts, 20 learners",
                    res["attempts_per_s"],
                    "attempts/s",
                    ratio=res["requests_per_s"] / bare_rate(),
                    target="≥ 50/s; submit median < 50 ms at 50/s",
                    ok=res["errors"] == 0
                    and res["attempts_per_s"] >= 50
                    and res["submit_median_ms"] < 50
                    and res["late_starts"] == 0,
                    note=f"submit median {res['submit_median_ms']:.0f} ms with "
                    f"{res['paced_attempts']} attempts started at {res['paced_rate']:.0f}/s "
                    f"({res['late_starts']} late), {res['saturated_submit_median_ms']:.0f} ms "
                    f"with 20 learners never pausing; {res['attempts']} attempts, "
                    f"{res['requests_per_s']:.0f} req/s, p95 {res['p95_ms']:.0f} ms; "
                    f"errors {res['errors']} {res.get('error_detail') or ''}; "
                    f"client ceiling {ceiling:,.0f} req/s",
                )
            )
        if "checkin" in wanted and facts.get("checkin_day"):
            from tests.bench.scenarios import checkin_burst, client_ceiling

            res = checkin_burst(server.url, facts, env)
            ceiling = client_ceiling(server.url, **res["pattern"])
            lost = res["lost"] + res.get("lost_after_success", 0)
            rows.append(
                Row(
                    "check-in burst (300 + 60 repeats)",
                    res["requests_per_s"],
                    ratio=res["requests_per_s"] / bare_rate(),
                    target="300 in < 1 s; 0 lost, 0 doubled",
                    ok=lost == 0 and res["doubled"] == 0 and res["elapsed_s"] < 1,
                    note=f"{res['elapsed_s']:.2f} s; p95 {res['p95_ms']:.0f} ms; records "
                    f"{res['records']}/{res['expected']}, lost {res['lost']} (after success "
                    f"{res.get('lost_after_success', 0)}), doubled {res['doubled']}; refusals "
                    f"{res.get('refusals') or 'none'}; client ceiling {ceiling:,.0f} req/s",
                )
            )
        if "verifyjson" in wanted and facts.get("verify_code"):
            r = paired(f"{server.url}/verify/{facts['verify_code']}.json", bare_url, **load)
            rows.append(ratio_row("verify JSON credential (anonymous)", *r))
        if "verify" in wanted and facts.get("verify_url"):
            r = paired(server.url + facts["verify_url"], bare_url, **load)
            rows.append(ratio_row("certificate verify page (anonymous)", *r))
    bare = merge(BARES)
    rows.insert(
        0,
        Row(
            "bare Django view",
            bare["rps"],
            ratio=1.0,
            note=f"mean of {len(BARES)} measures in this run; p99 {bare['p99_ms'] or 0:.0f} ms",
        ),
    )
    if "certs" in wanted:
        res = shell_facts(
            env, "from tests.bench.fixtures import certificate_batch; certificate_batch(300)"
        )
        seconds, cpu = float(res["batch_seconds"]), float(res["batch_cpu_seconds"])
        pdfs, issued = int(res["batch_pdfs"]), int(res["batch_issued"])
        rows.append(
            Row(
                "certificates: 300-person session",
                pdfs / seconds,
                "PDFs/s",
                target="≥ 10 PDFs/s; < 60 s",
                ok=issued == 300 and pdfs == 300 and pdfs / seconds >= 10 and seconds < 60,
                note=f"{issued} issued in {seconds:.1f} s ({cpu:.1f} s of CPU: "
                f"{pdfs / cpu:.1f} PDFs/s per busy core); one process",
            )
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "pg", "both"], default="sqlite")
    parser.add_argument(
        "--services", action="store_true", help="the same as --db pg (PostgreSQL + Redis)"
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    # sync: as the README's production command (behind nginx, one connection per request).
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database of an earlier run instead of preparing a fresh one",
    )
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    unknown = wanted - set(SCENARIOS)
    if unknown:
        parser.error(
            f"unknown scenarios {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}"
        )
    backends = ["pg"] if args.services else {"both": ["sqlite", "pg"]}.get(args.db, [args.db])
    tables = []
    failed = False
    for backend in backends:
        rows = run_backend(backend, args, wanted)
        failed |= any(row.ok is False for row in rows)
        tables.append(
            table(
                rows,
                f"{BACKENDS[backend]}: gunicorn {server_shape(args)}; "
                f"wrk 2 threads, {args.connections} connections, {args.duration} s; "
                f"{os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M %Z')}",
            )
        )
    print()
    print("\n\n".join(tables))
    return 1 if failed else 0


def server_shape(args) -> str:
    if args.worker_class == "sync":
        return f"sync, {args.workers} workers"
    return f"gthread, {args.workers} workers × {args.threads} threads"


SCENARIOS = ("home", "lesson", "lessons", "quiz", "checkin", "verify", "verifyjson", "certs")
HERE = Path(__file__).resolve().parent


if __name__ == "__main__":
    # The scenarios read this module's VAR: let them import this very module, not a second copy.
    sys.modules.setdefault("tests.bench.run", sys.modules[__name__])
    sys.exit(main())
