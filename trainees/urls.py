from django.urls import path

from . import views

app_name = "trainees"
urlpatterns = [
    path("programs/<int:program_id>/my-progress/", views.my_progress, name="my_progress"),
    path("programs/<int:program_id>/my-pathway/", views.my_pathway, name="my_pathway"),
    path("programs/<int:program_id>/cohorts/", views.cohort_list_view, name="cohort_list"),
    path("programs/<int:program_id>/cohorts/new/", views.cohort_create, name="cohort_create"),
    path(
        "programs/<int:program_id>/cohorts/academic-years/new/",
        views.academic_year_create,
        name="academic_year_create",
    ),
    path(
        "programs/<int:program_id>/cohorts/<int:cohort_id>/",
        views.cohort_detail,
        name="cohort_detail",
    ),
    path(
        "programs/<int:program_id>/cohorts/<int:cohort_id>/enrolments/new/",
        views.enrolment_create,
        name="enrolment_create",
    ),
    path(
        "programs/<int:program_id>/fellows/<int:membership_id>/",
        views.fellow_profile,
        name="fellow_profile",
    ),
]
