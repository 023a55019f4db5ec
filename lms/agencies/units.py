"""The official list of administrative units (34 provinces, 3,321 communes from 01/07/2025).

Read from the pinned ``vietnam-provinces`` package (GPL-3.0-or-later), whose nested JSON holds
provinces with their wards. Codes come unpadded there (1 for Hà Nội): we pad them.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from .models import AgencyKind

REFORM_DATE = datetime.date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = datetime.date(2025, 6, 30)

PROVINCE_KINDS = {"tỉnh": AgencyKind.PROVINCE, "thành phố trung ương": AgencyKind.CITY}
COMMUNE_KINDS = {
    "xã": AgencyKind.COMMUNE,
    "phường": AgencyKind.WARD,
    "đặc khu": AgencyKind.SPECIAL_ZONE,
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    children: tuple[Unit, ...] = field(default=())


def province_code(value) -> str:
    return f"{int(value):02d}"


def commune_code(value) -> str:
    return f"{int(value):05d}"


def data_source() -> str:
    """What ``Agency.source`` records: package version and the data retrieval date."""
    import vietnam_provinces

    data_version = getattr(vietnam_provinces, "__data_version__", "")
    suffix = f" (data {data_version})" if data_version else ""
    return f"vietnam-provinces {vietnam_provinces.__version__}{suffix}"


def _clean(name: str) -> str:
    return " ".join(name.split())


def _province_name(raw: dict) -> str:
    # Provinces are named bare ("Bắc Ninh") but cities carry their title ("Thành phố Hà Nội").
    name = _clean(raw["name"])
    if raw["division_type"] == "tỉnh" and not name.lower().startswith("tỉnh "):
        name = f"Tỉnh {name}"
    return name


def official_units() -> list[Unit]:
    """Provinces with their communes, codes padded, kinds mapped from the unit type."""
    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    with open(NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as handle:
        raw = json.load(handle)
    units = []
    for province in raw:
        communes = tuple(
            Unit(
                code=commune_code(ward["code"]),
                name=_clean(ward["name"]),
                kind=COMMUNE_KINDS[ward["division_type"]],
            )
            for ward in province["wards"]
        )
        units.append(
            Unit(
                code=province_code(province["code"]),
                name=_province_name(province),
                kind=PROVINCE_KINDS[province["division_type"]],
                children=communes,
            )
        )
    return units
