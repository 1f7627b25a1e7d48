from django.urls import path

from . import views

app_name = "curriculum"
urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<int:program_id>/", views.program_overview, name="program_overview"),
]
urlpatterns += [
    path(
        "programs/<int:program_id>/milestones/",
        views.milestone_set_list_page,
        name="milestone_set_list",
    ),
    path(
        "programs/<int:program_id>/milestones/import/",
        views.milestone_set_import_page,
        name="milestone_set_import",
    ),
    path(
        "programs/<int:program_id>/milestones/load-default/",
        views.milestone_set_load_default_page,
        name="milestone_set_load_default",
    ),
    path(
        "programs/<int:program_id>/milestones/<int:set_id>/",
        views.milestone_set_detail_page,
        name="milestone_set_detail",
    ),
    path(
        "programs/<int:program_id>/milestones/<int:set_id>/export.yaml",
        views.milestone_set_export,
        {"file_format": "yaml"},
        name="milestone_set_export_yaml",
    ),
    path(
        "programs/<int:program_id>/milestones/<int:set_id>/export.csv",
        views.milestone_set_export,
        {"file_format": "csv"},
        name="milestone_set_export_csv",
    ),
]
urlpatterns += [
    path("programs/<int:program_id>/rotations/", views.rotation_list_page, name="rotation_list"),
    path(
        "programs/<int:program_id>/rotations/new/",
        views.rotation_form_page,
        name="rotation_create",
    ),
    path(
        "programs/<int:program_id>/rotations/<int:rotation_id>/edit/",
        views.rotation_form_page,
        name="rotation_edit",
    ),
]
