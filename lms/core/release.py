"""A stamp of the code and templates this process serves.

Pages rendered into the cache carry it in their keys, so a deploy (or a developer's edit) never
serves a page rendered by the old templates, whatever the cache still holds.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.conf import settings

_SUFFIXES = {".py", ".html", ".mo", ".txt"}


@functools.cache
def release() -> str:
    """Hash of the contents of the platform's code, templates and compiled translations (read
    once per process, a few milliseconds). Contents, not file times: servers deployed apart from
    the same code agree, so they share what they cache."""
    digest = hashlib.sha256()
    for base in (Path(settings.BASE_DIR) / "lms", Path(settings.THEME_DIR)):
        for path in sorted(base.rglob("*")):
            if path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
