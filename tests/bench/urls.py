"""The platform's URLs plus /bench/bare/: the baseline every ratio is measured against."""

from django.http import HttpResponse
from django.urls import path

from lms.urls import urlpatterns as lms_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *lms_urlpatterns]
