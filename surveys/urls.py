from django.urls import path

from . import views

app_name = "surveys"
P = "programs/<int:program_id>/confidential-evaluations/"
F = P + "forms/<int:survey_form_id>/"
C = P + "collections/<int:survey_collection_id>/"
urlpatterns = [
    path(P, views.collection_list, name="collection_list"),
    path(P + "schedule/", views.collection_create, name="collection_create"),
    path(P + "minimum-answers/", views.minimum_answers, name="minimum_answers"),
    path(C, views.collection_results, name="collection_results"),
    path(C + "export.csv", views.collection_results_export, name="collection_results_export"),
    path(P + "forms/", views.form_list, name="form_list"),
    path(P + "forms/new/", views.form_create, name="form_create"),
    path(F, views.form_detail, name="form_detail"),
    path(F + "questions/", views.question_add, name="question_add"),
    path(
        F + "questions/<int:survey_question_id>/remove/",
        views.question_remove,
        name="question_remove",
    ),
    path(F + "duplicate/", views.form_duplicate, name="form_duplicate"),
    path(F + "toggle/", views.form_toggle, name="form_toggle"),
    path(P + "mine/", views.my_evaluations, name="my_evaluations"),
    path(P + "mine/<int:survey_invitation_id>/", views.evaluation_fill, name="evaluation_fill"),
]
