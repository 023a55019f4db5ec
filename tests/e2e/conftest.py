"""Browser journeys: Debian's Chromium (through Playwright) against a live server with demo data.

The server is a separate process on a fresh SQLite database in a temporary folder: migrate,
load_demo, then runserver on a free port. Nothing here imports Django into the test process.
``check_a11y(page)`` runs axe-core (from node_modules, installed by ``make e2e``) in the page and
fails on violations of impact "serious" or "critical". Every browser context reports the
Content-Security-Policy violations of the server's pages; a test during which one happens fails.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "demo12345"
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
# Runs in every document before its own scripts: the browser's CSP violations become console
# errors that the context's console listener collects.
CSP_GUARD = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.effectiveDirective + " blocked " + (e.blockedURI || "?")
    + " in " + e.documentURI + " line " + e.lineNumber + (e.sample ? " sample " + e.sample : ""));
});
"""
CSP_VIOLATIONS: list[str] = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, timeout=600) -> str:
    """Run manage.py against the live server's database; returns its output, fails with it."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        pytest.fail(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def manage_shell(env, code: str) -> str:
    """The last line printed by a `manage.py shell -c` snippet run against the server's data."""
    lines = manage(env, "shell", "-c", code, timeout=120).strip().splitlines()
    return lines[-1] if lines else ""


@pytest.fixture(scope="session")
def server_env(tmp_path_factory):
    """The environment of the server's manage.py (tests use it to inspect or prepare data).

    To iterate on journeys against a server you already run, set LMS_E2E_URL to its address and
    LMS_E2E_DATABASE_URL / LMS_E2E_MAIL_DIR to its database and file-mail folder.
    """
    base = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DATABASE_URL": f"sqlite:///{base / 'db.sqlite3'}",
        "MEDIA_ROOT": str(base / "media"),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for key in ("CELERY_BROKER_URL", "CACHE_URL", "REDIS_URL", "EMAIL_URL"):
        env.pop(key, None)
    env["EMAIL_URL"] = f"file://{os.environ.get('LMS_E2E_MAIL_DIR') or base / 'mail'}"
    if os.environ.get("LMS_E2E_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["LMS_E2E_DATABASE_URL"]
    else:
        env["CACHE_DIR"] = str(base / "cache")  # the server's and manage_shell's shared cache
    return env


@pytest.fixture(scope="session")
def live_url(server_env):
    if os.environ.get("LMS_E2E_URL"):
        yield os.environ["LMS_E2E_URL"].rstrip("/")
        return
    manage(server_env, "migrate", "--noinput", "-v", "0")
    manage(server_env, "load_demo")
    port = _free_port()
    log = open(Path(server_env["MEDIA_ROOT"]).parent / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except Exception:
            if proc.poll() is not None:
                failed = f"runserver exited with {proc.returncode}; see {log.name}"
                raise RuntimeError(failed) from None
            time.sleep(0.3)
    else:
        proc.terminate()
        raise RuntimeError("runserver did not answer within 30 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def _watch_csp(ctx, live_url: str):
    """Collect the CSP violations reported by the server's pages in ``ctx``."""
    ctx.add_init_script(CSP_GUARD)

    def on_console(msg):
        text = msg.text
        # Our guard's message, or Chromium's own "Refused to ... Content Security Policy" one;
        # frames of other sites (the YouTube player) keep their own policies.
        ours = text.startswith("CSP violation") and f" in {live_url}" in text
        chromium = "Content Security Policy" in text and (msg.location or {}).get(
            "url", ""
        ).startswith(live_url)
        if ours or chromium:
            CSP_VIOLATIONS.append(text)

    ctx.on("console", on_console)
    return ctx


@pytest.fixture(scope="session")
def browser(live_url):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = b.new_context

        @functools.wraps(new_context)
        def watched_context(*args, **kwargs):
            return _watch_csp(new_context(*args, **kwargs), live_url)

        b.new_context = watched_context  # every context of every test, fixture or helper
        yield b
        b.close()


@pytest.fixture(autouse=True)
def no_csp_violation():
    """Fail the test during which a page of ours broke its Content-Security-Policy."""
    seen = len(CSP_VIOLATIONS)
    yield
    new = CSP_VIOLATIONS[seen:]
    if new:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(new[:20]))


@pytest.fixture
def context(browser, live_url, request):
    ctx = browser.new_context(
        base_url=live_url, locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for i, pg in enumerate(ctx.pages):
            pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def login(page, username: str, password: str = DEMO_PASSWORD):
    """Log in through the real form and land on the page the login redirects to."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/accounts/login/" not in page.url, f"login as {username} failed"


def submit(page, selector: str = "main button[type=submit]"):
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def check_a11y(page, *, context: str = "") -> list[dict]:
    """Run axe-core in the page; fail on serious or critical violations. Returns all violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make e2e` installs axe-core from the npm registry")
    # Evaluated through DevTools, not as an inline <script> (which the CSP refuses).
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    violations = result["violations"]
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    if bad:
        detail = json.dumps(
            [
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "nodes": [n["target"] for n in v["nodes"]][:5],
                }
                for v in bad
            ],
            ensure_ascii=False,
            indent=1,
        )
        pytest.fail(
            f"axe-core on {context or page.url}: {len(bad)} serious/critical violations\n{detail}"
        )
    return violations


def pytest_collection_modifyitems(config, items):
    """Run the accessibility sweep after the journeys: its lesson visits enrol the learner in a
    course, which the journeys expect to find open for self-enrolment."""
    items.sort(key=lambda item: item.module.__name__.endswith("test_a11y_sweep"))
