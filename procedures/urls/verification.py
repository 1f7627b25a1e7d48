from django.urls import path

from ..views import verification as views

PREFIX = "programs/<int:program_id>/procedures/"

urlpatterns = [
    path(f"{PREFIX}verify/", views.verification_queue_view, name="verification_queue"),
    path(f"{PREFIX}verify/bulk/", views.entry_verify_bulk_view, name="entry_verify_bulk"),
    path(f"{PREFIX}verify/<int:entry_id>/", views.entry_verify_view, name="entry_verify"),
    path(f"{PREFIX}entries/<int:entry_id>/return/", views.entry_return_view, name="entry_return"),
    path(f"{PREFIX}entries/<int:entry_id>/reopen/", views.entry_reopen_view, name="entry_reopen"),
    path(f"{PREFIX}progress/", views.my_progress_view, name="my_progress"),
    path(f"{PREFIX}cohort-progress/", views.cohort_progress_view, name="cohort_progress"),
    path(
        f"{PREFIX}cohort-progress/export.csv",
        views.cohort_progress_export,
        name="cohort_progress_export",
    ),
]
