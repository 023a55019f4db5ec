"""Refresh one catalogue: ``python -m lms.core.i18n_extract <app>|theme``.

An app's catalogue (lms/<app>/locale) holds the strings of its Python code and of its templates
under themes/default/templates/<app>/. The theme's catalogue (themes/default/locale) holds the
strings of the theme's shared templates (everything not in an app's template folder).
Django's makemessages is run in a scratch folder of symlinks so each catalogue sees only its files.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THEME = ROOT / "themes" / "default"
LANGS = ["vi", "en"]


def app_names() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "lms").glob("*/apps.py"))


def extract(target: str) -> Path:
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    django.setup()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        if target == "theme":
            locale = THEME / "locale"
            templates = THEME / "templates"
            own_dirs = {name for name in app_names() if (ROOT / "lms" / name / "locale").is_dir()}
            for entry in templates.iterdir():
                if entry.is_dir() and entry.name in own_dirs:
                    continue
                os.symlink(entry, scratch_dir / entry.name)
        else:
            app_dir = ROOT / "lms" / target
            if not (app_dir / "apps.py").exists():
                raise SystemExit(f"{target}: no such app in lms/")
            locale = app_dir / "locale"
            os.symlink(app_dir, scratch_dir / "code")
            templates = THEME / "templates" / target
            if templates.is_dir():
                os.symlink(templates, scratch_dir / "templates")
        locale.mkdir(exist_ok=True)
        os.symlink(locale, scratch_dir / "locale")
        cwd = os.getcwd()
        os.chdir(scratch_dir)
        try:
            call_command(
                "makemessages",
                locale=LANGS,
                symlinks=True,
                no_obsolete=True,
                extensions=["html", "txt", "py"],
                ignore_patterns=["code/locale/*", "code/migrations/*", "locale/*"],
                verbosity=0,
            )
        finally:
            os.chdir(cwd)
    return locale


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m lms.core.i18n_extract <app>|theme")
    print(extract(sys.argv[1]))
