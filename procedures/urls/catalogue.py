"""Catalogue and targets routes (``procedures`` namespace, included by ``procedures.urls``)."""

from django.urls import path

from ..views import catalogue as views

urlpatterns = [
    path("programs/<int:program_id>/procedures/catalogue/", views.catalogue_page, name="catalogue"),
    path(
        "programs/<int:program_id>/procedures/catalogue/load/",
        views.catalogue_load_page,
        name="catalogue_load",
    ),
    path(
        "programs/<int:program_id>/procedures/catalogue/types/new/",
        views.procedure_type_form_page,
        name="procedure_type_create",
    ),
    path(
        "programs/<int:program_id>/procedures/catalogue/types/<int:type_id>/edit/",
        views.procedure_type_form_page,
        name="procedure_type_edit",
    ),
    path(
        "programs/<int:program_id>/procedures/catalogue/categories/new/",
        views.procedure_category_form_page,
        name="procedure_category_create",
    ),
    path(
        "programs/<int:program_id>/procedures/catalogue/categories/<int:category_id>/edit/",
        views.procedure_category_form_page,
        name="procedure_category_edit",
    ),
    path(
        "programs/<int:program_id>/procedures/settings/",
        views.procedure_settings_page,
        name="procedure_settings",
    ),
    path("programs/<int:program_id>/procedures/targets/", views.targets_page, name="targets"),
    path(
        "programs/<int:program_id>/procedures/targets/<int:target_id>/delete/",
        views.target_delete_page,
        name="target_delete",
    ),
]
