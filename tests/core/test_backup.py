"""manage.py backup / restore: a populated database and its files come back whole.

Runs on SQLite in the default suite and on PostgreSQL (pg_dump / pg_restore) in the services run.
"""

import io
import json
import shutil
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lms.agencies.models import Official
from lms.core.backup import table_counts
from lms.courses.models import Enrolment, LessonProgress
from lms.quizzes.models import Sitting
from lms.training.models import Attendance, Registration, TrainingSession
from lms.training.selectors import session_report
from lms.users.models import User
from tests.factories.courses import ensure_site

pytestmark = pytest.mark.django_db(transaction=True)

SPOT_CHECKED = (User, Official, Registration, Attendance, Sitting, Enrolment, LessonProgress)


@pytest.fixture
def folders(settings, tmp_path):
    """Media and private media folders, each with an uploaded file."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    for root, name in (
        (settings.MEDIA_ROOT, "documents/so-tay.pdf"),
        (settings.PRIVATE_MEDIA_ROOT, "evidence/ky-ten.png"),
    ):
        path = root / name
        path.parent.mkdir(parents=True)
        path.write_bytes(f"%PDF {name}".encode())
    return settings


def _state() -> dict:
    with connection.cursor() as cursor:
        counts = table_counts(cursor, connection.introspection.table_names(cursor))
    return {
        "counts": counts,
        "rows": {m.__name__: list(m.objects.order_by("pk").values()) for m in SPOT_CHECKED},
        "reports": {s.pk: session_report(s) for s in TrainingSession.objects.order_by("pk")},
    }


def _files(settings) -> dict:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
        for p in root.rglob("*")
        if p.is_file()
    }


def _empty_target(settings):
    call_command("flush", interactive=False)
    shutil.rmtree(settings.MEDIA_ROOT)
    shutil.rmtree(settings.PRIVATE_MEDIA_ROOT)


def test_restore_into_an_empty_database_gives_the_same_records_and_reports(folders, tmp_path):
    ensure_site()  # an earlier transactional test's flush may have removed it; the demo needs it
    call_command("load_demo", stdout=io.StringIO())
    before, files = _state(), _files(folders)
    assert Attendance.objects.exists() and Sitting.objects.exists() and Enrolment.objects.exists()
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["tables"]["training_attendance"] == Attendance.objects.count()
    assert "media/documents/so-tay.pdf" in manifest["files"]
    assert "private/evidence/ky-ten.png" in manifest["files"]

    _empty_target(folders)
    assert not Registration.objects.exists() and _files(folders) == {}
    out = io.StringIO()
    call_command("restore", archive, stdout=out)
    assert "every count checked" in out.getvalue()
    assert _state() == before
    assert _files(folders) == files


@pytest.fixture
def archive(folders, tree, tmp_path):
    path = tmp_path / "backup.tar"
    call_command("backup", output=path, stdout=io.StringIO())
    return path


def _rewrite(archive, change):
    """Copy the archive with change(name, data) -> data applied to every member."""
    damaged = archive.with_name("damaged.tar")
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return damaged


def test_restore_refuses_a_target_that_holds_records(archive):
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", archive)
    call_command("restore", archive, force=True, stdout=io.StringIO())


def test_restore_refuses_a_damaged_archive(archive, folders):
    _empty_target(folders)
    damaged = _rewrite(
        archive, lambda name, data: data + b"x" if name.startswith("media/") else data
    )
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", damaged)


def test_restore_refuses_a_backup_of_a_newer_release(archive, folders):
    def newer(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["training"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    _empty_target(folders)
    with pytest.raises(CommandError, match="9999_from_the_future"):
        call_command("restore", _rewrite(archive, newer))
