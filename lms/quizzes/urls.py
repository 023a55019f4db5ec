from django.urls import path

from . import views

app_name = "quizzes"
urlpatterns = [
    path("", views.quiz_list, name="quiz_list"),
    path("my-results/", views.my_results, name="my_results"),
    path("marking/", views.marking_queue, name="marking_queue"),
    path("responses/<int:pk>/mark/", views.response_mark, name="response_mark"),
    path("responses/<int:pk>/remark/", views.response_remark, name="response_remark"),
    path("sittings/<int:pk>/", views.sitting, name="sitting"),
    path("sittings/<int:pk>/submit/", views.sitting_submit, name="sitting_submit"),
    path("sittings/<int:pk>/result/", views.sitting_result, name="sitting_result"),
    path("<slug:slug>/", views.quiz_detail, name="quiz_detail"),
    path("<slug:slug>/start/", views.sitting_start, name="sitting_start"),
    path("<slug:slug>/analysis/", views.quiz_analysis, name="quiz_analysis"),
]
