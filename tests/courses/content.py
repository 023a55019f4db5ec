"""Write small content/courses trees into a tmp folder for sync tests."""

from pathlib import Path

COURSE = """---
code: {code}
title: Nhận thức về HTQLCL
summary: Khóa học nhận thức chung.
audience: Mọi cán bộ, công chức
open_enrolment: true
completion: all_lessons
certificate_validity_months: 36
clauses: ["4.4", "6.1"]
{extra}---
Giới thiệu **khóa học**.
"""

MODULE = """---
title: {title}
{extra}---
Mở đầu chuyên đề.
"""

LESSON = """---
title: {title}
clauses: ["9.2"]
minutes: 7
---
## Mục đích

Đánh giá nội bộ giúp cơ quan biết hệ thống có vận hành đúng không.

::: example Hồ sơ đăng ký khai sinh
Một ví dụ *cụ thể*.
:::

::: remember
Điều cần nhớ.
:::

::: selfcheck
Q: Ai thực hiện đánh giá nội bộ?
A: Chuyên gia đánh giá nội bộ được đào tạo.
:::

::: table Bảng so sánh
| Cột 1 | Cột 2 |
|---|---|
| a | b |
:::

::: video https://www.youtube.com/watch?v=dQw4w9WgXcQ Video minh họa
:::

{extra}
::: summary
- Tóm tắt bài học.
:::
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def png(path: Path, color="red") -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (24, 12), color).save(path)
    return path


def make_tree(
    root: Path, *, code="ISO-NT", slug="iso-nt", modules=2, lessons=2, course_extra=""
) -> Path:
    """root/courses/<slug>/... with ``modules`` modules of ``lessons`` lessons each."""
    base = root / "courses" / slug
    write(base / "course.md", COURSE.format(code=code, extra=course_extra))
    for m in range(1, modules + 1):
        folder = base / f"{m:02d}-chuyen-de-{m}"
        write(folder / "module.md", MODULE.format(title=f"Chuyên đề {m}", extra=""))
        for i in range(1, lessons + 1):
            write(folder / f"{i:02d}-bai-{i}.md", LESSON.format(title=f"Bài {m}.{i}", extra=""))
    return root / "courses"
