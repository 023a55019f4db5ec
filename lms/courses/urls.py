from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("lessons/<int:lesson_id>/done/", views.lesson_done, name="lesson_done"),
    path("assign/", views.assign, name="assign"),
    path("search/", views.search, name="search"),
]
