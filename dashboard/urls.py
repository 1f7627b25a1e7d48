from django.urls import path

from .views import director, faculty, fellow, settings

app_name = "dashboard"
P = "programs/<int:program_id>/dashboard/"
urlpatterns = [
    path(P, director.cohort_dashboard, name="cohort_dashboard"),
    path(P + "<slug:panel>.csv", director.panel_export, name="panel_export"),
    # The faculty and fellow homes keep the paths they had before they moved here.
    path("programs/<int:program_id>/waiting/", faculty.faculty_queue, name="faculty_queue"),
    path("programs/<int:program_id>/my-progress/", fellow.my_progress, name="my_progress"),
    path("programs/<int:program_id>/settings/", settings.program_settings, name="program_settings"),
]
