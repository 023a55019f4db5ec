"""The default competency framework (``load_demo``): created once, then the administrators' own.

Re-running leaves an existing competency and its courses as they are (an administrator may have
edited them) and only adds what is missing; then everyone's records are recomputed.
"""

from __future__ import annotations

from lms.agencies.models import PositionKind

ALL_KINDS = tuple(PositionKind.values)

# code, Vietnamese name, English name, TCVN ISO 9001:2015 clauses, granting courses, required of.
DEFAULT_FRAMEWORK = (
    (
        "NHAN-THUC",
        "Nhận thức về hệ thống quản lý chất lượng",
        "Quality management system awareness",
        ["7.3"],
        ["ISO-NT"],
        ALL_KINDS,
    ),
    (
        "MUC-TIEU",
        "Xây dựng mục tiêu chất lượng theo SMART",
        "Writing SMART quality objectives",
        ["6.2"],
        ["ISO-NT"],
        (PositionKind.LEADER, PositionKind.ISO_SECRETARY),
    ),
    (
        "RUI-RO",
        "Đánh giá rủi ro và cơ hội",
        "Assessing risks and opportunities",
        ["6.1"],
        ["ISO-NT"],
        (PositionKind.LEADER, PositionKind.ISO_SECRETARY),
    ),
    (
        "DGNB",
        "Chuyên gia đánh giá nội bộ",
        "Internal auditor",
        ["9.2"],
        ["ISO-DGNB"],
        (PositionKind.INTERNAL_AUDITOR,),
    ),
    (
        "THU-KY",
        "Thư ký ISO: duy trì và cải tiến HTQLCL",
        "ISO secretary: maintaining and improving the QMS",
        ["6.3", "7.5", "10.3"],
        ["ISO-DT"],
        (PositionKind.ISO_SECRETARY,),
    ),
    (
        "XEM-XET",
        "Xem xét của lãnh đạo",
        "Management review",
        ["9.3"],
        ["ISO-DT"],
        (PositionKind.LEADER,),
    ),
)


def framework_load() -> int:
    """Create the default competencies and requirements that do not exist yet; returns how many
    competencies were created."""
    from lms.courses.models import CoursePage

    from .models import Competency, Requirement

    courses = {c.code: c for c in CoursePage.objects.all()}
    created = 0
    for code, name_vi, name_en, clauses, course_codes, kinds in DEFAULT_FRAMEWORK:
        competency, new = Competency.objects.get_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en, "clauses": clauses}
        )
        if new:
            created += 1
            competency.courses.set([courses[c] for c in course_codes if c in courses])
            for kind in kinds:
                Requirement.objects.get_or_create(position_kind=kind, competency=competency)
    return created


def load_demo(stdout) -> None:
    from .services import records_recompute

    created = framework_load()
    result = records_recompute()
    stdout.write(
        f"competencies: {created} competencies created; records of {result.officials} officials "
        f"recomputed ({result.created} created, {result.updated} updated)"
    )
