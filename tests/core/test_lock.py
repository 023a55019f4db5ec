"""requirements.lock (the whole dependency tree, `make lock`) agrees with pyproject.toml's pins."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[=<>~! ;]", requirement, maxsplit=1)[0]).lower()


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, _, version = line.partition("==")
            pins[_name(name)] = version.strip()
    return pins


def test_every_pin_of_pyproject_is_locked_at_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"] + project["optional-dependencies"]["test"]
    locked = _locked()
    assert len(locked) > len(direct)  # the dependencies' dependencies too
    wrong = {
        _name(req): (req.split("==")[1], locked.get(_name(req)))
        for req in direct
        if locked.get(_name(req)) != req.split("==")[1]
    }
    assert wrong == {}, "run `make lock` after changing pyproject.toml"


def test_every_locked_package_has_an_exact_version():
    locked = _locked()
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in locked.values()), locked


def test_the_makefile_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "install --quiet -r requirements.lock" in makefile
    assert "install --quiet -e . --no-deps" in makefile
