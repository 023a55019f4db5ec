"""Quiz pages: detail, attempt, submit, result, my results, marking, remarking, item analysis."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.agencies.selectors import official_for_user
from lms.core import compiled
from lms.core.access import can, permission_required, require
from lms.core.text import parse_id

from . import definitions, fragments, selectors, services
from .forms import MarkForm, RemarkForm
from .models import (
    FeedbackMode,
    Quiz,
    Remark,
    Response,
    ResponseChoice,
    ReviewShows,
    ReviewWhen,
    Sitting,
    SittingState,
)


def _quiz(request, slug) -> Quiz:
    """The quiz, or 404 when the user may not see it (drafts are not announced)."""
    quiz = definitions.quiz_by_slug(slug)
    if quiz is None:
        raise Http404
    if not can(request.user, "quizzes.view_quiz", quiz):
        raise Http404
    return quiz


def _one(key: str, build, pk) -> Sitting:
    """The sitting ``build(pk)`` finds, its statement compiled once (lms.core.compiled), or 404."""
    # An id past the column's range matches nothing (the ORM's lookups say so without asking).
    found = compiled.fetch(key, build, [pk]) if 0 < pk < 2**63 else []
    if not found:
        raise Http404
    return found[0]


def _sitting(request, pk) -> Sitting:
    return _one(
        "quizzes.sitting_result",
        lambda pk: Sitting.objects.select_related("quiz", "official", "agency").filter(pk=pk),
        pk,
    )


def _sitting_taken(request, pk) -> Sitting:
    """The sitting for its attempt page and submit: the quiz and the official, not the agency
    (the result page shows it)."""
    return _one(
        "quizzes.sitting_taken",
        lambda pk: Sitting.objects.select_related("quiz", "official").filter(pk=pk),
        pk,
    )


def _response(request, pk) -> Response:
    return get_object_or_404(
        Response.objects.select_related(
            "question", "sitting__quiz", "sitting__official", "sitting__agency"
        ),
        pk=pk,
    )


def _answers(post) -> dict[int, list[str]]:
    """Response id -> submitted values, for every question present on the page."""
    answers = {}
    for raw in post.getlist("present"):
        response_id = parse_id(raw)
        if response_id is not None:
            answers[response_id] = post.getlist(f"r{raw}")
    return answers


def _login_guard(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _htmx_to_result(sitting: Sitting) -> HttpResponse:
    """Autosave after the attempt closed (time up, other tab): send the browser to the result."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = reverse("quizzes:sitting_result", kwargs={"pk": sitting.pk})
    return response


@permission_required("quizzes.view_quiz")
def quiz_list(request):
    """Quizzes grouped by course (courses sit above quizzes, hence the late import)."""
    from lms.courses.selectors import quizzes_by_course

    quizzes = selectors.visible_quizzes(request.user)
    return render(
        request,
        "quizzes/quiz_list.html",
        quizzes_by_course(user=request.user, quizzes=quizzes),
    )


RECENT_ATTEMPTS = 10


@_login_guard
def quiz_detail(request, slug):
    quiz = _quiz(request, slug)
    official, sittings = selectors.my_sittings(user=request.user, quiz=quiz)
    if official is not None:
        for i, sitting in enumerate(sittings):
            if sitting.is_open:
                sittings[i] = services.sitting_close_if_expired(sitting=sitting)
    open_sitting = next((s for s in sittings if s.is_open), None)
    left = None if not quiz.attempts_allowed else max(0, quiz.attempts_allowed - len(sittings))
    counted = selectors.result_of(sittings, quiz=quiz)
    from lms.courses.selectors import final_quiz_refusal  # courses sit above quizzes

    locked = None if open_sitting else final_quiz_refusal(official=official, quiz=quiz)
    return render(
        request,
        "quizzes/quiz_detail.html",
        {
            "quiz": quiz,
            "official": official,
            "sittings": sittings,
            # The page lists the latest attempts only: a practice quiz with unlimited attempts
            # would otherwise grow a row per attempt forever (all of them are on My results).
            "recent_sittings": sittings[:RECENT_ATTEMPTS],
            "open_sitting": open_sitting,
            "attempts_left": left,
            "can_start": official is not None
            and not locked
            and (open_sitting is not None or left is None or left > 0),
            "locked": locked,
            "counted": counted,
            "question_count": definitions.quiz_plan(quiz).question_count,
            "can_analyse": can(request.user, "quizzes.analyse", quiz),
        },
    )


@require_POST
@_login_guard
def sitting_start(request, slug):
    quiz = _quiz(request, slug)
    require(request.user, "quizzes.take_quiz", quiz)
    try:
        sitting = services.sitting_start(quiz=quiz, user=request.user)
    except services.QuizError as exc:
        messages.error(request, str(exc))
        return redirect("quizzes:quiz_detail", slug=quiz.slug)
    return redirect("quizzes:sitting", pk=sitting.pk)


@permission_required(
    "quizzes.take_sitting", get_object=lambda request, pk: _sitting_taken(request, pk)
)
def sitting(request, pk):
    """The attempt: every question on one page; answers are saved on the server as they change."""
    sitting = request.permission_object
    sitting = services.sitting_close_if_expired(sitting=sitting)
    if not sitting.is_open:
        if request.htmx:
            return _htmx_to_result(sitting)
        messages.info(request, _("This attempt is closed."))
        return redirect("quizzes:sitting_result", pk=sitting.pk)
    if request.method == "POST":
        answers = _answers(request.POST)
        check = request.POST.get("check", "")
        if check.isdigit():
            services.response_check(sitting=sitting, response_id=int(check), answers=answers)
            return redirect(reverse("quizzes:sitting", kwargs={"pk": sitting.pk}) + f"#r{check}")
        result = services.response_save(sitting=sitting, answers=answers)
        if request.htmx:
            if not result.is_open:
                return _htmx_to_result(result)
            return HttpResponse(
                render_to_string("quizzes/_saved.html", {"now": timezone.now()}, request=request)
            )
        if not result.is_open:
            messages.warning(
                request, _("Time is up: your attempt was submitted with the answers saved in time.")
            )
            return redirect("quizzes:sitting_result", pk=sitting.pk)
        messages.success(request, _("Your answers are saved."))
        return redirect("quizzes:sitting", pk=sitting.pk)
    feedback_each = sitting.feedback_mode == FeedbackMode.EACH
    responses = fragments.attempt_page_responses(sitting, feedback_each=feedback_each)
    return render(
        request,
        "quizzes/sitting.html",
        {
            "sitting": sitting,
            "quiz": sitting.quiz,
            "responses": responses,
            "answered": sum(1 for r in responses if r.is_answered),
            "feedback_each": feedback_each,
        },
    )


@require_POST
@permission_required(
    "quizzes.take_sitting", get_object=lambda request, pk: _sitting_taken(request, pk)
)
def sitting_submit(request, pk):
    """Submit; with questions left unanswered, first save the answers and ask to confirm (the
    page's script asks in the browser and sends ``confirm``; this step serves without it)."""
    sitting = request.permission_object
    answers = _answers(request.POST)
    # One transaction: the answers are saved, and the attempt submitted unless questions are
    # left unanswered without the confirmation.
    sitting = services.sitting_submit(
        sitting=sitting, answers=answers, all_answered=request.POST.get("confirm") != "1"
    )
    if sitting.is_open:
        return render(
            request,
            "quizzes/sitting_confirm.html",
            {"sitting": sitting, "quiz": sitting.quiz, "unanswered": sitting.unanswered},
        )
    return redirect("quizzes:sitting_result", pk=sitting.pk)


@permission_required("quizzes.view_result", get_object=lambda request, pk: _sitting(request, pk))
def sitting_result(request, pk):
    sitting = request.permission_object
    sitting = services.sitting_close_if_expired(sitting=sitting)
    if sitting.is_open:
        if can(request.user, "quizzes.take_sitting", sitting):
            return redirect("quizzes:sitting", pk=sitting.pk)
        raise Http404
    is_owner = can(request.user, "quizzes.take_sitting", sitting)
    review = selectors.review_level(sitting=sitting, viewer_is_owner=is_owner)
    responses = [] if review == ReviewShows.SCORE else selectors.sitting_responses(sitting)
    if review == ReviewShows.FULL:
        accepted = selectors.accepted_answers(responses)
        for r in responses:
            r.accepted = accepted.get(r.question_id, [])
    may_mark = can(request.user, "quizzes.mark", responses[0]) if responses else False
    return render(
        request,
        "quizzes/sitting_result.html",
        {
            "sitting": sitting,
            "quiz": sitting.quiz,
            "responses": responses,
            "review": review,
            "review_when": ReviewWhen(sitting.quiz.review_when).label,
            "breakdown": selectors.breakdown(Response.objects.filter(sitting=sitting))
            if review != ReviewShows.SCORE
            else {},
            "is_owner": is_owner,
            "may_mark": may_mark,
        },
    )


@permission_required("quizzes.view_my_results")
def my_results(request):
    official = official_for_user(request.user)
    if official is not None:
        services.sittings_close_expired(official=official)
    data = (
        selectors.my_results(official)
        if official
        else {"sittings": [], "categories": [], "clauses": []}
    )
    return render(request, "quizzes/my_results.html", {"official": official, **data})


@permission_required("quizzes.marking_queue")
def marking_queue(request):
    queue = list(selectors.marking_queue(request.user)[:200])
    return render(request, "quizzes/marking_queue.html", {"queue": queue})


def _chosen_texts(response: Response) -> list:
    """The chosen answers' texts as the attempt showed them."""
    shown = response.shown_choices()
    return [
        shown[cid].text
        for cid in ResponseChoice.objects.filter(response=response)
        .order_by("pk")
        .values_list("choice_id", flat=True)
        if cid in shown
    ]


@permission_required("quizzes.mark", get_object=lambda request, pk: _response(request, pk))
def response_mark(request, pk):
    response = request.permission_object
    if response.sitting.state != SittingState.NEEDS_MARKING or response.kind != "essay":
        return redirect("quizzes:response_remark", pk=response.pk)
    form = MarkForm(
        request.POST or None, points=response.points, initial={"comment": response.comment}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.response_mark(
                response=response,
                user=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except services.QuizError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The mark is saved."))
            return redirect("quizzes:marking_queue")
    return render(
        request,
        "quizzes/response_mark.html",
        {
            "response": response,
            "question": response.shown_question(),
            "form": form,
            "remark": False,
        },
    )


@permission_required("quizzes.mark", get_object=lambda request, pk: _response(request, pk))
def response_remark(request, pk):
    response = request.permission_object
    form = RemarkForm(
        request.POST or None,
        points=response.points,
        initial={"score": response.score, "comment": response.comment},
    )
    final = response.sitting.state == SittingState.FINISHED
    if request.method == "POST" and form.is_valid():
        try:
            services.response_remark(
                response=response,
                user=request.user,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except services.QuizError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The new score is recorded."))
            return redirect("quizzes:sitting_result", pk=response.sitting_id)
    return render(
        request,
        "quizzes/response_mark.html",
        {
            "response": response,
            "question": response.shown_question(),
            "form": form,
            "remark": True,
            "final": final,
            "chosen": _chosen_texts(response),
            "remarks": Remark.objects.filter(response=response).select_related("by"),
        },
    )


@_login_guard
def quiz_analysis(request, slug):
    quiz = _quiz(request, slug)
    require(request.user, "quizzes.analyse", quiz)
    return render(
        request,
        "quizzes/quiz_analysis.html",
        {"quiz": quiz, **selectors.item_analysis(user=request.user, quiz=quiz)},
    )
