"""A fellow's own log, and one fellow's log for the program's staff and faculty."""

from django.urls import path

from ..views import log as views

LOG = "programs/<int:program_id>/procedures/log/"
FELLOW = "programs/<int:program_id>/procedures/fellows/<int:membership_id>/"

urlpatterns = [
    path(LOG, views.log, name="log"),
    path(f"{LOG}export.csv", views.log_export, name="log_export"),
    path(f"{LOG}new/", views.entry_create, name="entry_create"),
    path(f"{LOG}<int:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path(f"{LOG}<int:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path(f"{LOG}favourites/<int:type_id>/", views.favourite_toggle, name="favourite_toggle"),
    path(f"{LOG}import/", views.log_import, name="log_import"),
    path(f"{LOG}import/template.csv", views.log_import_template, name="log_import_template"),
    path(FELLOW, views.fellow_log, name="fellow_log"),
    path(f"{FELLOW}export.csv", views.fellow_log_export, name="fellow_log_export"),
]
