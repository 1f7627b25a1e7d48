"""The annual program evaluation held by the Program Evaluation Committee."""

from django.urls import path

from . import views

app_name = "program_evaluation"
P = "programs/<int:program_id>/program-evaluation/"
E = P + "<int:pe_evaluation_id>/"
G = P + "outcomes/"
urlpatterns = [
    path(P, views.evaluation_list, name="evaluation_list"),
    path(P + "committee/", views.committee, name="committee"),
    path(P + "open/", views.evaluation_open, name="evaluation_open"),
    path(E, views.evaluation_detail, name="evaluation_detail"),
    path(E + "edit/", views.evaluation_edit, name="evaluation_edit"),
    path(E + "sign/", views.evaluation_sign, name="evaluation_sign"),
    path(E + "print/", views.evaluation_print, name="evaluation_print"),
    path(E + "export.json", views.evaluation_export, name="evaluation_export"),
    path(E + "actions.csv", views.evaluation_actions_csv, name="evaluation_actions_csv"),
    path(E + "actions/new/", views.action_item_create, name="action_item_create"),
    path(P + "actions/<int:pe_item_id>/", views.action_item_edit, name="action_item_edit"),
    path(G, views.outcome_list, name="outcome_list"),
    path(G + "new/", views.outcome_create, name="outcome_create"),
    path(G + "<int:pe_outcome_id>/", views.outcome_edit, name="outcome_edit"),
    path(G + "<int:pe_outcome_id>/delete/", views.outcome_delete, name="outcome_delete"),
]
