"""Private service processes for the fault tests of the services run (never the shared ones)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

# Fault tests stop, freeze and kill things: they run in CI's services run only (LMS_REAL_WORKER=1).
services_only = pytest.mark.skipif(
    not os.environ.get("LMS_REAL_WORKER"), reason="fault test of CI's services run"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own (own port, own folder, nothing saved to disk)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def dbsize(self, db: int = 0) -> int:
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), "-n", str(db), "dbsize"],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout.strip())


def database_url() -> str:
    """The URL of the database this test runs on, for a worker process to use the same."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class PrivateWorker:
    """A Celery worker of this test's own, on its own broker and settings module, in its own
    process group so that a kill -9 reaches the pool children too."""

    def __init__(self, broker: str, folder: Path, *, settings_module: str, args=(), env=None):
        self.broker, self.folder = broker, folder
        self.settings_module, self.args, self.env = settings_module, list(args), dict(env or {})
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import sys

        from django.conf import settings

        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CELERY_", "CACHE_", "PYTEST_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings_module,
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=self.broker,
            PYTHONPATH=str(settings.BASE_DIR),
            **self.env,
        )
        command = [sys.executable, "-m", "celery", "-A", "lms", "worker", *self.args]
        command += ["--pool=prefork", "--loglevel=WARNING", "--logfile", str(self.log)]
        self.process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, start_new_session=True
        )

    @property
    def log(self) -> Path:
        return self.folder / "worker.log"

    def kill(self, sig=signal.SIGKILL) -> None:
        os.killpg(self.process.pid, sig)
        self.process.wait(30)

    def wait_for(self, condition, what: str, seconds: float = 300, every: float = 0.1) -> None:
        """Poll ``condition`` until true; fail with the worker's log after ``seconds``."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(
                    f"gave up waiting for {what}; worker log:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(every)
