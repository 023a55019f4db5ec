"""Writes for courses: enrolment, assignment in bulk, lesson progress and course completion."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from lms.core.access import agency_in_scope
from lms.core.jobs import BATCH, Progress, register
from lms.core.models import Role

from . import learners
from .models import CoursePage, Enrolment, EnrolmentSource, LessonPage, LessonProgress
from .selectors import course_path_of, current_assignments_in, is_final_quiz
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
    progress: Progress | None = None,
) -> AssignResult:
    """Enrol every current official of the agencies' subtrees (optionally of some position
    kinds) in ``course``; idempotent; only inside the assigner's scope.

    Works through the officials in batches of ``BATCH`` ids (each committed on its own when
    no transaction is open around it), reporting ``progress(done, total)`` after each."""
    agencies = list(agencies)
    if not agencies:
        raise ValidationError(_("Choose at least one agency."))
    for agency in agencies:
        if not agency_in_scope(by_user, agency, *ASSIGNER_ROLES):
            raise PermissionDenied(f"{agency} is outside your scope")
    posts = current_assignments_in(agencies=agencies, position_kinds=position_kinds)
    total = posts.values("official_id").distinct().count() if progress else 0
    created = already = 0
    last = 0
    while True:
        ids = list(
            posts.filter(official_id__gt=last)
            .order_by("official_id")
            .values_list("official_id", flat=True)
            .distinct()[:BATCH]
        )
        if not ids:
            break
        last = ids[-1]
        # Newest assignment first, so each official is enrolled with their current agency.
        rows = (
            posts.filter(official_id__in=ids)
            .order_by("official_id", "-start_date", "-pk")
            .values_list("official_id", "agency_id")
        )
        agency_of: dict[int, int] = {}
        for official_id, agency_id in rows:
            agency_of.setdefault(official_id, agency_id)
        batch = _assign_batch(course, agency_of, due_date, by_user)
        created += batch.created
        already += batch.already
        if progress is not None:
            progress(created + already, max(total, created + already))
    return AssignResult(created=created, already=already)


@transaction.atomic
def _assign_batch(course, agency_of: dict[int, int], due_date, by_user) -> AssignResult:
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
    Enrolment.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    # bulk_create sends no signals: the history rows of the new enrolments are written here.
    Enrolment.history.bulk_history_create(
        Enrolment.objects.filter(
            course=course,
            official_id__in=[e.official_id for e in new],
            source=EnrolmentSource.ASSIGNED,
            assigned_by=by_user,
        ),
        batch_size=BATCH,
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
            dated, Enrolment, ["due_date", "assigned_by"], batch_size=BATCH, default_user=by_user
        )
    return AssignResult(created=len(new), already=len(already))


# Above this many officials an assignment runs in a worker (lms.core.jobs), not in the request.
BACKGROUND_OFFICIALS = 500


def course_assign_job_create(
    *, course: CoursePage, agencies, position_kinds=(), due_date=None, by_user, total: int = 0
):
    """Queue ``course_assign`` as a background job (after the same scope check)."""
    from lms.core.jobs import bulk_job_create

    agencies = list(agencies)
    for agency in agencies:
        if not agency_in_scope(by_user, agency, *ASSIGNER_ROLES):
            raise PermissionDenied(f"{agency} is outside your scope")
    return bulk_job_create(
        kind="courses.assign",
        title=_("Assign “%(course)s”") % {"course": course.title},
        params={
            "course": course.pk,
            "agencies": [a.pk for a in agencies],
            "position_kinds": list(position_kinds),
            "due_date": due_date.isoformat() if due_date else None,
        },
        by=by_user,
        total=total,
        back_url=reverse("courses:assign"),
    )


@register("courses.assign")
def _course_assign_job(job, progress: Progress) -> dict:
    from lms.agencies.models import Agency

    params = job.params
    due = params.get("due_date")
    result = course_assign(
        course=CoursePage.objects.get(pk=params["course"]),
        agencies=Agency.objects.filter(pk__in=params["agencies"]).order_by("path"),
        position_kinds=params.get("position_kinds") or (),
        due_date=datetime.date.fromisoformat(due) if due else None,
        by_user=job.created_by,
        progress=progress,
    )
    return {"created": result.created, "already": result.already}


def _course_of(lesson: LessonPage) -> CoursePage:
    return CoursePage.objects.get(path=course_path_of(lesson.path))


def lesson_mark_seen(
    *, official_id: int, lesson_id: int, course_id: int, enrolment_id: int | None
) -> None:
    """Remember the lesson as the learner's place to resume (queued and written in batches: see
    lms/courses/seen.py). A lesson merely seen is not evidence, so its progress row gets no
    history row."""
    from .seen import record

    record(
        official_id=official_id,
        lesson_id=lesson_id,
        course_id=course_id,
        enrolment_id=enrolment_id,
    )


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
            learners.changed([official.pk])
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
    learners.changed([enrolment.official_id])
    course_completed.send(sender=Enrolment, enrolment=enrolment)
    return True


def on_sitting_finished(sender, sitting=None, **kwargs) -> None:
    """A finished quiz sitting may complete the courses that use that quiz as their final quiz."""
    if sitting is None or not is_final_quiz(sitting.quiz.pk):
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


# Reminders before an assigned course's due date: days before it (each sent once).
DUE_REMINDER_DAYS = (7, 1)


def due_reminders_send(*, today: datetime.date | None = None) -> int:
    """Queue a reminder 7 days and 1 day before each open due date (the 7-day one is skipped
    when a day or less is left); once each; returns how many were queued."""
    from lms.core.outbox import outbox_enqueue

    from .notifications import due_reminder_message

    today = today or timezone.localdate()
    queued = 0
    for index, days in enumerate(DUE_REMINDER_DAYS):
        due = Enrolment.objects.filter(
            completed_at__isnull=True,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=days),
        )
        if index + 1 < len(DUE_REMINDER_DAYS):
            due = due.filter(
                due_date__gt=today + datetime.timedelta(days=DUE_REMINDER_DAYS[index + 1])
            )
        rows = due.order_by("pk").values_list(
            "pk", "due_date", "official__email", "official__user__email"
        )
        messages = []
        for pk, due_date, email, user_email in rows.iterator(chunk_size=2000):
            if email or user_email:
                messages.append(
                    due_reminder_message(
                        enrolment_id=pk,
                        due_date=due_date,
                        days=days,
                        recipient=email or user_email,
                    )
                )
            if len(messages) >= 1000:
                with transaction.atomic():
                    queued += outbox_enqueue(messages=messages)
                messages = []
        with transaction.atomic():
            queued += outbox_enqueue(messages=messages)
    return queued


def overdue_digests_send(*, today: datetime.date | None = None) -> int:
    """Queue, once a week, each ISO secretary's digest of the officials overdue in their
    agencies (only to secretaries who have some); returns how many were queued."""
    from django.contrib.auth import get_user_model

    from lms.core.models import RoleAssignment
    from lms.core.outbox import outbox_enqueue

    from .notifications import overdue_digest_message
    from .selectors import overdue_enrolments_for

    today = today or timezone.localdate()
    secretaries = (
        get_user_model()
        .objects.filter(
            is_active=True,
            pk__in=RoleAssignment.objects.filter(
                RoleAssignment.active_q(), role=Role.ISO_SECRETARY, agency__isnull=False
            ).values("user_id"),
        )
        .exclude(email="")
        .order_by("pk")
    )
    messages = [
        overdue_digest_message(user_id=user.pk, recipient=user.email, day=today)
        for user in secretaries
        if overdue_enrolments_for(user, on=today).exists()
    ]
    with transaction.atomic():
        return outbox_enqueue(messages=messages)
