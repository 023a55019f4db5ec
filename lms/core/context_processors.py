from functools import cache

from .access import has_role, roles_of
from .models import Role


def platform(request):
    """Navigation flags for the theme; computed lazily so anonymous pages pay nothing."""
    user = getattr(request, "user", None)

    @cache  # templates may ask several times per page (menu, user bar): compute once
    def nav():
        return {
            "roles": roles_of(user),
            "is_trainer": has_role(user, Role.TRAINER),
            "is_secretary": has_role(user, Role.ISO_SECRETARY),
            "is_steering": has_role(user, Role.STEERING),
            "is_editor": has_role(user, Role.EDITOR),
        }

    return {"lms_nav": nav}
