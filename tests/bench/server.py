"""One gunicorn server for the benchmarks (`make bench`, `make bench-scale`): started, waited for
until it answers, stopped when the ``with`` block ends, whatever happened inside it.

    with serve(env, log=VAR / "gunicorn.log", ready="/bench/bare/") as server:
        urllib.request.urlopen(server.url + "/")
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """The running server: its address and its process."""

    url: str
    port: int
    proc: subprocess.Popen


@contextmanager
def serve(
    env: dict,
    *,
    log: Path,
    workers: int = 2,
    threads: int = 4,
    worker_class: str = "gthread",
    port: int | None = None,
    ready: str = "/",
    wait_s: float = 30.0,
    poll_s: float = 0.2,
    options: Sequence[str] = (),
    app: str = "lms.wsgi:application",
    stop_s: float = 60.0,
) -> Iterator[Served]:
    """gunicorn serving ``app`` on 127.0.0.1:``port`` (a free one by default) with ``env``:
    ``workers`` processes of ``worker_class`` (sync, or gthread with ``threads`` each), its
    output in ``log``; ready once ``ready`` answers (within ``wait_s``). On leaving: SIGTERM,
    then SIGKILL if it has not stopped after ``stop_s``."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        *(("--threads", str(threads)) if worker_class == "gthread" else ()),
        *options,
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(proc, url + ready, log, wait_s, poll_s)
            yield Served(url, port, proc)
        finally:
            stop(proc, stop_s)


def wait_until_ready(proc, url: str, log: Path, wait_s: float, poll_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except Exception as exc:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {log}") from exc
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn did not answer {url} in {wait_s:.0f} s; see {log}"
                ) from exc
            time.sleep(poll_s)


def stop(proc: subprocess.Popen, stop_s: float) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=stop_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
