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
    """Hash of the names, sizes and modification times of the platform's code, templates and
    compiled translations (read once per process, a few milliseconds)."""
    digest = hashlib.sha256()
    for base in (Path(settings.BASE_DIR) / "lms", Path(settings.THEME_DIR)):
        for path in sorted(base.rglob("*")):
            if path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]
