from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms.core import views as core_views
from lms.users.account_views import LoginView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path(
        "accounts/login/",
        LoginView.as_view(),
        name="login",
    ),
    path("accounts/sso/", include("lms.users.sso_urls")),
    path("accounts/", include("lms.users.account_urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        core_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password-change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("account/", include("lms.users.profile_urls")),
    path("agencies/", include("lms.agencies.urls")),
    path("people/", include("lms.core.people_urls")),
    path("jobs/<int:pk>/", core_views.bulk_job, name="bulk_job"),
    path("reports/", include("lms.reports.urls")),
    path("learn/", include("lms.courses.urls")),
    path("quizzes/", include("lms.quizzes.urls")),
    path("sessions/", include("lms.training.urls")),
    path("competencies/", include("lms.competencies.urls")),
    path("", include("lms.certificates.urls")),  # /certificates/… and /verify/<code>/
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

# Open Badges 3.0: /verify/<code>.json and .jwt, the issuer profile, keys and status list.
urlpatterns += [path("", include("lms.certificates.urls_openbadges"))]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page tree catches everything else: keep it last.
urlpatterns += [path("", include(wagtail_urls))]
