"""Data the bench scenarios need, made inside the bench database (run via `manage.py shell`).

Prints ``BENCH key=value`` lines that tests/bench/run.py reads. Logins for the many simulated
officials are made as ready sessions (one shared password hash, each session saved by the
project's session engine as a login saves it: the database row and the cached copy), so
preparing 300 of them takes seconds, not a password hash each.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

QUIZ_LEARNERS = 20
CHECKIN_OFFICIALS = 300
READERS = 200
# BENCH_VAR lets a second bench run use its own folder (the default is var/bench).
OUT = Path(os.environ.get("BENCH_VAR") or Path(__file__).resolve().parents[2] / "var" / "bench")


def _officials_with_sessions(prefix: str, count: int, agency) -> list[tuple]:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password

    from lms.agencies.models import Assignment, Official
    from lms.core.models import Role
    from lms.core.services import role_assign
    from lms.users.models import User

    password = make_password("bench-password")
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{i:03d}", full_name=f"Học viên thử {i:03d}", password=password)
            for i in range(1, count + 1)
        ]
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("username"))
    officials = Official.objects.bulk_create(
        [
            Official(user=u, full_name=u.full_name, staff_code=f"{prefix.upper()}{i:03d}")
            for i, u in enumerate(users)
        ]
    )
    officials = list(Official.objects.filter(user__in=users).order_by("user__username"))
    Assignment.objects.bulk_create(
        [
            Assignment(official=o, agency=agency, start_date=datetime.date(2025, 7, 1))
            for o in officials
        ]
    )
    for u in users:
        role_assign(user=u, role=Role.LEARNER, agency=agency)
    # The engine a login uses (cached_db: the row, and the copy in the cache the next request
    # reads): the officials logged in on their phones before the day, as they do.
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = []
    for u in users:
        store = session_store()
        store[SESSION_KEY] = str(u.pk)
        # The backend that loads users (the first ones in the list only throttle logins).
        store[BACKEND_SESSION_KEY] = "lms.core.auth.CachedModelBackend"
        store[HASH_SESSION_KEY] = u.get_session_auth_hash()
        store.set_expiry(settings.LEARNER_SESSION_SECONDS)  # as lms.core.auth gives learners
        store.create()
        cookies.append(store.session_key)
    return list(zip(users, officials, cookies, strict=True))


def prepare() -> None:
    from lms.agencies.models import Agency
    from lms.courses.models import LessonPage

    OUT.mkdir(parents=True, exist_ok=True)
    lesson = LessonPage.objects.live().order_by("path").first()
    if lesson is not None:
        print(f"BENCH lesson_url={lesson.url}")

    agency = Agency.objects.filter(code="27").first() or Agency.objects.order_by("path").first()

    # Quiz: 20 questions drawn from the awareness course's module categories, on one page.
    from lms.quizzes.models import Category, Quiz, QuizDraw

    cats = list(Category.objects.filter(path__startswith="ISO-NT/").order_by("path"))
    if cats:
        quiz = Quiz.objects.create(
            title="Bench: 20 câu", slug="bench-20", pass_mark=50, attempts_allowed=0
        )
        counts = [3, 3, 3, 3, 2, 2, 2, 2]
        for order, (cat, n) in enumerate(zip(cats, counts, strict=False)):
            QuizDraw.objects.create(quiz=quiz, category=cat, count=n, order=order)
        learners = _officials_with_sessions("benchq", QUIZ_LEARNERS, agency)
        (OUT / "quiz_sessions.json").write_text(json.dumps([c for _, _, c in learners]))
        print(f"BENCH quiz_slug={quiz.slug}")

    # Check-in: one session today with 300 registered officials.
    from django.utils import timezone

    from lms.training.models import Registration, SessionDay, TrainingSession

    today = timezone.localdate()
    session = TrainingSession.objects.create(
        title="Bench: hội trường 300 người",
        host_agency=agency,
        venue="Hội trường",
        capacity=400,
        status="open",
    )
    day = SessionDay.objects.create(
        session=session, date=today, start_time=datetime.time(0, 0), end_time=datetime.time(23, 59)
    )
    people = _officials_with_sessions("benchc", CHECKIN_OFFICIALS, agency)
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                official=o,
                agency=agency,
                status="registered",
                registered_at=timezone.now(),
            )
            for _, o, _ in people
        ]
    )
    (OUT / "checkin_sessions.json").write_text(json.dumps([c for _, _, c in people]))
    (OUT / "checkin_users.json").write_text(json.dumps([u.username for u, _, _ in people]))
    print(f"BENCH checkin_session={session.pk}")
    print(f"BENCH checkin_day={day.pk}")
    openbadges_prepare(people[0][1], agency)
    readers_prepare(agency)


def readers_prepare(agency, count: int = READERS) -> None:
    """Many learners reading many lessons: ``count`` officials enrolled in every published course,
    each with some lessons already done (so their outlines differ), and the file the wrk script
    reads (tests/bench/readers.lua): one line per learner, its session key then the lesson URLs it
    goes through, in its own order."""
    import random

    from lms.courses.models import CoursePage, Enrolment, LessonPage, LessonProgress

    courses = list(CoursePage.objects.live().order_by("path"))
    lessons = {
        course.pk: list(LessonPage.objects.live().descendant_of(course).order_by("path"))
        for course in courses
    }
    courses = [c for c in courses if lessons[c.pk]]
    if not courses:
        return
    people = _officials_with_sessions("benchr", count, agency)
    rng = random.Random(12)
    Enrolment.objects.bulk_create(
        [
            Enrolment(official=o, course=c, agency=agency, source="assigned")
            for _, o, _ in people
            for c in courses
        ]
    )
    done = []
    for _, official, _ in people:
        for course in courses:
            for lesson in lessons[course.pk]:
                if rng.random() < 0.3:
                    done.append(
                        LessonProgress(
                            official=official,
                            lesson=lesson,
                            course=course,
                            completed_at=timezone_now(),
                        )
                    )
    LessonProgress.objects.bulk_create(done, ignore_conflicts=True)
    urls = [lesson.url for course in courses for lesson in lessons[course.pk]]
    lines = []
    for _, _, cookie in people:
        mine = list(urls)
        rng.shuffle(mine)
        lines.append(readers_line(cookie, mine))
    (OUT / "readers.txt").write_text("".join(lines))
    print(f"BENCH readers={len(lines)}")
    print(f"BENCH reader_lessons={len(urls)}")
    print(f"BENCH reader_courses={len(courses)}")


def readers_line(session_key: str, urls: list[str]) -> str:
    """One learner's line of readers.txt (what tests/bench/readers.lua parses)."""
    if not session_key or any(c.isspace() for c in session_key + "".join(urls)):
        raise ValueError("session keys and URLs must have no spaces")
    return " ".join([session_key, *urls]) + "\n"


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def openbadges_prepare(official, agency) -> None:
    """A certificate whose Open Badges credential the "verify" scenario asks for."""
    from django.utils import timezone

    from lms.certificates.models import Certificate
    from lms.courses.models import CoursePage

    course = CoursePage.objects.live().order_by("path").first()
    if course is None:
        return
    certificate, _ = Certificate.objects.get_or_create(
        source_key="bench:openbadges",
        defaults={
            "code": "BENCHOB3CREDENTIAL0000000001",
            "official": official,
            "holder_name": official.full_name,
            "agency": agency,
            "agency_name": agency.name,
            "course": course,
            "course_title": course.title,
            "issued_on": timezone.localdate(),
            "score": 90,
        },
    )
    print(f"BENCH verify_code={certificate.code}")


def checkin_start(day_id: int) -> None:
    """Before a burst: clear the day's attendance (so a reused database starts empty) and give the
    session's check-in secret, from which the bench's "projector" issues a token every window."""
    from lms.training.models import Attendance, AttendanceChange, SessionDay

    day = SessionDay.objects.select_related("session").get(pk=day_id)
    AttendanceChange.objects.filter(attendance__day=day).delete()  # history protects its rows
    Attendance.objects.filter(day=day).delete()
    print(f"BENCH secret={day.session.checkin_secret}")


def checkin_token(day_id: int) -> None:
    from lms.training.checkin import checkin_token_issue
    from lms.training.models import SessionDay

    print(f"BENCH token={checkin_token_issue(day=SessionDay.objects.get(pk=day_id))}")


def checkin_count(day_id: int) -> None:
    from django.db.models import Count

    from lms.training.models import Attendance

    rows = Attendance.objects.filter(day_id=day_id, registration__isnull=False)
    per = rows.values("registration").annotate(n=Count("id"))
    print(f"BENCH rows={rows.count()}")
    print(f"BENCH distinct={per.count()}")
    users = rows.values_list("registration__official__user__username", flat=True).distinct()
    print(f"BENCH recorded={','.join(sorted(u for u in users if u))}")


def verify_code() -> None:
    """The demo learner's certificate (load_demo issues it): the verify page's bench target."""
    from lms.certificates.models import Certificate

    certificate = Certificate.objects.filter(official__user__username="learner").first()
    if certificate is not None:
        print(f"BENCH verify_url=/verify/{certificate.code}/")


def certificate_batch(size: int = 300) -> None:
    """Issue a closed session's certificates for ``size`` officials, PDFs included, in this one
    process (one worker); prints the time taken."""
    import time

    from django.utils import timezone

    from lms.agencies.models import Agency
    from lms.certificates.models import Certificate, IssueBatch
    from lms.certificates.services import batch_run
    from lms.courses.models import CoursePage
    from lms.training.models import Registration, TrainingSession

    course = CoursePage.objects.live().filter(code="ISO-NT").first()
    agency = Agency.objects.filter(code="27").first() or Agency.objects.order_by("path").first()
    stamp = timezone.now().strftime("%H%M%S%f")
    session = TrainingSession.objects.create(
        title=f"Bench: cấp {size} giấy chứng nhận {stamp}",
        course=course,
        host_agency=agency,
        status="closed",
        closed_at=timezone.now(),
    )
    people = _officials_with_sessions(f"benchg{stamp}", size, agency)
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                official=o,
                agency=agency,
                status="registered",
                registered_at=timezone.now(),
                completed=True,
                attendance_percent=100,
            )
            for _, o, _ in people
        ]
    )
    batch = IssueBatch.objects.create(session=session)
    started, cpu = time.perf_counter(), time.process_time()
    batch = batch_run(batch_id=batch.pk)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    pdfs = Certificate.objects.filter(session=session).exclude(pdf="").count()
    print(f"BENCH batch_seconds={seconds:.2f}")
    # CPU seconds of this process: on a shared machine the wall time also counts the others' load.
    print(f"BENCH batch_cpu_seconds={cpu:.2f}")
    print(f"BENCH batch_issued={batch.issued}")
    print(f"BENCH batch_pdfs={pdfs}")
