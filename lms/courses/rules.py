"""Permission rules for courses (see lms/core/access.py)."""

from lms.core.access import agency_in_scope, has_role, is_platform_admin, rule
from lms.core.models import Role

ASSIGNER_ROLES = (Role.ISO_SECRETARY, Role.TRAINER, Role.STEERING)


@rule("courses.view_my_learning")
def view_my_learning(user, obj) -> bool:
    return True


@rule("courses.view_catalogue")
def view_catalogue(user, obj) -> bool:
    return True


@rule("courses.search")
def search(user, obj) -> bool:
    return True


@rule("courses.enrol")
def enrol(user, obj) -> bool:
    """Self-enrolment in a published course open for it (obj: the course)."""
    return obj is None or bool(obj.live and obj.open_enrolment)


@rule("courses.read_lesson")
def read_lesson(user, obj) -> bool:
    """obj: a selectors.LessonState. Enrolled learners, or anyone with an official record when
    the course is open (they are enrolled on first visit); editors read everything. The
    enrolment is looked at first: a learner's page then needs no role query."""
    if obj is not None and obj.course is not None and obj.enrolment is not None:
        return True
    if has_role(user, Role.EDITOR):
        return True
    if obj is None or obj.course is None:
        return False
    return obj.official is not None and obj.course.open_enrolment


@rule("courses.mark_lesson_done")
def mark_lesson_done(user, obj) -> bool:
    """obj: a selectors.LessonState; progress is recorded for officials who may read it."""
    if obj is None or obj.official is None or obj.course is None:
        return False
    return obj.enrolment is not None or obj.course.open_enrolment


@rule("courses.assign")
def assign(user, obj) -> bool:
    """Assign courses to officials: ISO secretaries, trainers, steering members (obj: agency)."""
    if obj is None:
        return is_platform_admin(user) or has_role(user, *ASSIGNER_ROLES)
    return agency_in_scope(user, obj, *ASSIGNER_ROLES)
