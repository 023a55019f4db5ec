"""Quiz engine: question bank, quizzes, sittings (attempts), responses and marking.

The Quiz model is the stable target that courses and training point at. A Sitting freezes its
questions (one Response row per question, in order) when it starts, so a later edit of the quiz
or the bank never changes an attempt in progress or a final record. Each Response also keeps
the question as it was shown (text, answer, explanation, choices with their fractions): the
attempt page, the review and the marking read that copy, never the re-importable bank row.
"""

import json
from copy import copy
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from simple_history.models import HistoricalRecords


class Category(models.Model):
    """A folder of the question bank; ``path`` is the full "A/B/C" name, unique."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=500, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


class Tag(models.Model):
    """A free label on questions (topic, source, level)."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Clause(models.Model):
    """A clause of ISO 9001:2015 (e.g. "6.1"), the tag that results are broken down by."""

    number = models.CharField(_("clause"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ISO clause")
        verbose_name_plural = _("ISO clauses")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple response")
    TRUEFALSE = "truefalse", _("True/false")
    SHORT = "short", _("Short answer")
    NUMERICAL = "numerical", _("Numerical")
    MATCHING = "matching", _("Matching")
    ESSAY = "essay", _("Essay")


class TextFormat(models.TextChoices):
    PLAIN = "plain", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML")


class Question(ClusterableModel):
    """A question of the bank. ``key`` is its stable identity across imports (may be blank)."""

    key = models.CharField(_("key"), max_length=120, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices)
    text = models.TextField(_("text"))
    text_format = models.CharField(
        _("text format"), max_length=10, choices=TextFormat.choices, default=TextFormat.MARKDOWN
    )
    explanation = models.TextField(_("explanation"), blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, default=1)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions", verbose_name=_("tags"))
    clauses = models.ManyToManyField(
        Clause, blank=True, related_name="questions", verbose_name=_("ISO clauses")
    )
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    # True/false questions: the right answer, and the feedback for each of the two answers.
    correct = models.BooleanField(_("correct answer"), null=True, blank=True)
    feedback_true = models.TextField(_("feedback for the answer “true”"), blank=True)
    feedback_false = models.TextField(_("feedback for the answer “false”"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category__path", "key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="quizzes_question_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.key or self.name or self.text[:60]


class Choice(models.Model):
    """An option of a choice question, or an accepted text of a short-answer question."""

    # A ParentalKey: the admin edits a question with its choices inline.
    question = ParentalKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.TextField(_("text"))
    # Share of the question's points: 1 = fully right, 0 = wrong, negative = penalty.
    fraction = models.DecimalField(_("fraction"), max_digits=8, decimal_places=5, default=0)
    feedback = models.TextField(_("feedback"), blank=True)
    # Numerical questions: ``text`` holds the value; answers within the tolerance match it.
    tolerance = models.DecimalField(
        _("tolerance"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    # Matching questions: ``text`` is an item (blank: an extra wrong answer) and ``match`` the
    # answer that goes with it; the learner picks an answer for each item.
    match = models.TextField(_("matching answer"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # A choice removed from the source stays for the sittings that showed it.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_correct(self) -> bool:
        return self.fraction > 0


# The question's own fields a Response keeps as shown; choices are kept beside them.
SHOWN_FIELDS = (
    "kind",
    "text",
    "text_format",
    "explanation",
    "correct",
    "feedback_true",
    "feedback_false",
)


def question_snapshot(question, choices) -> dict:
    """What an attempt shows of ``question`` with ``choices``, as JSON for ``Response.shown``."""
    return {
        # getattr's default: a migration's historical model may predate a field.
        **{name: getattr(question, name, "") for name in SHOWN_FIELDS},
        "choices": [
            {
                "id": c.pk,
                "text": c.text,
                "fraction": str(c.fraction),
                "feedback": c.feedback,
                **({"tolerance": str(c.tolerance)} if c.tolerance is not None else {}),
                **({"match": c.match} if getattr(c, "match", "") else {}),
            }
            for c in choices
        ],
    }


def matching_options(choices) -> list[str]:
    """The answers a matching question offers, each once, in the question's order."""
    options: list[str] = []
    for choice in choices:
        if choice.match and choice.match not in options:
            options.append(choice.match)
    return options


class Grading(models.TextChoices):
    HIGHEST = "highest", _("Highest attempt")
    LAST = "last", _("Last attempt")


class FeedbackMode(models.TextChoices):
    EACH = "each", _("After each answer")
    END = "end", _("After submitting")


class ReviewShows(models.TextChoices):
    SCORE = "score", _("The score only")
    WRONG = "wrong", _("The score and which answers were wrong")
    FULL = "full", _("A full review with the right answers")


class ReviewWhen(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately after submitting")
    LAST_ATTEMPT = "last_attempt", _("After the learner's last attempt")
    CLOSED = "closed", _("After the close date")


class Quiz(ClusterableModel):
    """A quiz (bài kiểm tra): settings and the questions it draws from."""

    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    draft = models.BooleanField(
        _("draft"), default=False, help_text=_("Drafts are visible to editors only.")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    random_order = models.BooleanField(_("random order"), default=False)
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 = unlimited.")
    )
    grading = models.CharField(
        _("grading"), max_length=10, choices=Grading.choices, default=Grading.HIGHEST
    )
    feedback_mode = models.CharField(
        _("feedback"), max_length=10, choices=FeedbackMode.choices, default=FeedbackMode.END
    )
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True
    )
    success_text = models.TextField(_("text when passed"), blank=True)
    fail_text = models.TextField(_("text when failed"), blank=True)
    partial_credit = models.BooleanField(
        _("partial credit"),
        default=True,
        help_text=_("Multiple-response questions earn a share per correct choice."),
    )
    questions = models.ManyToManyField(
        Question,
        through="QuizQuestion",
        blank=True,
        related_name="quizzes",
        verbose_name=_("questions"),
    )
    closes_at = models.DateTimeField(
        _("close date"),
        null=True,
        blank=True,
        help_text=_("No attempt starts after this moment. Leave empty to keep the quiz open."),
    )
    review_shows = models.CharField(
        _("after submitting, show"),
        max_length=12,
        choices=ReviewShows.choices,
        default=ReviewShows.FULL,
    )
    review_when = models.CharField(
        _("show it"),
        max_length=12,
        choices=ReviewWhen.choices,
        default=ReviewWhen.LAST_ATTEMPT,
        help_text=_(
            "Until then the learner sees the score only. With unlimited attempts there is no "
            "last attempt: the right answers wait for the close date (never without one), so "
            "that a second attempt is not a copy of the first review."
        ),
    )
    source_path = models.CharField(_("source file"), max_length=500, blank=True)
    source_hash = models.CharField(_("source hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if self.review_when == ReviewWhen.CLOSED and self.closes_at is None:
            raise ValidationError(
                {
                    "closes_at": _(
                        "The review is shown after the close date: give the close date, or "
                        "choose another moment."
                    )
                }
            )

    def is_closed(self, now=None) -> bool:
        from django.utils import timezone

        return self.closes_at is not None and (now or timezone.now()) >= self.closes_at


class QuizQuestion(models.Model):
    """A question placed explicitly in a quiz, in order."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="quiz_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="quiz_questions")
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["quiz", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="quizzes_quizquestion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id} · {self.question_id}"


class QuizDraw(models.Model):
    """Draw ``count`` random questions from a category (and its subcategories) per attempt."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="draws")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="draws")
    count = models.PositiveSmallIntegerField(_("count"), validators=[MinValueValidator(1)])
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")
        ordering = ["quiz", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.count} × {self.category_id}"


class SittingState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_MARKING = "needs_marking", _("Waiting for marking")
    FINISHED = "finished", _("Finished")


class Sitting(models.Model):
    """One attempt of an official at a quiz; final once finished (QMS evidence, clause 7.2)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="sittings")
    official = models.ForeignKey(
        "agencies.Official",
        on_delete=models.PROTECT,
        related_name="sittings",
        verbose_name=_("official"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The official's agency when the attempt started, so history rolls up after mergers.
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sittings",
        verbose_name=_("agency"),
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=SittingState.choices, default=SittingState.IN_PROGRESS
    )
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=8, decimal_places=2, default=0)
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # The pass mark in force when the attempt started.
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=0)
    feedback_mode = models.CharField(
        _("feedback"), max_length=10, choices=FeedbackMode.choices, default=FeedbackMode.END
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "official", "attempt"], name="quizzes_sitting_attempt_unique"
            ),
            models.UniqueConstraint(
                fields=["quiz", "official"],
                condition=Q(state="in_progress"),
                name="quizzes_sitting_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["quiz", "state"]),
            models.Index(fields=["official", "quiz"]),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.official} · #{self.attempt}"

    @property
    def is_open(self) -> bool:
        return self.state == SittingState.IN_PROGRESS

    @property
    def is_final(self) -> bool:
        return self.state == SittingState.FINISHED


class Response(models.Model):
    """The answer to one question of a sitting; rows are created when the sitting starts."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    order = models.PositiveIntegerField(_("order"), default=0)
    # Choice ids in the order shown to this learner (frozen at start).
    choice_order = models.JSONField(_("choice order"), default=list, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, default=1)
    chosen = models.ManyToManyField(
        Choice,
        through="ResponseChoice",
        blank=True,
        related_name="responses",
        verbose_name=_("chosen"),
    )
    text_answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Feedback "each": checked answers are marked and locked.
    checked = models.BooleanField(_("checked"), default=False)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The question as this attempt showed it, frozen when the sitting starts (question_snapshot).
    shown = models.JSONField(_("question as shown"), default=dict, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["sitting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "question"], name="quizzes_response_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sitting_id} · {self.question_id}"

    @property
    def is_right(self) -> bool:
        return self.score is not None and self.score >= self.points

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def kind(self) -> str:
        return self.shown["kind"]

    def shown_question(self) -> Question:
        """A copy of the question carrying the text, answer and explanation this attempt showed."""
        question = copy(self.question)
        for name in SHOWN_FIELDS:
            # Attempts recorded before a field was kept showed it empty.
            setattr(question, name, self.shown.get(name, ""))
        return question

    @property
    def truefalse_feedback(self) -> str:
        """The feedback of the true/false answer this attempt gave, as it was shown."""
        if self.text_answer in ("true", "false"):
            return self.shown.get(f"feedback_{self.text_answer}", "")
        return ""

    @property
    def matching_options(self) -> list[str]:
        """Matching: the answers offered, in the order this attempt showed them."""
        return self.shown.get("options", [])

    def matching_answer(self) -> dict[int, str]:
        """Matching: item (choice id) -> the answer the learner picked for it."""
        if self.shown.get("kind") != QuestionKind.MATCHING or not self.text_answer:
            return {}
        try:
            pairs = json.loads(self.text_answer)
        except ValueError:
            return {}
        if not isinstance(pairs, dict):
            return {}
        return {int(k): str(v) for k, v in pairs.items() if str(k).isdigit()}

    def shown_choices(self) -> dict[int, Choice]:
        """Choice id -> the choice (unsaved copy) with the text and fraction this attempt showed."""
        return {
            c["id"]: Choice(
                pk=c["id"],
                question_id=self.question_id,
                text=c["text"],
                fraction=Decimal(c["fraction"]),
                feedback=c["feedback"],
                tolerance=Decimal(c["tolerance"]) if "tolerance" in c else None,
                match=c.get("match", ""),
            )
            for c in self.shown.get("choices", [])
        }


class ResponseChoice(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "choice"], name="quizzes_responsechoice_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.choice_id}"


class Remark(models.Model):
    """A change of a final score: who, when, why, old and new score."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="remarks")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    old_score = models.DecimalField(_("old score"), max_digits=8, decimal_places=2, null=True)
    new_score = models.DecimalField(_("new score"), max_digits=8, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("remark")
        verbose_name_plural = _("remarks")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.old_score} → {self.new_score}"
