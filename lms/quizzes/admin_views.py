"""The question bank's import and export pages in Wagtail's admin (editors only).

The import page runs the same checks and writes the same summary as ``manage.py
import_questions`` (``run_import``): first a dry run, then, once the editor confirms, the import
of the very file they checked. Between the two, the upload waits in a private folder under
PRIVATE_MEDIA_ROOT (never served), tied to the editor who sent it, checked by its SHA-256, and
forgotten after IMPORT_TTL."""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied

from lms.core.text import fold

from .management.commands.import_questions import ImportRefused, run_import
from .models import Category, Question, Quiz

IMPORT_TTL = datetime.timedelta(hours=1)
MAX_IMPORT_BYTES = 5 * 1024 * 1024
SUFFIXES = {".gift": "gift", ".txt": "gift", ".xml": "moodlexml"}
IMPORT_PERMISSIONS = ("quizzes.add_question", "quizzes.change_question")
EXPORT_PERMISSIONS = ("quizzes.view_question",)


def may_import(user) -> bool:
    return user.has_perms(IMPORT_PERMISSIONS)


def may_export(user) -> bool:
    return user.has_perms(EXPORT_PERMISSIONS)


def _refuse(request):
    """403 (Wagtail would turn a PermissionDenied into a redirect to its dashboard)."""
    return permission_denied(request, PermissionDenied())


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Question file"),
        help_text=gettext_lazy("GIFT (.gift, .txt) or Moodle XML (.xml), up to 5 MB."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[
            ("", gettext_lazy("From the file's extension")),
            ("gift", "GIFT"),
            ("moodlexml", "Moodle XML"),
        ],
    )
    category = forms.CharField(
        label=gettext_lazy("Category"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("For questions whose file names no category, e.g. “ISO-NT/01”."),
    )
    skip_unsupported = forms.BooleanField(
        label=gettext_lazy("Import the other questions when some have an unsupported type"),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > MAX_IMPORT_BYTES:
            self.add_error("file", _("The file is larger than 5 MB."))
        fmt = cleaned.get("format") or SUFFIXES.get(Path(upload.name).suffix.lower())
        if fmt is None:
            self.add_error(
                "file",
                _("%(name)s: cannot tell the format from the extension; choose the format.")
                % {"name": Path(upload.name).name},
            )
        cleaned["format"] = fmt
        return cleaned


def _store() -> Path:
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "question-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_expired(now) -> None:
    for meta in _store().glob("*.json"):
        try:
            created = datetime.datetime.fromisoformat(json.loads(meta.read_text())["created"])
        except (OSError, ValueError, KeyError):
            created = None
        if created is None or now - created > IMPORT_TTL:
            meta.unlink(missing_ok=True)
            meta.with_suffix(".bin").unlink(missing_ok=True)


def _keep(user, data: bytes, options: dict) -> str:
    """Keep an upload for its confirmation; returns the token that names it."""
    now = timezone.now()
    _forget_expired(now)
    token = secrets.token_urlsafe(24)
    (_store() / f"{token}.bin").write_bytes(data)
    meta = {
        **options,
        "user": user.pk,
        "sha256": hashlib.sha256(data).hexdigest(),
        "created": now.isoformat(),
    }
    (_store() / f"{token}.json").write_text(json.dumps(meta))
    return token


def _kept(user, token: str) -> tuple[bytes, dict] | None:
    """The upload kept under ``token`` for ``user``, unless expired, altered or someone else's."""
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    meta_path, data_path = _store() / f"{token}.json", _store() / f"{token}.bin"
    try:
        meta = json.loads(meta_path.read_text())
        data = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    created = datetime.datetime.fromisoformat(meta["created"])
    if meta.get("user") != user.pk or timezone.now() - created > IMPORT_TTL:
        return None
    if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
        return None
    return data, meta


def _drop(token: str) -> None:
    (_store() / f"{token}.json").unlink(missing_ok=True)
    (_store() / f"{token}.bin").unlink(missing_ok=True)


def question_import(request):
    """Upload → dry run with the command's summary → confirm → import."""
    if not may_import(request.user):
        return _refuse(request)
    context = {"form": ImportForm()}
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        kept = _kept(request.user, token)
        if kept is None:
            context["error"] = _(
                "The checked file is no longer available (over an hour old, or checked by "
                "someone else): upload it again."
            )
        else:
            data, meta = kept
            try:
                context["summary"] = run_import(
                    Path(meta["name"]),
                    meta["format"],
                    category=meta["category"],
                    skip_unsupported=meta["skip_unsupported"],
                    data=data,
                )
                context["imported"] = True
            except ImportRefused as refused:
                context["error"] = str(refused)
            _drop(token)
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            options = {
                "name": Path(upload.name).name,
                "format": form.cleaned_data["format"],
                "category": form.cleaned_data["category"],
                "skip_unsupported": form.cleaned_data["skip_unsupported"],
            }
            try:
                context["summary"] = run_import(
                    Path(options["name"]),
                    options["format"],
                    category=options["category"],
                    skip_unsupported=options["skip_unsupported"],
                    dry_run=True,
                    data=data,
                )
                context["token"] = _keep(request.user, data, options)
                context["file_name"] = options["name"]
            except ImportRefused as refused:
                context["error"] = str(refused)
    return render(request, "quizzes/admin/question_import.html", context)


class ExportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=gettext_lazy("Every category"),
        help_text=gettext_lazy("With its subcategories."),
    )
    quiz = forms.ModelChoiceField(
        label=gettext_lazy("Quiz"),
        queryset=Quiz.objects.all(),
        required=False,
        empty_label=gettext_lazy("Any quiz"),
        help_text=gettext_lazy("Only the questions placed in this quiz and those it draws from."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("moodlexml", "Moodle XML"), ("gift", "GIFT")],
        help_text=gettext_lazy(
            "GIFT cannot carry points, “do not shuffle” or category descriptions; Moodle XML "
            "carries them."
        ),
    )


def export_questions(*, category=None, quiz=None):
    """The questions an export writes, in the order the command writes them."""
    questions = Question.objects.select_related("category").prefetch_related(
        "choices", "tags", "clauses"
    )
    if category is not None:
        questions = questions.filter(
            Q(category__path=category.path) | Q(category__path__startswith=category.path + "/")
        )
    if quiz is not None:
        draws = Q()
        for path in quiz.draws.values_list("category__path", flat=True):
            draws |= Q(category__path=path) | Q(category__path__startswith=path + "/")
        questions = (
            questions.filter(Q(quizzes=quiz) | draws) if draws else questions.filter(quizzes=quiz)
        )
    return questions.distinct().order_by("category__path", "key", "pk")


def question_export(request):
    if not may_export(request.user):
        return _refuse(request)
    form = ExportForm(request.GET or None)
    error = ""
    if request.GET and form.is_valid():
        category, quiz = form.cleaned_data["category"], form.cleaned_data["quiz"]
        questions = list(export_questions(category=category, quiz=quiz))
        if not questions:
            error = _("No questions match: nothing to export.")
        else:
            if form.cleaned_data["format"] == "gift":
                from .formats.export import to_gift

                text, suffix, mime = to_gift(questions), "gift", "text/plain"
            else:
                from .formats.export import to_moodlexml

                text, suffix, mime = to_moodlexml(questions), "xml", "application/xml"
            name = slugify(
                fold(quiz.slug if quiz else category.path if category else "questions").replace(
                    "/", "-"
                )
            )
            response = HttpResponse(text.encode("utf-8"), content_type=f"{mime}; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.{suffix}"'
            return response
    return render(request, "quizzes/admin/question_export.html", {"form": form, "error": error})
