"""Writes for courses: enrolment, assignment in bulk, lesson progress and course completion."""

from __future__ import annotations

import contextlib
import datetime
import functools
import threading
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from lms.core.access import agency_in_scope
from lms.core.models import Role

from .models import CoursePage, Enrolment, EnrolmentSource, LessonPage, LessonProgress
from .selectors import course_path_of, current_assignments_in
from .signals import course_completed

ASSIGNER_ROLES = (Role.ISO_SECRETARY, Role.TRAINER, Role.STEERING)


def _agency_now(official):
    from lms.agencies.selectors import current_assignment

    assignment = current_assignment(official)
    return assignment.agency if assignment else None


def enrolment_create(
    *,
    official,
    course: CoursePage,
    source: str = EnrolmentSource.SELF,
    assigned_by=None,
    due_date: datetime.date | None = None,
) -> Enrolment:
    """Enrol an official (idempotent); self-enrolment only in open, published courses."""
    if source == EnrolmentSource.SELF and not (course.open_enrolment and course.live):
        raise ValidationError(_("This course is not open for self-enrolment."))
    existing = Enrolment.objects.filter(official=official, course=course).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                official=official,
                course=course,
                agency=_agency_now(official),
                source=source,
                assigned_by=assigned_by,
                due_date=due_date,
            )
    except IntegrityError:  # enrolled by a concurrent request
        return Enrolment.objects.get(official=official, course=course)


@dataclass(frozen=True)
class AssignResult:
    created: int
    already: int

    @property
    def total(self) -> int:
        return self.created + self.already


def course_assign(
    *,
    course: CoursePage,
    agencies,
    position_kinds=(),
    due_date: datetime.date | None = None,
    by_user,
) -> AssignResult:
    """Enrol every current official of the agencies' subtrees (optionally of some position
    kinds) in ``course``; idempotent; only inside the assigner's scope."""
    agencies = list(agencies)
    if not agencies:
        raise ValidationError(_("Choose at least one agency."))
    for agency in agencies:
        if not agency_in_scope(by_user, agency, *ASSIGNER_ROLES):
            raise PermissionDenied(f"{agency} is outside your scope")
    # Newest assignment first, so each official is enrolled with their current agency.
    rows = (
        current_assignments_in(agencies=agencies, position_kinds=position_kinds)
        .order_by("official_id", "-start_date", "-pk")
        .values_list("official_id", "agency_id")
    )
    agency_of: dict[int, int] = {}
    for official_id, agency_id in rows:
        agency_of.setdefault(official_id, agency_id)
    with transaction.atomic():
        already = set(
            Enrolment.objects.filter(course=course, official_id__in=list(agency_of)).values_list(
                "official_id", flat=True
            )
        )
        new = [
            Enrolment(
                official_id=official_id,
                course=course,
                agency_id=agency_id,
                source=EnrolmentSource.ASSIGNED,
                assigned_by=by_user,
                due_date=due_date,
            )
            for official_id, agency_id in agency_of.items()
            if official_id not in already
        ]
        Enrolment.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        # bulk_create sends no signals: the history rows of the new enrolments are written here.
        Enrolment.history.bulk_history_create(
            Enrolment.objects.filter(
                course=course,
                official_id__in=[e.official_id for e in new],
                source=EnrolmentSource.ASSIGNED,
                assigned_by=by_user,
            ),
            batch_size=1000,
            default_user=by_user,
        )
        if due_date and already:
            # Self-enrolled officials now have a deadline too; existing deadlines stay.
            dated = list(
                Enrolment.objects.filter(
                    course=course,
                    official_id__in=list(already),
                    due_date__isnull=True,
                    completed_at__isnull=True,
                )
            )
            for enrolment in dated:
                enrolment.due_date, enrolment.assigned_by = due_date, by_user
            bulk_update_with_history(
                dated,
                Enrolment,
                ["due_date", "assigned_by"],
                batch_size=1000,
                default_user=by_user,
            )
    return AssignResult(created=len(new), already=len(already))


def _course_of(lesson: LessonPage) -> CoursePage:
    return CoursePage.objects.get(path=course_path_of(lesson.path))


_SQLITE_WRITER = threading.Lock()


@functools.cache
def _seen_sql() -> tuple[str, str]:
    """Insert the learner's progress row on the lesson or stamp the one there; stamp the
    enrolment. Plain SQL written once: the fast path runs it whenever a learner opens another
    lesson, and on SQLite each statement holds the database's write lock only while it runs
    (no Python between taking the lock and letting it go, as a transaction around ORM calls
    would have, so writers queue for microseconds rather than convoy)."""
    qn = connection.ops.quote_name
    progress = (
        f"INSERT INTO {qn(LessonProgress._meta.db_table)} "
        f"({qn('official_id')}, {qn('lesson_id')}, {qn('course_id')}, {qn('last_seen_at')}) "
        f"VALUES (%s, %s, %s, %s) ON CONFLICT ({qn('official_id')}, {qn('lesson_id')}) "
        f"DO UPDATE SET {qn('last_seen_at')} = excluded.{qn('last_seen_at')}"
    )
    enrolment = (
        f"UPDATE {qn(Enrolment._meta.db_table)} SET {qn('last_lesson_id')} = %s, "
        f"{qn('last_seen_at')} = %s WHERE {qn('id')} = %s"
    )
    return progress, enrolment


def lesson_mark_seen(
    *, official_id: int, lesson_id: int, course_id: int, enrolment_id: int | None
) -> None:
    """Remember the lesson as the learner's place to resume (two statements). A lesson merely
    seen is not evidence, so its progress row gets no history row."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    progress, enrolment = _seen_sql()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # One transaction that does not wait for its WAL flush: a place to resume is no
        # evidence, and a crash may lose the last instant of them, never make them wrong.
        # (Inside a caller's transaction the setting would cover its writes too: not there.)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(progress, [official_id, lesson_id, course_id, now])
            if enrolment_id is not None:
                cursor.execute(enrolment, [lesson_id, now, enrolment_id])
        return
    # SQLite lets one writer in at a time and makes the others sleep in its busy handler (1, 2,
    # 5 ... 100 ms): the threads of one process take turns on a lock of ours instead.
    with _SQLITE_WRITER if connection.vendor == "sqlite" else contextlib.nullcontext():  # noqa: SIM117
        with connection.cursor() as cursor:
            cursor.execute(progress, [official_id, lesson_id, course_id, now])
            if enrolment_id is not None:
                cursor.execute(enrolment, [lesson_id, now, enrolment_id])


def lesson_mark_done(
    *, official, lesson: LessonPage, enrolment: Enrolment | None = None
) -> LessonProgress:
    """Record the lesson as done (idempotent) and check whether the course is now complete."""
    now = timezone.now()
    course_id = enrolment.course_id if enrolment else _course_of(lesson).pk
    progress, _created = LessonProgress.objects.get_or_create(
        official=official,
        lesson=lesson,
        defaults={"course_id": course_id, "completed_at": now, "last_seen_at": now},
    )
    if progress.completed_at is None:
        if LessonProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
            completed_at=now
        ):
            progress.completed_at = now
            _record_history(progress)
        else:
            progress.refresh_from_db(fields=["completed_at"])
    if enrolment is None:
        enrolment = Enrolment.objects.filter(official=official, course_id=course_id).first()
    if enrolment is not None:
        enrolment_evaluate_completion(enrolment=enrolment)
    return progress


def _record_history(obj) -> None:
    """History row for a change written with a conditional update() (which sends no signal)."""
    bulk_update_with_history([obj], type(obj), fields=[])


def _final_quiz_passed(enrolment: Enrolment) -> bool:
    from lms.quizzes.selectors import quiz_passed

    quiz = enrolment.course.final_quiz
    return bool(quiz_passed(official=enrolment.official, quiz=quiz))


def enrolment_evaluate_completion(*, enrolment: Enrolment) -> bool:
    """Set completed_at once the course's completion rule is met; sends course_completed once."""
    if enrolment.completed_at:
        return True
    course = enrolment.course
    lesson_ids = list(LessonPage.objects.live().descendant_of(course).values_list("pk", flat=True))
    if not lesson_ids:
        return False
    done = LessonProgress.objects.filter(
        official_id=enrolment.official_id, lesson_id__in=lesson_ids, completed_at__isnull=False
    ).count()
    if done < len(lesson_ids):
        return False
    if course.needs_final_quiz and course.final_quiz_id and not _final_quiz_passed(enrolment):
        return False
    now = timezone.now()
    changed = Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(
        completed_at=now
    )
    if not changed:  # completed by a concurrent request, which sent the signal
        enrolment.refresh_from_db(fields=["completed_at"])
        return True
    enrolment.completed_at = now
    _record_history(enrolment)
    course_completed.send(sender=Enrolment, enrolment=enrolment)
    return True


def on_sitting_finished(sender, sitting=None, **kwargs) -> None:
    """A finished quiz sitting may complete the courses that use that quiz as their final quiz."""
    if sitting is None:
        return
    enrolments = Enrolment.objects.filter(
        official=sitting.official, course__final_quiz=sitting.quiz, completed_at__isnull=True
    ).select_related("course", "official")
    for enrolment in enrolments:
        enrolment_evaluate_completion(enrolment=enrolment)


def learner_sittings_close_expired(*, user) -> None:
    """Close the user's attempts past their deadline, so that a page listing them shows them
    finished at once rather than after the periodic sweep."""
    from lms.quizzes.services import sittings_close_expired

    from .selectors import official_of

    official = official_of(user)
    if official is not None:
        sittings_close_expired(official=official)
