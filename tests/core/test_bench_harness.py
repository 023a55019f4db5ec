"""`make bench`'s helpers (tests/bench): the readers file the wrk script parses, the table."""

import pytest

from tests.bench.fixtures import readers_line
from tests.bench.run import Row, merge, ratio_row, table


def test_readers_line_is_a_session_key_then_the_learners_lessons():
    line = readers_line("abc123", ["/khoa-hoc/a/", "/khoa-hoc/b/"])
    assert line == "abc123 /khoa-hoc/a/ /khoa-hoc/b/\n"
    # What tests/bench/readers.lua does with it: words split on spaces.
    key, *urls = line.split()
    assert key == "abc123" and urls == ["/khoa-hoc/a/", "/khoa-hoc/b/"]
    with pytest.raises(ValueError):
        readers_line("abc", ["/khoa hoc/"])


def test_table_gives_rate_ratio_target_and_pass_or_fail():
    bare = {"rps": 1000.0, "p99_ms": 5.0, "bad": 0, "socket_errors": ""}
    fast = ratio_row("home page", {**bare, "rps": 450.0}, bare)
    slow = ratio_row("lessons", {**bare, "rps": 300.0}, bare)
    failing = ratio_row("verify", {**bare, "rps": 900.0, "bad": 3}, bare)
    assert (fast.ok, slow.ok, failing.ok) == (True, False, False)
    text = table([Row("bare Django view", 1000.0, ratio=1.0), fast, slow, failing], "SQLite")
    lines = text.splitlines()
    assert lines[0] == "SQLite"
    assert lines[2].split()[:6] == ["scenario", "rate", "unit", "ratio", "target", "result"]
    home = next(line for line in lines if line.startswith("home page"))
    assert "450.0" in home and "0.45" in home and "≥ 0.40 of bare" in home and " pass " in home
    assert " FAIL " in next(line for line in lines if line.startswith("lessons"))
    assert "not 200: 3" in next(line for line in lines if line.startswith("verify"))


def test_merge_averages_slices():
    slices = [
        {"rps": 100.0, "p99_ms": 3.0, "bad": 0, "socket_errors": ""},
        {"rps": 300.0, "p99_ms": 9.0, "bad": 2, "socket_errors": "timeout 1"},
    ]
    assert merge(slices) == {"rps": 200.0, "p99_ms": 9.0, "bad": 2, "socket_errors": "timeout 1"}


@pytest.mark.django_db
def test_bench_officials_hold_sessions_saved_as_a_login_saves_them(tree, django_assert_num_queries):
    """The row and the cached copy: the officials' first requests read their session from the
    cache, as after a real login."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    from tests.bench.fixtures import _officials_with_sessions

    people = _officials_with_sessions("benchx", 2, tree["commune_a1"])
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for user, _official, key in people:
        assert Session.objects.filter(session_key=key).exists()
        with django_assert_num_queries(0):
            session = store(key)
            assert session[SESSION_KEY] == str(user.pk)
        assert session.get_expiry_age() == settings.LEARNER_SESSION_SECONDS


def tiny_app(environ, start_response):
    """A WSGI app for the server helper's test: answers its path."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]


def test_serve_starts_gunicorn_waits_for_it_and_stops_it(tmp_path):
    import os
    import urllib.request

    from tests.bench.server import serve

    log = tmp_path / "gunicorn.log"
    with serve(
        dict(os.environ),
        log=log,
        workers=1,
        threads=1,
        ready="/ready/",
        app="tests.core.test_bench_harness:tiny_app",
    ) as server:
        assert server.proc.poll() is None
        with urllib.request.urlopen(server.url + "/hello/", timeout=10) as answer:
            assert answer.read() == b"/hello/"
    assert server.proc.returncode is not None  # stopped on leaving the block
    with pytest.raises(OSError):
        urllib.request.urlopen(server.url + "/hello/", timeout=2)


def test_serve_runs_sync_workers_that_close_each_connection(tmp_path):
    """The bench's default server shape (as the README's production command): a sync worker
    answers a keep-alive request and closes the connection, as behind nginx's HTTP/1.0."""
    import http.client
    import os

    from tests.bench.run import server_shape
    from tests.bench.server import serve

    log = tmp_path / "gunicorn.log"
    with serve(
        dict(os.environ),
        log=log,
        workers=1,
        worker_class="sync",
        ready="/ready/",
        app="tests.core.test_bench_harness:tiny_app",
    ) as server:
        assert "--threads" not in server.proc.args
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/kept/", headers={"Connection": "keep-alive"})
        answer = conn.getresponse()
        assert answer.read() == b"/kept/"
        assert answer.getheader("Connection") == "close"
        conn.close()
    args = type("Args", (), {"worker_class": "sync", "workers": 2, "threads": 4})
    assert server_shape(args) == "sync, 2 workers"
    args.worker_class = "gthread"
    assert server_shape(args) == "gthread, 2 workers × 4 threads"


def test_serve_says_where_the_log_is_when_gunicorn_cannot_start(tmp_path):
    import os

    from tests.bench.server import serve

    log = tmp_path / "gunicorn.log"
    with pytest.raises(RuntimeError, match="gunicorn exited .*gunicorn.log"):
        with serve(dict(os.environ), log=log, workers=1, app="tests.no_such_module:app"):
            pass
    assert "no_such_module" in log.read_text()


def test_bench_browser_sends_its_cookies_on_a_connection_per_request():
    """tests/bench/scenarios.Browser: what the quiz and check-in scenarios send (as gunicorn gets
    it behind the README's nginx: one connection per request, closed after the answer)."""
    import threading
    import urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.bench.scenarios import Browser

    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, body: bytes = b""):
            seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "cookie": self.headers["Cookie"],
                    "csrf": self.headers["X-CSRFToken"],
                    "version": self.request_version,
                    "port": self.client_address[1],
                    "body": body,
                }
            )
            self.send_response(302 if self.command == "POST" else 200)
            if self.path == "/set/":
                self.send_header("Set-Cookie", "messages=abc; Path=/")
            if self.path == "/drop/":
                self.send_header("Set-Cookie", 'messages=""; Max-Age=0; Path=/')
            self.send_header("Location", "/next/")
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"s\xc3\xa1ch")

        def do_GET(self):
            self._answer()

        def do_POST(self):
            self._answer(self.rfile.read(int(self.headers["Content-Length"])))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser = Browser(f"http://127.0.0.1:{server.server_address[1]}", "key1")
        first = browser.get("/set/")
        assert (first.status_code, first.text) == (200, "sách")
        answer = browser.post("/form/", {"present": ["1", "2"], "r1": ["A"], "csrf": browser.csrf})
        assert answer.status_code == 302 and answer.headers["location"] == "/next/"
        browser.get("/drop/")
        browser.get("/last/")
    finally:
        server.shutdown()
    assert [s["version"] for s in seen] == ["HTTP/1.0"] * 4  # closed after each answer
    assert len({s["port"] for s in seen}) == 4  # a new connection each time
    assert all(s["csrf"] == browser.csrf for s in seen)
    assert seen[0]["cookie"] == f"sessionid=key1; csrftoken={browser.csrf}"
    assert "messages=abc" in seen[1]["cookie"]  # kept from the answer that set it
    assert "messages" not in seen[3]["cookie"]  # and dropped when the server expired it
    assert urllib.parse.parse_qs(seen[1]["body"].decode()) == {
        "present": ["1", "2"],
        "r1": ["A"],
        "csrf": [browser.csrf],
    }
