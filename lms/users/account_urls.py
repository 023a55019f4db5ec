from django.urls import path

from . import account_views

app_name = "accounts"
urlpatterns = [
    path("activate/<uidb64>/<token>/", account_views.ActivateView.as_view(), name="activate"),
    path("activate-code/", account_views.activate_with_code, name="activate_code"),
    path("activated/", account_views.activated, name="activated"),
    path("<int:pk>/reactivate/", account_views.reactivate, name="reactivate"),
]
