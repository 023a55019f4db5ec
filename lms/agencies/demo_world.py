"""The demo world of ``manage.py load_demo``: new Bắc Ninh with its agencies and officials, and
the old Bắc Giang (closed 30/06/2025) whose records roll up into it.

Names of units are real; the pre-2025 communes carry no code (their old codes are not in the
pinned data package) and their successors are plausible, for demonstration only.
Everything is matched on re-run (codes, names under a parent, staff codes), so it is idempotent.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from lms.core.models import Role
from lms.core.services import role_assign
from lms.core.text import fold

from .models import Agency, AgencyKind, Assignment, Official, PositionKind, Succession
from .services import agencies_bulk_add, units_load
from .units import LAST_DAY_BEFORE_REFORM, REFORM_DATE

DEMO_PASSWORD = "demo12345"
DEMO_SOURCE = "load_demo"
NEW_PROVINCE_CODE = "24"  # the new Bắc Ninh took code 24 in the 2025 list (old Bắc Ninh was 27)
OLD_PROVINCE_CODE = "24"  # old Bắc Giang
OFFICIALS = 300
OLD_POSTS = 60  # officials with a post under old Bắc Giang; the first CONTINUING moved on
CONTINUING = 40

# Old district (code, name) -> its communes (name, kind, code of the new successor commune).
OLD_DISTRICTS = [
    (
        ("213", "Thành phố Bắc Giang"),
        [
            ("Phường Trần Phú", AgencyKind.WARD, "07210"),
            ("Phường Hoàng Văn Thụ", AgencyKind.WARD, "07210"),
            ("Phường Ngô Quyền", AgencyKind.WARD, "07210"),
            ("Phường Đa Mai", AgencyKind.WARD, "07228"),
        ],
    ),
    (
        ("215", "Huyện Yên Thế"),
        [
            ("Thị trấn Phồn Xương", AgencyKind.TOWNSHIP, "07288"),
            ("Thị trấn Bố Hạ", AgencyKind.TOWNSHIP, "07294"),
            ("Xã Đồng Kỳ", AgencyKind.COMMUNE, "07282"),
        ],
    ),
    (
        ("218", "Huyện Lục Nam"),
        [
            ("Thị trấn Đồi Ngô", AgencyKind.TOWNSHIP, "07444"),
            ("Xã Bảo Đài", AgencyKind.COMMUNE, "07462"),
            ("Xã Đông Phú", AgencyKind.COMMUNE, "07450"),
        ],
    ),
]

PROVINCIAL_AGENCIES = [
    # (name, kind, children)
    (
        "Ủy ban nhân dân tỉnh Bắc Ninh",
        AgencyKind.PEOPLES_COMMITTEE,
        [
            ("Văn phòng Ủy ban nhân dân tỉnh", AgencyKind.OTHER),
        ],
    ),
    ("Sở Khoa học và Công nghệ", AgencyKind.DEPARTMENT, []),
    ("Sở Tư pháp", AgencyKind.DEPARTMENT, []),
    ("Sở Nội vụ", AgencyKind.DEPARTMENT, []),
    ("Sở Tài chính", AgencyKind.DEPARTMENT, []),
    ("Sở Y tế", AgencyKind.DEPARTMENT, []),
    ("Sở Giáo dục và Đào tạo", AgencyKind.DEPARTMENT, []),
    ("Sở Xây dựng", AgencyKind.DEPARTMENT, []),
    (
        "Sở Nông nghiệp và Môi trường",
        AgencyKind.DEPARTMENT,
        [
            ("Chi cục Kiểm lâm", AgencyKind.BRANCH),
        ],
    ),
    ("Trung tâm Phục vụ hành chính công tỉnh", AgencyKind.PUBLIC_SERVICE, []),
    ("Thuế tỉnh Bắc Ninh", AgencyKind.VERTICAL, []),
    ("Kho bạc Nhà nước khu vực – Phòng Giao dịch Bắc Ninh", AgencyKind.VERTICAL, []),
    ("Thống kê tỉnh Bắc Ninh", AgencyKind.VERTICAL, []),
]

# New communes of Bắc Ninh that get a People's Committee with officials.
COMMUNES_WITH_COMMITTEE = ["07210", "07228", "07288", "07294", "07444", "07462", "09187", "09367"]

FAMILY = (
    "Nguyễn Nguyễn Nguyễn Trần Trần Lê Lê Phạm Hoàng Vũ Đỗ Bùi Đặng Ngô Dương Đào Đinh Trịnh "
    "Lương Mai Phan Hà Thân Giáp Nghiêm Tạ Chu Lưu Vương Hoàng"
).split()
MIDDLE_MALE = "Văn Văn Đức Minh Quang Hữu Công Thành Xuân Trọng Mạnh Tiến".split()
MIDDLE_FEMALE = "Thị Thị Thị Thu Ngọc Thanh Thùy Phương Hồng Kim Minh".split()
GIVEN_MALE = (
    "An Bình Cường Dũng Đức Hải Hùng Huy Khánh Long Minh Nam Phong Quân Sơn Thắng Tuấn Việt "
    "Hiếu Toàn Trung Kiên Lâm Tùng"
).split()
GIVEN_FEMALE = (
    "Anh Chi Dung Giang Hà Hằng Hoa Hương Lan Linh Mai Nga Ngọc Nhung Oanh Phương Thảo Trang "
    "Yến Huyền Loan Vân"
).split()


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str


def _names(rng: random.Random, count: int) -> list[str]:
    names = []
    for _ in range(count):
        if rng.random() < 0.5:
            names.append(f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}")
        else:
            names.append(
                f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
            )
    return names


def _ensure_children(parent: Agency | None, wanted: list[dict]) -> dict[str, Agency]:
    """Children of ``parent`` by name, creating the missing ones in one insert."""
    if parent is None:
        existing = {
            a.name: a for a in Agency.objects.filter(depth=1, name__in=[w["name"] for w in wanted])
        }
    else:
        parent.refresh_from_db()
        existing = {
            a.name: a
            for a in Agency.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        }
    missing = [Agency(source=DEMO_SOURCE, **w) for w in wanted if w["name"] not in existing]
    for node in agencies_bulk_add(parent=parent, nodes=missing):
        existing[node.name] = node
    return existing


def _old_world(
    new_province: Agency, current: dict[str, Agency]
) -> list[tuple[Agency, Agency | None]]:
    """The closed Bắc Giang tree and its successions; returns (old unit, successor) pairs."""
    closed = {"valid_to": LAST_DAY_BEFORE_REFORM}
    old_province = Agency.objects.filter(
        code=OLD_PROVINCE_CODE, kind=AgencyKind.PROVINCE, **closed
    ).first()
    if old_province is None:
        old_province = _ensure_children(
            None,
            [
                {
                    "name": "Tỉnh Bắc Giang",
                    "kind": AgencyKind.PROVINCE,
                    "code": OLD_PROVINCE_CODE,
                    **closed,
                }
            ],
        )["Tỉnh Bắc Giang"]
    districts = _ensure_children(
        old_province,
        [
            {"name": name, "kind": AgencyKind.DISTRICT, "code": code, **closed}
            for (code, name), _ in OLD_DISTRICTS
        ],
    )
    pairs: list[tuple[Agency, Agency | None]] = [(old_province, new_province)]
    for (_code, district_name), communes in OLD_DISTRICTS:
        district = districts[district_name]
        pairs.append((district, new_province))
        nodes = _ensure_children(
            district,
            [{"name": name, "kind": kind, "code": "", **closed} for name, kind, _s in communes],
        )
        for name, _kind, successor_code in communes:
            pairs.append((nodes[name], current.get(successor_code)))
    notes = {
        AgencyKind.PROVINCE: "Sắp xếp đơn vị hành chính cấp tỉnh năm 2025",
        AgencyKind.DISTRICT: "Không tổ chức cấp huyện từ 01/07/2025",
    }
    have = set(
        Succession.objects.filter(predecessor__in=[p for p, _s in pairs]).values_list(
            "predecessor_id", "successor_id"
        )
    )
    Succession.objects.bulk_create(
        [
            Succession(
                predecessor=old,
                successor=new,
                date=REFORM_DATE,
                note=notes.get(old.kind, "Sắp xếp đơn vị hành chính cấp xã"),
            )
            for old, new in pairs
            if new is not None and (old.pk, new.pk) not in have
        ]
    )
    return pairs


def _new_agencies(new_province: Agency, current: dict[str, Agency]) -> list[Agency]:
    """Provincial agencies under the new Bắc Ninh and People's Committees of a few communes."""
    top = _ensure_children(
        new_province,
        [
            {"name": name, "kind": kind, "valid_from": REFORM_DATE}
            for name, kind, _c in PROVINCIAL_AGENCIES
        ],
    )
    agencies = []
    for name, _kind, children in PROVINCIAL_AGENCIES:
        agencies.append(top[name])
        if children:
            below = _ensure_children(
                top[name], [{"name": n, "kind": k, "valid_from": REFORM_DATE} for n, k in children]
            )
            agencies.extend(below[n] for n, _k in children)
    for code in COMMUNES_WITH_COMMITTEE:
        commune = current[code]
        word, _sep, rest = commune.name.partition(" ")
        committee = f"Ủy ban nhân dân {word.lower()} {rest}"
        agencies.append(
            _ensure_children(
                commune,
                [
                    {
                        "name": committee,
                        "kind": AgencyKind.PEOPLES_COMMITTEE,
                        "valid_from": REFORM_DATE,
                    }
                ],
            )[committee]
        )
    return agencies


def _title(agency: Agency, kind: str) -> str:
    if kind == PositionKind.LEADER:
        if agency.kind == AgencyKind.PEOPLES_COMMITTEE:
            return "Chủ tịch"
        return (
            "Giám đốc"
            if agency.kind in (AgencyKind.DEPARTMENT, AgencyKind.PUBLIC_SERVICE)
            else "Trưởng"
        )
    return {
        PositionKind.ISO_SECRETARY: "Thư ký ISO",
        PositionKind.ONE_STOP_OFFICER: "Công chức Bộ phận một cửa",
        PositionKind.INTERNAL_AUDITOR: "Chuyên gia đánh giá nội bộ",
    }.get(kind, "Chuyên viên")


def _position_for(index_in_agency: int, agency: Agency) -> str:
    if index_in_agency == 0:
        return PositionKind.LEADER
    if index_in_agency == 1:
        return PositionKind.ISO_SECRETARY
    if index_in_agency in (2, 3) and agency.kind in (
        AgencyKind.PEOPLES_COMMITTEE,
        AgencyKind.PUBLIC_SERVICE,
    ):
        return PositionKind.ONE_STOP_OFFICER
    if index_in_agency == 4:
        return PositionKind.INTERNAL_AUDITOR
    return PositionKind.SPECIALIST


def _officials(
    new_agencies: list[Agency], old_pairs, committees_by_commune: dict[int, Agency]
) -> None:
    """300 officials with posts; the first OLD_POSTS also worked under old Bắc Giang."""
    rng = random.Random(20250701)
    names = _names(rng, OFFICIALS)
    codes = [f"BN-DEMO-{i + 1:04d}" for i in range(OFFICIALS)]
    have = set(Official.objects.filter(staff_code__in=codes).values_list("staff_code", flat=True))
    fresh = [
        Official(
            full_name=name,
            staff_code=code,
            email=f"{fold(name).replace(' ', '.')}.{code[-4:]}@bacninh.example.org",
            phone=f"0912{rng.randrange(100000, 999999)}",
        )
        for code, name in zip(codes, names, strict=True)
        if code not in have
    ]
    for official in fresh:
        official.refold()
    Official.objects.bulk_create(fresh)
    by_code = {
        o.staff_code: o
        for o in Official.objects.filter(staff_code__in=[o.staff_code for o in fresh])
    }
    old_units = [old for old, _new in old_pairs if old.kind != AgencyKind.PROVINCE]
    successor_of = {old.pk: new for old, new in old_pairs}
    posts = []
    per_agency: dict[int, int] = {}
    for index, code in enumerate(codes):
        official = by_code.get(code)
        if official is None:
            continue
        if index < OLD_POSTS:
            old_unit = old_units[index % len(old_units)]
            start = datetime.date(2016 + index % 8, 1 + index % 12, 1)
            posts.append(
                Assignment(
                    official=official,
                    agency=old_unit,
                    position_kind=PositionKind.SPECIALIST
                    if index % 5
                    else PositionKind.ISO_SECRETARY,
                    position_title="Công chức"
                    if old_unit.kind != AgencyKind.DISTRICT
                    else "Chuyên viên",
                    start_date=start,
                    end_date=LAST_DAY_BEFORE_REFORM,
                )
            )
            if index >= CONTINUING:
                continue
            successor = successor_of.get(old_unit.pk)
            agency = committees_by_commune.get(successor.pk) if successor else None
            agency = agency or new_agencies[index % len(new_agencies)]
            start = REFORM_DATE
        else:
            agency = new_agencies[index % len(new_agencies)]
            start = (
                datetime.date(2025, 7, 1) if index % 3 else datetime.date(2025, 9, 1 + index % 28)
            )
        slot = per_agency.get(agency.pk, 0)
        per_agency[agency.pk] = slot + 1
        kind = _position_for(slot, agency)
        posts.append(
            Assignment(
                official=official,
                agency=agency,
                position_kind=kind,
                position_title=_title(agency, kind),
                start_date=start,
            )
        )
    Assignment.objects.bulk_create(posts)


def _logins(new_province: Agency, current: dict[str, Agency]) -> list[DemoLogin]:
    """The demo users; each scoped user is linked to a demo official in the right place."""
    User = get_user_model()
    science = Agency.objects.get(
        path__startswith=new_province.path, name="Sở Khoa học và Công nghệ"
    )
    ward = current["07210"]
    ward_committee = ward.get_children().get(kind=AgencyKind.PEOPLES_COMMITTEE)
    plan = [
        # username, full name, role, scope, official's agency, position
        (
            "learner",
            "Nguyễn Thị Lan",
            Role.LEARNER,
            ward,
            ward_committee,
            PositionKind.ONE_STOP_OFFICER,
        ),
        (
            "learner2",
            "Hoàng Văn Nam",
            Role.LEARNER,
            ward,
            ward_committee,
            PositionKind.SPECIALIST,
        ),
        ("trainer", "Trần Văn Hùng", Role.TRAINER, new_province, science, PositionKind.SPECIALIST),
        (
            "secretary",
            "Lê Thị Thu Hà",
            Role.ISO_SECRETARY,
            ward,
            ward_committee,
            PositionKind.ISO_SECRETARY,
        ),
        ("steering", "Thân Đức Minh", Role.STEERING, new_province, science, PositionKind.LEADER),
        ("editor", "Phạm Ngọc Anh", Role.EDITOR, None, None, None),
        ("admin", "Quản trị hệ thống", Role.ADMIN, None, None, None),
    ]
    logins = []
    for username, full_name, role, scope, home, position in plan:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, email=f"{username}@example.org")
            user.set_password(DEMO_PASSWORD)
        if role == Role.ADMIN:
            user.is_staff = user.is_superuser = True
        user.save()
        role_assign(user=user, role=role, agency=scope)
        if home is not None and not Official.objects.filter(user=user).exists():
            official = Official.objects.create(
                user=user,
                full_name=full_name,
                email=user.email,
                staff_code=f"BN-DEMO-{username.upper()}",
            )
            Assignment.objects.create(
                official=official,
                agency=home,
                position_kind=position,
                position_title=_title(home, position),
                start_date=REFORM_DATE,
            )
        logins.append(DemoLogin(username, role, scope.name if scope else "—"))
    return logins


@transaction.atomic
def demo_world_load() -> list[DemoLogin]:
    """Build (or complete) the demo world; returns the demo logins."""
    if (
        Agency.objects.filter(
            valid_to__isnull=True, depth=1, source__startswith="vietnam-provinces"
        ).count()
        < 34
    ):
        units_load()
    current = {a.code: a for a in Agency.objects.filter(valid_to__isnull=True).exclude(code="")}
    new_province = current[NEW_PROVINCE_CODE]
    pairs = _old_world(new_province, current)
    new_agencies = _new_agencies(new_province, current)
    committees = {
        a.get_parent().pk: a
        for a in new_agencies
        if a.kind == AgencyKind.PEOPLES_COMMITTEE and a.depth > new_province.depth + 1
    }
    _officials(new_agencies, pairs, committees)
    return _logins(new_province, current)
