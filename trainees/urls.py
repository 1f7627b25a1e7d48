from django.urls import path

from .views import calendar, pathway, schedule

app_name = "trainees"
urlpatterns = [
    path("programs/<int:program_id>/my-pathway/", pathway.my_pathway, name="my_pathway"),
    path("programs/<int:program_id>/cohorts/", pathway.cohort_list_view, name="cohort_list"),
    path("programs/<int:program_id>/cohorts/new/", pathway.cohort_create, name="cohort_create"),
    path(
        "programs/<int:program_id>/cohorts/academic-years/new/",
        pathway.academic_year_create,
        name="academic_year_create",
    ),
    path(
        "programs/<int:program_id>/cohorts/<int:cohort_id>/",
        pathway.cohort_detail,
        name="cohort_detail",
    ),
    path(
        "programs/<int:program_id>/cohorts/<int:cohort_id>/enrolments/new/",
        pathway.enrolment_create,
        name="enrolment_create",
    ),
    path(
        "programs/<int:program_id>/fellows/<int:membership_id>/",
        pathway.fellow_profile,
        name="fellow_profile",
    ),
    path("programs/<int:program_id>/calendar/", calendar.calendar_view, name="calendar"),
    path(
        "programs/<int:program_id>/calendar/export.csv",
        calendar.calendar_export,
        name="calendar_export",
    ),
    path(
        "programs/<int:program_id>/calendar/generate/",
        calendar.calendar_generate,
        name="calendar_generate",
    ),
    path(
        "programs/<int:program_id>/calendar/new/",
        calendar.deadline_create,
        name="deadline_create",
    ),
    path(
        "programs/<int:program_id>/calendar/<int:deadline_id>/edit/",
        calendar.deadline_edit,
        name="deadline_edit",
    ),
    path(
        "programs/<int:program_id>/calendar/<int:deadline_id>/delete/",
        calendar.deadline_delete,
        name="deadline_delete",
    ),
    path(
        "programs/<int:program_id>/fellows/<int:membership_id>/pathway/",
        pathway.pathway_edit,
        name="pathway_edit",
    ),
    path(
        "programs/<int:program_id>/enrolments/<int:enrolment_id>/status/",
        pathway.enrolment_status,
        name="enrolment_status",
    ),
    path(
        "programs/<int:program_id>/enrolments/<int:enrolment_id>/leave/new/",
        pathway.leave_period_create,
        name="leave_period_create",
    ),
    path("programs/<int:program_id>/leave/policy/", pathway.leave_policy, name="leave_policy"),
    path(
        "programs/<int:program_id>/leave/<int:leave_id>/edit/",
        pathway.leave_period_edit,
        name="leave_period_edit",
    ),
    path(
        "programs/<int:program_id>/leave/<int:leave_id>/delete/",
        pathway.leave_period_delete,
        name="leave_period_delete",
    ),
]
# The rotation schedule grid (its paths stayed where they were when it lived in curriculum).
urlpatterns += [
    path("programs/<int:program_id>/schedule/", schedule.schedule_page, name="schedule"),
    path(
        "programs/<int:program_id>/schedule/enrolments/<int:enrolment_id>/blocks/new/",
        schedule.schedule_block_form_page,
        name="schedule_block_create",
    ),
    path(
        "programs/<int:program_id>/schedule/blocks/<int:block_id>/edit/",
        schedule.schedule_block_edit_page,
        name="schedule_block_edit",
    ),
    path(
        "programs/<int:program_id>/schedule/blocks/<int:block_id>/delete/",
        schedule.schedule_block_delete_page,
        name="schedule_block_delete",
    ),
]
