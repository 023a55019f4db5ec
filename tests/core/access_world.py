"""The world the role × scope matrix walks: one user per role inside province A, outsiders in B.

Each app's tests/<app>/access_cases.py builds the objects its URLs need under province A.
"""

from lms.agencies.models import AgencyKind, PositionKind
from lms.core.models import Role
from tests.factories.agencies import AgencyFactory

SCOPED_ROLES = (Role.LEARNER, Role.TRAINER, Role.ISO_SECRETARY, Role.STEERING)
GLOBAL_ROLES = (Role.EDITOR, Role.ADMIN)


def build_world(make_user) -> dict:
    province_a = AgencyFactory(kind=AgencyKind.PROVINCE, code="81", name="Tỉnh Ma Trận A")
    commune_a1 = AgencyFactory(
        parent=province_a, kind=AgencyKind.COMMUNE, code="81001", name="Xã A1"
    )
    province_b = AgencyFactory(kind=AgencyKind.PROVINCE, code="82", name="Tỉnh Ma Trận B")
    commune_b1 = AgencyFactory(
        parent=province_b, kind=AgencyKind.COMMUNE, code="82001", name="Xã B1"
    )
    for node in (province_a, commune_a1, province_b, commune_b1):
        node.refresh_from_db()
    world = {
        "province_a": province_a,
        "commune_a1": commune_a1,
        "province_b": province_b,
        "commune_b1": commune_b1,
    }
    for role in SCOPED_ROLES:
        # Learners sit in a commune; the others hold their role over the whole province.
        scope_a = commune_a1 if role == Role.LEARNER else province_a
        scope_b = commune_b1 if role == Role.LEARNER else province_b
        position = (
            PositionKind.ISO_SECRETARY if role == Role.ISO_SECRETARY else PositionKind.SPECIALIST
        )
        world[role] = make_user(
            role=role,
            agency=scope_a,
            username=f"m_{role}",
            official_agency=commune_a1,
            position=position,
        )
        world[f"outsider_{role}"] = make_user(
            role=role,
            agency=scope_b,
            username=f"m_out_{role}",
            official_agency=commune_b1,
            position=position,
        )
    for role in GLOBAL_ROLES:
        world[role] = make_user(role=role, username=f"m_{role}", official_agency=province_a)
    world[Role.ADMIN].is_staff = True
    world[Role.ADMIN].is_superuser = True
    world[Role.ADMIN].save()
    return world
