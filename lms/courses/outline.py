"""The lesson page's sidebar (progress bar, outline with the learner's ✓ marks and module quiz
results), put together from parts rendered once.

Learners' marks vary without end (each has their own set of lessons done), so the sidebar is not
cached whole per learner: the outline is rendered once per course, current lesson and language
with a slot where each lesson's ✓, each module quiz's line and the progress bar go
(``courses/_lesson_outline.html`` takes the slots), and the parts are kept in this process's
memo under the pages' generation. A learner's sidebar is then the parts joined with the ✓ badge
(one per language), the progress bar (one per language and count) and the quiz lines (one per
quiz, language and result), each rendered once by the templates the slow path includes, so the
result is the same page to the byte (tests/courses/test_outline_parts.py).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from .memo import memo


@dataclass(frozen=True)
class OutlineSkeleton:
    # Literal text at even indexes; at odd ones ("done", lesson id), ("quiz", module id) or
    # ("progress", 0).
    parts: tuple
    lesson_ids: frozenset
    # Module id -> what its quiz line shows besides the result.
    quizzes: dict


def _skeleton(outline_of, *, stamp: str, course_id: int, lesson_id: int, language: str):
    key = f"courses:outline-skeleton:{stamp}:{course_id}:{lesson_id}:{language}"
    skeleton = memo.get(key)
    if skeleton is not None:
        return skeleton
    outline = outline_of()  # the caller's own copy: the slots are written into it
    nonce = secrets.token_hex(8)
    lesson_ids, quizzes = set(), {}
    for module in outline:
        module["quiz_slot"] = f"lmsslot{nonce}quiz{module['id']}x"
        if module.get("quiz_url"):
            quizzes[module["id"]] = {
                k: module.get(k) for k in ("id", "quiz_id", "quiz_url", "quiz_title")
            }
        for item in module["lessons"]:
            item["done_slot"] = f"lmsslot{nonce}done{item['id']}x"
            item["current"] = item["id"] == lesson_id
            lesson_ids.add(item["id"])
    html = render_to_string(
        "courses/_lesson_outline.html",
        {"outline": outline, "progress_slot": f"lmsslot{nonce}progressx"},
    )
    pieces = re.split(f"lmsslot{nonce}([a-z]+?)(\\d*)x", html)
    parts = []
    for i in range(0, len(pieces), 3):
        parts.append(pieces[i])
        if i + 2 < len(pieces):
            parts.append((pieces[i + 1], int(pieces[i + 2] or 0)))
    skeleton = OutlineSkeleton(tuple(parts), frozenset(lesson_ids), quizzes)
    memo.put(key, skeleton)
    return skeleton


def _piece(key: str, render) -> str:
    html = memo.get(key)
    if html is None:
        html = render()
        memo.put(key, html)
    return html


def lesson_outline(
    outline_of, *, stamp: str, course_id: int, lesson_id: int, done, marks=None
) -> str:
    """The sidebar for a learner with lessons ``done`` and module quiz ``marks`` (quiz id ->
    QuizMark) on lesson ``lesson_id``; ``outline_of()`` gives a copy of the course's outline
    (called only when the parts are not in the memo yet)."""
    from .selectors import percent

    language = translation.get_language() or ""
    skeleton = _skeleton(
        outline_of, stamp=stamp, course_id=course_id, lesson_id=lesson_id, language=language
    )
    marks = marks or {}
    done_count = len(skeleton.lesson_ids.intersection(done))
    total = len(skeleton.lesson_ids)
    out = []
    for i, part in enumerate(skeleton.parts):
        if not i % 2:
            out.append(part)
            continue
        kind, pk = part
        if kind == "done":
            if pk in done:
                out.append(
                    _piece(
                        f"courses:outline-badge:{language}",
                        lambda: render_to_string("courses/_done_badge.html"),
                    )
                )
        elif kind == "progress":
            out.append(
                _piece(
                    f"courses:outline-progress:{language}:{done_count}:{total}",
                    lambda: render_to_string(
                        "courses/_progress.html",
                        {
                            "done_count": done_count,
                            "lesson_count": total,
                            "progress": percent(done_count, total),
                        },
                    ),
                )
            )
        elif kind == "quiz" and pk in skeleton.quizzes:
            module = skeleton.quizzes[pk]
            mark = marks.get(module["quiz_id"])
            result = "-" if mark is None else f"{int(mark.passed)}:{mark.percent}"
            out.append(
                _piece(
                    f"courses:outline-quiz:{stamp}:{pk}:{language}:{result}",
                    lambda module=module, mark=mark: render_to_string(
                        "courses/_outline_quiz.html", {"module": {**module, "mark": mark}}
                    ),
                )
            )
    return mark_safe("".join(out))  # noqa: S308 - every part rendered by our own templates
