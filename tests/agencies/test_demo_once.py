"""`make run` loads the demo once per database (a DemoLoad row marks it); `make demo` reloads it
(load_demo --force); the Makefile serves with BASE_URL on the port it serves."""

import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from lms.agencies.management.commands import load_demo
from lms.core.models import DemoLoad

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def loads(monkeypatch):
    """The demo's loaders, counted instead of run (test_demo.py runs the real ones)."""
    calls = []

    def world():
        calls.append("world")
        return [SimpleNamespace(username="admin", role="admin", agency="Tỉnh Bắc Ninh")]

    monkeypatch.setattr(load_demo, "demo_world_load", world)
    monkeypatch.setattr(
        load_demo, "demo_hooks", lambda: [("courses", lambda out: calls.append("courses"))]
    )
    return calls


@pytest.mark.django_db
def test_the_demo_is_loaded_once_per_database_and_again_only_on_purpose(loads, capsys):
    call_command("load_demo")
    assert loads == ["world", "courses"]
    assert DemoLoad.objects.count() == 1
    capsys.readouterr()

    call_command("load_demo")  # the next `make run`: what a tester imported or changed stays
    assert loads == ["world", "courses"]
    assert DemoLoad.objects.count() == 1
    assert "Demo already loaded into this database" in capsys.readouterr().out

    call_command("load_demo", force=True)  # `make demo`
    assert loads == ["world", "courses"] * 2
    assert DemoLoad.objects.count() == 2


def _make(*args) -> str:
    out = subprocess.run(
        ["make", "-n", "--always-make", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout


def test_make_run_loads_the_demo_if_new_and_links_to_the_port_it_serves():
    commands = _make("run", "PORT=8123")
    lines = [line for line in commands.splitlines() if "manage.py" in line]
    assert any(line.endswith("manage.py load_demo") for line in lines), lines
    serve = next(line for line in lines if "runserver" in line)
    assert "BASE_URL=http://127.0.0.1:8123" in serve and serve.endswith("runserver 127.0.0.1:8123")


def test_make_demo_reloads_the_demo_on_purpose():
    lines = [line for line in _make("demo").splitlines() if "manage.py" in line]
    assert any(line.endswith("manage.py load_demo --force") for line in lines), lines
