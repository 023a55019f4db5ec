"""Learner and assigner screens under /learn/; course and lesson pages are served by Wagtail."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.core.access import can, permission_required, require

from . import selectors, services
from .forms import AssignForm
from .models import CoursePage


@permission_required("courses.view_my_learning")
def my_learning(request):
    services.learner_sittings_close_expired(user=request.user)
    return render(
        request, "courses/my_learning.html", selectors.learner_overview(user=request.user)
    )


@permission_required("courses.view_catalogue")
def catalogue(request):
    courses = selectors.open_courses(user=request.user)
    return render(request, "courses/catalogue.html", {"courses": courses})


def _live_course(request, course_id):
    return get_object_or_404(CoursePage.objects.live(), pk=course_id)


@require_POST
@permission_required("courses.enrol", get_object=_live_course)
def enrol(request, course_id):
    course = request.permission_object
    official = selectors.official_of(request.user)
    if official is None:
        messages.error(
            request, _("Your login is not linked to an official record, so you cannot enrol.")
        )
        return redirect(course.get_url(request) or "courses:catalogue")
    try:
        services.enrolment_create(official=official, course=course)
    except ValidationError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("You are enrolled in “%(course)s”.") % {"course": course.title})
    return redirect(course.get_url(request))


@require_POST
def lesson_done(request, lesson_id):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    state = selectors.lesson_access_state(lesson_id=lesson_id, user=request.user)
    if state is None:
        raise Http404
    require(request.user, "courses.mark_lesson_done", state)
    if state.enrolment is None:
        state.enrolment = services.enrolment_create(official=state.official, course=state.course)
    services.lesson_mark_done(
        official=state.official, lesson=state.lesson, enrolment=state.enrolment
    )
    state.enrolment.refresh_from_db(fields=["completed_at"])
    if request.htmx:
        return HttpResponse(
            selectors.lesson_done_swap(
                request=request, state=state, completed=bool(state.enrolment.completed_at)
            )
        )
    if state.enrolment.completed_at:
        messages.success(request, _("Well done: you have completed this course."))
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(state.lesson.get_url(request))


@permission_required("courses.assign")
def assign(request):
    form = AssignForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        for agency in data["agencies"]:
            if not can(request.user, "courses.assign", agency):
                raise PermissionDenied("courses.assign")
        if "preview" in request.POST:
            preview = selectors.assign_candidates(
                agencies=data["agencies"],
                position_kinds=data["position_kinds"],
                course=data["course"],
            )
        else:
            total = selectors.assign_candidates(
                agencies=data["agencies"], position_kinds=data["position_kinds"]
            )["total"]
            if total > services.BACKGROUND_OFFICIALS:
                job = services.course_assign_job_create(
                    course=data["course"],
                    agencies=data["agencies"],
                    position_kinds=data["position_kinds"],
                    due_date=data["due_date"],
                    by_user=request.user,
                    total=total,
                )
                return redirect("bulk_job", pk=job.pk)
            result = services.course_assign(
                course=data["course"],
                agencies=data["agencies"],
                position_kinds=data["position_kinds"],
                due_date=data["due_date"],
                by_user=request.user,
            )
            messages.success(
                request,
                _(
                    "%(created)d officials assigned to “%(course)s”; "
                    "%(already)d were already enrolled."
                )
                % {
                    "created": result.created,
                    "already": result.already,
                    "course": data["course"].title,
                },
            )
            return redirect("courses:assign")
    return render(request, "courses/assign.html", {"form": form, "preview": preview})


@permission_required("courses.search")
def search(request):
    """Lessons matching the words typed (from the header of every page or the catalogue)."""
    asked = "q" in request.GET
    query = request.GET.get("q", "")
    outcome = selectors.search_lessons(query=query, user=request.user) if asked else None
    return render(
        request,
        "courses/search.html",
        {"query": query[: selectors.MAX_QUERY_CHARS].strip(), "asked": asked, "outcome": outcome},
    )
