"""Who may see the agency tree and import rosters."""

from lms.core.access import agency_in_scope, has_role, rule
from lms.core.models import Role

VIEWER_ROLES = (Role.TRAINER, Role.ISO_SECRETARY, Role.STEERING)
IMPORTER_ROLES = (Role.ISO_SECRETARY, Role.PROVINCIAL_ADMIN)


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
    """Import a roster and create logins: ISO secretaries and provincial administrators (rows
    limited to their scope) and admins.

    With an agency, the rows' agency must lie in the importer's scope.
    """
    if obj is None:
        return has_role(user, *IMPORTER_ROLES)
    return agency_in_scope(user, obj, *IMPORTER_ROLES)


@rule("agencies.review_change_requests")
def review_change_requests(user, obj) -> bool:
    """List agency correction requests: ISO secretaries (their scope) and admins."""
    return has_role(user, Role.ISO_SECRETARY)


@rule("agencies.decide_change_request")
def decide_change_request(user, obj) -> bool:
    """Decide one request: a secretary over the official's current or the requested agency."""
    return any(
        agency_in_scope(user, agency, Role.ISO_SECRETARY)
        for agency in (obj.current_agency, obj.agency)
        if agency is not None
    )
