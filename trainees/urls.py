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
    path("programs/<int:program_id>/calendar/", views.calendar_view, name="calendar"),
    path(
        "programs/<int:program_id>/calendar/export.csv",
        views.calendar_export,
        name="calendar_export",
    ),
    path(
        "programs/<int:program_id>/calendar/generate/",
        views.calendar_generate,
        name="calendar_generate",
    ),
    path(
        "programs/<int:program_id>/calendar/new/",
        views.deadline_create,
        name="deadline_create",
    ),
    path(
        "programs/<int:program_id>/calendar/<int:deadline_id>/edit/",
        views.deadline_edit,
        name="deadline_edit",
    ),
    path(
        "programs/<int:program_id>/calendar/<int:deadline_id>/delete/",
        views.deadline_delete,
        name="deadline_delete",
    ),
    path(
        "programs/<int:program_id>/fellows/<int:membership_id>/pathway/",
        views.pathway_edit,
        name="pathway_edit",
    ),
    path(
        "programs/<int:program_id>/enrolments/<int:enrolment_id>/status/",
        views.enrolment_status,
        name="enrolment_status",
    ),
]
