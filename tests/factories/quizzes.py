"""Factories for the quiz engine. ``make_question`` builds a question with its choices."""

from decimal import Decimal

import factory

from lms.quizzes.models import Category, Choice, Question, Quiz, QuizDraw, QuizQuestion


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("path",)

    path = factory.Sequence(lambda n: f"Cat{n}")
    name = factory.LazyAttribute(lambda o: o.path.rsplit("/", 1)[-1])


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    title = factory.Sequence(lambda n: f"Bài kiểm tra {n}")
    slug = factory.Sequence(lambda n: f"quiz-{n}")
    pass_mark = 70
    # Tests of the review read it at once; tests/quizzes/test_review_settings.py tries the rest.
    review_when = "immediately"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    key = factory.Sequence(lambda n: f"q-{n}")
    kind = "single"
    text = factory.Sequence(lambda n: f"Câu hỏi {n}?")
    explanation = "Theo điều 6.1 ..."
    category = factory.SubFactory(CategoryFactory)


def make_question(
    kind="single", *, choices=None, correct=None, answers=None, quiz=None, order=0, **kwargs
):
    """A question with choices: ``choices`` = [(text, fraction)], default 1 right + 2 wrong."""
    question = QuestionFactory(
        kind=kind, correct=correct if kind == "truefalse" else None, **kwargs
    )
    if kind in ("single", "multiple"):
        if choices is None:
            choices = [("Đúng", 1), ("Sai 1", 0), ("Sai 2", 0)]
        for i, (text, fraction) in enumerate(choices):
            Choice.objects.create(
                question=question, text=text, fraction=Decimal(str(fraction)), order=i
            )
    if kind == "short":
        for i, text in enumerate(answers or ["PDCA"]):
            Choice.objects.create(question=question, text=text, fraction=1, order=i)
    if quiz is not None:
        QuizQuestion.objects.create(quiz=quiz, question=question, order=order)
    return question


def make_quiz(n_questions=3, kind="single", **kwargs):
    quiz = QuizFactory(**kwargs)
    for i in range(n_questions):
        make_question(kind, quiz=quiz, order=i)
    return quiz


def add_draw(quiz, category, count):
    return QuizDraw.objects.create(quiz=quiz, category=category, count=count)
