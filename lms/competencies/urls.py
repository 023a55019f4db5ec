from django.urls import path

from . import views

app_name = "competencies"
urlpatterns = [
    path("", views.my_profile, name="my_profile"),
    path("record.pdf", views.my_profile_pdf, name="my_profile_pdf"),
    path("officials/<int:pk>/", views.official_profile, name="official_profile"),
    path("officials/<int:pk>/record.pdf", views.official_profile_pdf, name="official_profile_pdf"),
    path("matrix/", views.matrix_index, name="matrix_index"),
    path("matrix/<int:pk>/", views.matrix, name="matrix"),
    path("matrix/<int:pk>/matrix.xlsx", views.matrix_xlsx, name="matrix_xlsx"),
]
