"""The release stamp that page-cache keys carry follows the code's contents, not file times."""

import os

from lms.core.release import release


def stamp_of(settings, tmp_path) -> str:
    settings.BASE_DIR = tmp_path
    settings.THEME_DIR = tmp_path / "theme"
    return release.__wrapped__()


def test_same_contents_same_stamp_changed_template_new_stamp(settings, tmp_path):
    (tmp_path / "lms").mkdir()
    (tmp_path / "theme" / "templates").mkdir(parents=True)
    code = tmp_path / "lms" / "views.py"
    template = tmp_path / "theme" / "templates" / "page.html"
    code.write_text("x = 1\n")
    template.write_text("<h1>{{ page.title }}</h1>\n")
    first = stamp_of(settings, tmp_path)
    os.utime(code, (0, 0))  # another server, another checkout time: the same release
    assert stamp_of(settings, tmp_path) == first
    template.write_text("<h1 class='title'>{{ page.title }}</h1>\n")
    assert stamp_of(settings, tmp_path) != first
