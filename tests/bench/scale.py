"""`make bench-scale`: the agency pages and the reports dashboards (when present) at scale.

Builds (or with ``--reuse`` keeps) a PostgreSQL database ``lms_scale`` holding
``generate_scale_data --officials N``, refreshes the summaries, serves it with gunicorn and
measures, logged in as a platform administrator and as a province's steering committee member:

- agency list (the 34 provinces), the largest province's agency page;
- the reports dashboard, national and for that province, if their URLs resolve.

For each page: the median and 90th percentile latency of ``--requests`` sequential requests after
a warm-up, and the number of SQL queries the page makes (counted in-process on the same data).

Usage: python -m tests.bench.scale --officials 500000 [--pg postgres://postgres@127.0.0.1:5432]
       [--reuse] [--requests 30]
The results are printed and written to var/bench-scale/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from tests.bench.server import serve

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "bench-scale"
DB_NAME = "lms_scale"
PY = sys.executable
TARGET_MS = 300  # at 500,000 officials; 1 s at 2,000,000

# Candidate URL names of the reports dashboards: (label, name, needs the province's pk).
DASHBOARDS = (
    ("reports dashboard (national)", "reports:index", False),
    ("reports dashboard (national)", "reports:dashboard", False),
    ("reports dashboard (province)", "reports:dashboard", True),
    ("reports dashboard (province)", "reports:agency_dashboard", True),
    ("reports dashboard (province)", "reports:dashboard_agency", True),
    ("reports dashboard (province)", "reports:agency", True),
)


def environment(pg: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DATABASE_URL": f"{pg.rstrip('/')}/{DB_NAME}",
        "CACHE_DIR": str(VAR / "cache"),
        "OTP_REQUIRED_FOR_ADMINS": "0",
        "PYTHONUNBUFFERED": "1",
        "EMAIL_URL": "locmem://",
    }
    env.pop("CELERY_BROKER_URL", None)
    return env


def prepare(pg: str, officials: int, reuse: bool) -> None:
    """A fresh lms_scale database with the generated data, unless --reuse finds one."""
    import psycopg
    from django.core.management import call_command

    with psycopg.connect(f"{pg.rstrip('/')}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and reuse:
            call_command("migrate", verbosity=0)  # the code may have moved on since
            return
        if exists:
            conn.execute(f"DROP DATABASE {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("generate_scale_data", officials=officials)
    print(f"generate_scale_data --officials {officials}: {time.monotonic() - started:.0f} s")


def bench_users():
    """A platform administrator and the largest province's steering member (created once)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from lms.agencies.models import Agency
    from lms.core.models import Role, RoleAssignment

    province = (
        Agency.objects.filter(depth=1, valid_to__isnull=True)
        .annotate(n=Count("assignments"))
        .order_by("-numchild", "path")
        .first()
    )
    users = {}
    for username, role, agency in (
        ("bench_admin", Role.ADMIN, None),
        ("bench_steering", Role.STEERING, province),
    ):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            RoleAssignment.objects.create(user=user, role=role, agency=agency)
        users[username] = user
    return users, province


def pages(province) -> list[tuple[str, str, str]]:
    """(label, user, path) of every page to measure."""
    from django.urls import NoReverseMatch, reverse

    found = [
        ("agency list", "bench_admin", reverse("agencies:agency_list")),
        (
            "province agency page",
            "bench_admin",
            reverse("agencies:agency_detail", args=[province.pk]),
        ),
        (
            "province agency page (steering)",
            "bench_steering",
            reverse("agencies:agency_detail", args=[province.pk]),
        ),
    ]
    labels = set()
    for label, name, with_pk in DASHBOARDS:
        if label in labels:
            continue
        try:
            path = reverse(name, args=[province.pk]) if with_pk else reverse(name)
        except NoReverseMatch:
            continue
        labels.add(label)
        found.append((label, "bench_admin", path))
    return found


def query_counts(users, targets) -> tuple[dict, dict]:
    """Queries per page (in-process) and a session cookie per user for the server."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients, cookies, counts = {}, {}, {}
    for username, user in users.items():
        client = Client()
        client.force_login(user)
        clients[username] = client
        cookies[username] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    for label, username, path in targets:
        client = clients[username]
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        counts[label] = {"queries": len(queries), "status": status}
    return counts, cookies


def latency(url: str, cookie: str, requests: int) -> dict:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    for _ in range(3):  # warm-up: imports, caches, the session
        urllib.request.urlopen(request, timeout=120).read()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            status = response.status
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "status": status,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
    }


def main(argv=None) -> int:
    global DB_NAME
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=500000)
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--reuse", action="store_true", help="keep an existing lms_scale database")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", default="lms_scale", help="database name (default lms_scale)")
    args = parser.parse_args(argv)
    DB_NAME = args.db
    VAR.mkdir(parents=True, exist_ok=True)
    env = environment(args.pg)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command, get_commands

    prepare(args.pg, args.officials, args.reuse)
    for name in ("refresh_agency_counts", "refresh_report_summaries"):
        if name in get_commands():
            started = time.monotonic()
            call_command(name)
            print(f"{name}: {time.monotonic() - started:.0f} s")
    from lms.agencies.models import Official

    users, province = bench_users()
    targets = pages(province)
    counts, cookies = query_counts(users, targets)
    results = {"officials": Official.objects.count(), "province": province.name, "pages": {}}
    options = ("--timeout", "120")
    with serve(
        env,
        log=VAR / "gunicorn.log",
        port=8097,
        threads=2,
        ready="/accounts/login/",
        wait_s=60,
        poll_s=0.5,
        options=options,
        stop_s=30,
    ) as server:
        for label, username, path in targets:
            measured = latency(server.url + path, cookies[username], args.requests)
            results["pages"][label] = {"path": path, **counts[label], **measured}
    print(f"{results['officials']:,} officials; province: {results['province']}")
    print(f"{'page':36} {'status':>6} {'queries':>8} {'median ms':>10} {'p90 ms':>8}")
    for label, row in results["pages"].items():
        target = TARGET_MS if results["officials"] <= 500000 else 1000
        flag = "" if row["median_ms"] < target else f"  (target < {target} ms)"
        print(
            f"{label:36} {row['status']:>6} {row['queries']:>8} {row['median_ms']:>10} "
            f"{row['p90_ms']:>8}{flag}"
        )
    (VAR / "scale.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
