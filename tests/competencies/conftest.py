import pytest

from lms.agencies.models import PositionKind
from lms.competencies.models import Competency, Requirement
from tests.factories.courses import build_course


@pytest.fixture
def courses(db):
    return {
        "awareness": build_course(code="ISO-NT", lessons=1, title="Nhận thức về HTQLCL"),
        "audit": build_course(code="ISO-DGNB", lessons=1, title="Đánh giá nội bộ"),
    }


@pytest.fixture
def framework(courses):
    """Awareness (every position), SMART objectives (secretaries), internal audit (auditors)."""
    awareness = Competency.objects.create(
        code="NHAN-THUC",
        name_vi="Nhận thức về hệ thống quản lý chất lượng",
        name_en="Quality management system awareness",
        clauses=["7.3"],
    )
    awareness.courses.set([courses["awareness"]])
    smart = Competency.objects.create(
        code="MUC-TIEU",
        name_vi="Xây dựng mục tiêu chất lượng theo SMART",
        name_en="Writing SMART quality objectives",
        clauses=["6.2"],
    )
    smart.courses.set([courses["awareness"]])
    audit = Competency.objects.create(
        code="DGNB",
        name_vi="Chuyên gia đánh giá nội bộ",
        name_en="Internal auditor",
        clauses=["9.2"],
    )
    audit.courses.set([courses["audit"]])
    for kind in PositionKind.values:
        Requirement.objects.create(position_kind=kind, competency=awareness)
    Requirement.objects.create(position_kind=PositionKind.ISO_SECRETARY, competency=smart)
    Requirement.objects.create(position_kind=PositionKind.INTERNAL_AUDITOR, competency=audit)
    return {"awareness": awareness, "smart": smart, "audit": audit}
