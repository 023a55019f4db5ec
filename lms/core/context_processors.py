from functools import cache

from .access import menu_roles
from .models import Role
from .release import release


def nav_flags(user) -> dict:
    """What the menu depends on: the roles the user holds anywhere (see access.menu_roles)."""
    roles = menu_roles(user)
    return {
        "is_trainer": Role.TRAINER in roles,
        "is_secretary": Role.ISO_SECRETARY in roles,
        "is_steering": Role.STEERING in roles,
        "is_editor": Role.EDITOR in roles,
        "is_people_admin": Role.PROVINCIAL_ADMIN in roles,
    }


def platform(request):
    """Navigation flags for the theme; computed lazily so anonymous pages pay nothing."""
    user = getattr(request, "user", None)

    @cache  # templates may ask several times per page (menu, user bar): compute once
    def nav():
        return nav_flags(user)

    return {"lms_nav": nav, "lms_release": release()}
