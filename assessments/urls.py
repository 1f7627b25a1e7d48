from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("programs/<int:program_id>/waiting/", views.faculty_queue, name="faculty_queue"),
]
