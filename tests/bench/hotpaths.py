"""In-process cost of the busy moments, per request: milliseconds and SQL queries.

Runs inside one Python process against the bench database that tests/bench/run.py prepared
(run it once first), with the bench settings, through Django's test client: no server, no
network. Figures are medians over the repetitions.

    python -m tests.bench.hotpaths [--db sqlite|pg] [--attempts 20] [--checkins 100]
                                   [--profile quiz|checkin]

``--db pg``: the PostgreSQL + Redis bench database (``make bench BENCH_DB=pg`` prepares it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from contextlib import contextmanager

from tests.bench import run
from tests.bench.run import VAR, bench_env

FACTS = VAR / "facts.json"


class _Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


@contextmanager
def _measured(samples: dict, name: str):
    from django.db import connection

    counter = _Counter()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        yield
    samples.setdefault(name, []).append(
        (
            (time.perf_counter() - started) * 1000,
            counter.n,
            (time.process_time() - cpu) * 1000,
        )
    )


def _answers(html: str) -> dict:
    data = {"present": re.findall(r'name="present" value="(\d+)"', html)}
    for _kind, name, value in re.findall(
        r'<input type="(radio|checkbox)" name="(r\d+)" value="([^"]*)"', html
    ):
        data.setdefault(name, [value])
    for name in re.findall(r'<input type="text" name="(r\d+)"', html):
        data[name] = ["PDCA"]
    for name in re.findall(r'<textarea name="(r\d+)"', html):
        data[name] = ["Lập kế hoạch, thực hiện, kiểm tra, hành động."]
    return data


def quiz(facts: dict, attempts: int, samples: dict) -> None:
    from django.test import Client

    sessions = json.loads((VAR / "quiz_sessions.json").read_text())
    slug = facts["quiz_slug"]
    for i in range(attempts):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.cookies["sessionid"] = sessions[i % len(sessions)]
        with _measured(samples, "quiz detail"):
            assert client.get(f"/quizzes/{slug}/").status_code == 200
        with _measured(samples, "quiz start"):
            r = client.post(f"/quizzes/{slug}/start/")
        assert r.status_code == 302, r.status_code
        url = r["Location"]
        with _measured(samples, "quiz page"):
            page = client.get(url)
        assert page.status_code == 200
        data = _answers(page.content.decode())
        with _measured(samples, "quiz submit"):
            r = client.post(url + "submit/", data)
        assert r.status_code == 302 and r["Location"].endswith("/result/"), r.status_code
        with _measured(samples, "quiz result"):
            assert client.get(r["Location"]).status_code == 200


def checkin(facts: dict, count: int, samples: dict) -> None:
    from django.test import Client

    from lms.training.checkin import checkin_token_issue
    from lms.training.models import Attendance, AttendanceChange, SessionDay

    def clear():
        AttendanceChange.objects.filter(attendance__day=day).delete()
        Attendance.objects.filter(day=day).delete()

    sessions = json.loads((VAR / "checkin_sessions.json").read_text())
    day = SessionDay.objects.select_related("session").get(pk=int(facts["checkin_day"]))
    clear()
    url = f"/sessions/{day.session_id}/days/{day.pk}/checkin/"
    # One client (its handler loads the middleware once, as a server process does), each
    # official with their own cookies.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for key in sessions[:count]:
        client.cookies.clear()
        client.cookies["sessionid"] = key
        token = checkin_token_issue(day=day)
        # The scan opens the confirmation page, whose button posts the check-in.
        with _measured(samples, "check-in page"):
            assert client.get(f"{url}{token}/").status_code == 200
        with _measured(samples, "check-in first"):
            r = client.post(f"{url}{token}/")
        assert r.status_code == 200 and b"message-success" in r.content, r.status_code
        with _measured(samples, "check-in repeat"):
            r = client.post(f"{url}{token}/")
        assert r.status_code == 200 and b"already checked in" in r.content
    clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20)
    parser.add_argument("--checkins", type=int, default=100)
    parser.add_argument("--profile", choices=["quiz", "checkin"])
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    args = parser.parse_args()
    global VAR, FACTS  # noqa: PLW0603 - the chosen backend's folder, for the scenarios above
    if args.db != "sqlite" or not os.environ.get("BENCH_VAR"):
        run.use_backend(args.db)
        VAR, FACTS = run.VAR, run.VAR / "facts.json"
    if not FACTS.exists():
        raise SystemExit("prepare the bench database first: python -m tests.bench.run --only bare")
    os.environ.update(bench_env(args.db))
    import django

    django.setup()  # no setup_test_environment: templates render as they do when served
    facts = json.loads(FACTS.read_text())
    samples: dict = {}
    warm: dict = {}
    quiz(facts, 2, warm)
    checkin(facts, 2, warm)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    if args.profile != "checkin":
        quiz(facts, args.attempts, samples)
    if args.profile != "quiz":
        checkin(facts, args.checkins, samples)
    if args.profile:
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(70)
        stats.sort_stats("tottime").print_stats(40)
    # CPU time is this process's own (SQLite runs in it): on a busy machine it is the steadier
    # figure; wall time counts the waits for a core too.
    print(f"{'request':<16} {'wall ms':>8} {'CPU ms':>8} {'queries':>8}  (medians)")

    def med(rows, i):
        return statistics.median(r[i] for r in rows)

    for name, rows in samples.items():
        print(f"{name:<16} {med(rows, 0):>8.2f} {med(rows, 2):>8.2f} {med(rows, 1):>8.0f}")
    attempt = [samples[k] for k in samples if k.startswith("quiz ")]
    print(
        f"{'quiz attempt':<16} {sum(med(r, 0) for r in attempt):>8.2f} "
        f"{sum(med(r, 2) for r in attempt):>8.2f} {sum(med(r, 1) for r in attempt):>8.0f}"
    )


if __name__ == "__main__":
    main()
