from django.urls import path

from . import views

app_name = "trainees"
urlpatterns = [
    path("programs/<int:program_id>/my-progress/", views.my_progress, name="my_progress"),
]
