"""Demo data for quizzes: an essay attempt by 'learner' waiting in 'trainer''s marking queue,
and one finished module quiz so "my results" has something to show."""

from __future__ import annotations

from decimal import Decimal

DEMO_QUIZ = "demo-tu-luan"


def _essay_quiz():
    from .formats.base import ParsedQuestion
    from .models import Quiz, QuizQuestion
    from .services import questions_upsert

    rows, _counts = questions_upsert(
        questions=[
            ParsedQuestion(
                kind="essay",
                key="demo-essay-01",
                text=(
                    "Bộ phận một cửa của xã nhận được nhiều phản ánh về việc trả kết quả chậm. "
                    "Hãy mô tả cách áp dụng chu trình PDCA để khắc phục (điều 10.2, 10.3)."
                ),
                explanation=(
                    "Câu trả lời tốt nêu đủ bốn bước: lập kế hoạch (xác định nguyên nhân, "
                    "mục tiêu), thực hiện, kiểm tra kết quả và hành động khắc phục, cải tiến "
                    "(điều 10.2, 10.3)."
                ),
                clauses=["10.2", "10.3"],
                points=Decimal(10),
            )
        ],
        default_category="DEMO/Tự luận",
        source="demo",
    )
    quiz, _created = Quiz.objects.get_or_create(
        slug=DEMO_QUIZ,
        defaults={
            "title": "Bài tập tự luận – Áp dụng PDCA tại bộ phận một cửa",
            "description": "Bài tập tự luận do giảng viên chấm.",
            "pass_mark": 50,
            "attempts_allowed": 2,
        },
    )
    QuizQuestion.objects.get_or_create(quiz=quiz, question=rows[0])
    return quiz


def load_demo(stdout) -> None:
    """Idempotent: a second run finds the attempts and adds nothing."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from lms.agencies.selectors import official_for_user

    from .models import Quiz, Sitting
    from .services import QuizError, sitting_start, sitting_submit

    learner = get_user_model().objects.filter(username="learner").first()
    official = official_for_user(learner) if learner else None
    if official is None:
        stdout.write("quizzes: no demo learner; skipped")
        return
    with transaction.atomic():
        quiz = _essay_quiz()
        if not Sitting.objects.filter(quiz=quiz, official=official).exists():
            sitting = sitting_start(quiz=quiz, user=learner)
            response = sitting.responses.get()
            sitting_submit(
                sitting=sitting,
                answers={
                    response.pk: [
                        "Plan: tìm nguyên nhân trả kết quả chậm, đặt mục tiêu 95 % hồ sơ "
                        "đúng hạn. Do: phân công lại, nhắc hạn hằng ngày. Check: theo dõi "
                        "tỷ lệ đúng hạn mỗi tuần."
                    ]
                },
            )
            stdout.write("quizzes: an essay by 'learner' waits in the marking queue of 'trainer'")
        module = Quiz.objects.filter(draft=False, slug__endswith="-m01").order_by("slug").first()
        if module and not Sitting.objects.filter(quiz=module, official=official).exists():
            try:
                sitting = sitting_start(quiz=module, user=learner)
            except QuizError as exc:
                stdout.write(f"quizzes: {module.slug} not attempted ({exc})")
                return
            answers = {}
            for r in sitting.responses.select_related("question").prefetch_related(
                "question__choices"
            ):
                q = r.question
                if q.kind in ("single", "multiple"):
                    answers[r.pk] = [str(c.pk) for c in q.choices.all() if c.fraction > 0]
                elif q.kind == "truefalse":
                    answers[r.pk] = ["true" if q.correct else "false"]
                elif q.kind == "short":
                    answers[r.pk] = [c.text for c in q.choices.all()[:1]]
            sitting_submit(sitting=sitting, answers=answers)
            stdout.write(f"quizzes: 'learner' passed {module.slug}")
