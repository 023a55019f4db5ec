from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .access import EVERYWHERE
from .models import RoleAssignment
from .text import fold


def account_summary(*, user) -> dict:
    """What the account page shows: the official, their current assignments, their roles."""
    from lms.agencies.models import Assignment, Official

    official = Official.objects.filter(user=user).first()
    assignments = (
        Assignment.objects.filter(official=official)
        .select_related("agency")
        .order_by("-start_date")
        if official
        else Assignment.objects.none()
    )
    roles = (
        RoleAssignment.objects.filter(RoleAssignment.active_q(), user=user)
        .select_related("agency")
        .order_by("role")
    )
    return {"official": official, "assignments": list(assignments), "role_assignments": list(roles)}


def _current_posts():
    from lms.agencies.models import Assignment

    today = timezone.localdate()
    return Assignment.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


def agencies_within(prefixes, *, max_depth=None) -> QuerySet:
    """Current agencies inside the scopes ``prefixes`` (access.scope_paths), in tree order."""
    from lms.agencies.models import Agency

    agencies = Agency.objects.filter(valid_to__isnull=True).order_by("path")
    if max_depth is not None:
        agencies = agencies.filter(depth__lte=max_depth)
    if EVERYWHERE in prefixes:
        return agencies
    area = Q(pk__in=[])
    for prefix in prefixes:
        area |= Q(path__startswith=prefix)
    return agencies.filter(area)


def filter_agencies(prefixes) -> QuerySet:
    """The agencies the people list filters by: a whole country's select would weigh hundreds
    of kilobytes, so platform-wide scopes list the provinces; narrower ones list every unit."""
    return agencies_within(prefixes, max_depth=1 if EVERYWHERE in prefixes else None)


def grant_scopes(official, prefixes) -> QuerySet:
    """Agencies a role for ``official`` may be held over: those of their current posts and the
    units above them, inside ``prefixes``."""
    from lms.agencies.models import Agency

    paths = _current_posts().filter(official=official).values_list("agency__path", flat=True)
    step = Agency.steplen
    above = {path[:end] for path in paths for end in range(step, len(path) + 1, step)}
    return agencies_within(prefixes).filter(path__in=above)


def people_in_scope(
    *, prefixes, agency=None, position_kind: str = "", has_login=None, role: str = "", query=""
) -> QuerySet:
    """Officials with a current post inside ``prefixes`` (and ``agency``'s subtree, of
    ``position_kind``), by name. The search matches the folded name and staff code
    (``Official.name_folded``) word by word in SQL."""
    from lms.agencies.models import Official

    posts = _current_posts().filter(official=OuterRef("pk"))
    if EVERYWHERE not in prefixes:
        area = Q(pk__in=[])
        for prefix in prefixes:
            area |= Q(agency__path__startswith=prefix)
        posts = posts.filter(area)
    if agency is not None:
        posts = posts.filter(agency__path__startswith=agency.path)
    if position_kind:
        posts = posts.filter(position_kind=position_kind)
    people = Official.objects.filter(Exists(posts))
    if has_login is not None:
        people = people.filter(user__isnull=not has_login)
    if role:
        grants = RoleAssignment.objects.filter(
            RoleAssignment.active_q(), user=OuterRef("user_id"), role=role
        )
        people = people.filter(Exists(grants))
    for word in fold(query).split():
        people = people.filter(name_folded__contains=word)
    return people.order_by("full_name", "pk")


def people_rows(people) -> list:
    """The page's officials with their login, current posts and the roles that count today."""
    return list(
        people.select_related("user").prefetch_related(
            Prefetch(
                "assignments",
                queryset=_current_posts().select_related("agency"),
                to_attr="current_posts",
            ),
            Prefetch(
                "user__role_assignments",
                queryset=RoleAssignment.objects.filter(RoleAssignment.active_q())
                .select_related("agency")
                .order_by("role"),
                to_attr="active_roles",
            ),
        )
    )


def person_roles(*, user) -> dict:
    """A login's grants (ended ones too) and the history of its grants and revocations."""
    grants = (
        RoleAssignment.objects.filter(user=user)
        .select_related("agency", "granted_by", "page", "collection")
        .order_by("role", "agency__path")
    )
    history = (
        RoleAssignment.history.filter(user_id=user.pk)
        .select_related("agency", "history_user")
        .order_by("-history_date", "-history_id")[:200]
    )
    return {"grants": list(grants), "history": list(history)}


def content_areas(user):
    """The course page subtrees and collections ``user`` may give content editors: all of them
    for platform administrators; for others, those inside the subtrees and collections that a
    platform administrator gave to editors over agencies of the user's administration scope."""
    from wagtail.models import Collection, Page

    from lms.courses.models import CourseIndexPage, CoursePage

    from .access import is_platform_admin, scope_q
    from .models import Role

    pages = Page.objects.type(CourseIndexPage, CoursePage).order_by("path")
    collections = Collection.objects.order_by("path")
    if is_platform_admin(user):
        return pages, collections
    areas = RoleAssignment.objects.filter(
        RoleAssignment.active_q(), scope_q(user, Role.PROVINCIAL_ADMIN), role=Role.EDITOR
    ).select_related("page", "collection")
    page_q, collection_q = Q(pk__in=[]), Q(pk__in=[])
    for area in areas:
        if area.page_id:
            page_q |= Q(path__startswith=area.page.path)
        if area.collection_id:
            collection_q |= Q(path__startswith=area.collection.path)
    return pages.filter(page_q), collections.filter(collection_q)
