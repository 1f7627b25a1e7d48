from django.urls import path

from .views import attendance, checkin, objectives, schedule

app_name = "didactics"
P = "programs/<int:program_id>/didactics/"

urlpatterns = [
    path(f"{P}", schedule.calendar_view, name="calendar"),
    path(f"{P}series/", schedule.series_list_view, name="series_list"),
    path(f"{P}series/new/", schedule.series_create, name="series_create"),
    path(f"{P}sessions/new/", schedule.session_create, name="session_create"),
    path(f"{P}sessions/recurring/", schedule.session_recurring, name="session_recurring"),
    path(f"{P}sessions/<int:session_id>/", schedule.session_detail, name="session_detail"),
    path(f"{P}sessions/<int:session_id>/run-check-in/", checkin.checkin_run, name="checkin_run"),
    path(f"{P}sessions/<int:session_id>/qr.svg", checkin.checkin_qr, name="checkin_qr"),
    path(f"{P}sessions/<int:session_id>/check-in/", checkin.check_in, name="check_in"),
    path(f"{P}sessions/<int:session_id>/roll/", attendance.roll_view, name="roll"),
    path(f"{P}attendance/", attendance.my_attendance, name="my_attendance"),
    path(f"{P}attendance/cohort/", attendance.cohort_attendance, name="cohort_attendance"),
    path(
        f"{P}attendance/cohort/export.csv",
        attendance.cohort_attendance_export,
        name="cohort_attendance_export",
    ),
    path(f"{P}objectives/", objectives.objectives_view, name="objectives"),
    path(
        f"{P}objectives/rotations/<int:rotation_id>/",
        objectives.rotation_objectives,
        name="rotation_objectives",
    ),
    path(
        f"{P}objectives/rotations/<int:rotation_id>/new/",
        objectives.objective_create,
        name="objective_create",
    ),
    path(
        f"{P}objectives/rotations/<int:rotation_id>/teachers/",
        objectives.teacher_add,
        name="teacher_add",
    ),
    path(
        f"{P}objectives/teachers/<int:teacher_id>/remove/",
        objectives.teacher_remove,
        name="teacher_remove",
    ),
    path(
        f"{P}objectives/<int:objective_id>/resources/new/",
        objectives.resource_create,
        name="resource_create",
    ),
    path(
        f"{P}objectives/<int:objective_id>/met/",
        objectives.objective_mark_met,
        name="objective_met",
    ),
    path(
        f"{P}objectives/<int:objective_id>/unmark/",
        objectives.objective_unmark,
        name="objective_unmark",
    ),
    path(
        f"{P}objectives/progress/<int:progress_id>/confirm/",
        objectives.progress_confirm,
        name="progress_confirm",
    ),
    path(f"{P}resources/<int:resource_id>/file/", objectives.resource_file, name="resource_file"),
]
