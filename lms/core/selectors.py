from .models import RoleAssignment


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
