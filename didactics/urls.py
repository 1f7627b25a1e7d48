from django.urls import path

from . import views

app_name = "didactics"
P = "programs/<int:program_id>/didactics/"

urlpatterns = [
    path(f"{P}", views.calendar_view, name="calendar"),
    path(f"{P}series/", views.series_list_view, name="series_list"),
    path(f"{P}series/new/", views.series_create, name="series_create"),
    path(f"{P}sessions/new/", views.session_create, name="session_create"),
    path(f"{P}sessions/recurring/", views.session_recurring, name="session_recurring"),
    path(f"{P}sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path(f"{P}sessions/<int:session_id>/run-check-in/", views.checkin_run, name="checkin_run"),
    path(f"{P}sessions/<int:session_id>/qr.svg", views.checkin_qr, name="checkin_qr"),
    path(f"{P}sessions/<int:session_id>/check-in/", views.check_in, name="check_in"),
    path(f"{P}sessions/<int:session_id>/roll/", views.roll_view, name="roll"),
    path(f"{P}attendance/", views.my_attendance, name="my_attendance"),
    path(f"{P}attendance/cohort/", views.cohort_attendance, name="cohort_attendance"),
    path(
        f"{P}attendance/cohort/export.csv",
        views.cohort_attendance_export,
        name="cohort_attendance_export",
    ),
    path(f"{P}objectives/", views.objectives_view, name="objectives"),
    path(
        f"{P}objectives/rotations/<int:rotation_id>/",
        views.rotation_objectives,
        name="rotation_objectives",
    ),
    path(
        f"{P}objectives/rotations/<int:rotation_id>/new/",
        views.objective_create,
        name="objective_create",
    ),
    path(
        f"{P}objectives/rotations/<int:rotation_id>/teachers/",
        views.teacher_add,
        name="teacher_add",
    ),
    path(
        f"{P}objectives/teachers/<int:teacher_id>/remove/",
        views.teacher_remove,
        name="teacher_remove",
    ),
    path(
        f"{P}objectives/<int:objective_id>/resources/new/",
        views.resource_create,
        name="resource_create",
    ),
    path(f"{P}objectives/<int:objective_id>/met/", views.objective_mark_met, name="objective_met"),
    path(
        f"{P}objectives/<int:objective_id>/unmark/",
        views.objective_unmark,
        name="objective_unmark",
    ),
    path(
        f"{P}objectives/progress/<int:progress_id>/confirm/",
        views.progress_confirm,
        name="progress_confirm",
    ),
    path(f"{P}resources/<int:resource_id>/file/", views.resource_file, name="resource_file"),
]
