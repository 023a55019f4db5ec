"""Who may see the agency tree and import rosters."""

from lms.core.access import agency_in_scope, has_role, rule
from lms.core.models import Role

VIEWER_ROLES = (Role.TRAINER, Role.ISO_SECRETARY, Role.STEERING)


@rule("agencies.view_tree")
def view_tree(user, obj) -> bool:
    """Open the agency list: trainers, ISO secretaries, steering members and admins."""
    return has_role(user, *VIEWER_ROLES)


@rule("agencies.view_agency")
def view_agency(user, obj) -> bool:
    """See one agency, its officials and successions: only inside the viewer's scope."""
    return agency_in_scope(user, obj, *VIEWER_ROLES)


@rule("agencies.import_officials")
def import_officials(user, obj) -> bool:
    """Import a roster: ISO secretaries (rows limited to their scope) and admins.

    With an agency, the rows' agency must lie in the secretary's scope.
    """
    if obj is None:
        return has_role(user, Role.ISO_SECRETARY)
    return agency_in_scope(user, obj, Role.ISO_SECRETARY)
