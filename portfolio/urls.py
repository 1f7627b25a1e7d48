from django.urls import path

from . import views

app_name = "portfolio"
P = "programs/<int:program_id>/"
LP = P + "learning-plans/"
S = P + "scholarly/"
urlpatterns = [
    path(LP, views.plan_list_view, name="plan_list"),
    path(P + "ccc/reviews/<int:review_id>/learning-plan/", views.plan_create, name="plan_create"),
    path(LP + "<int:pf_plan_id>/", views.plan_detail, name="plan_detail"),
    path(LP + "<int:pf_plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path(LP + "<int:pf_plan_id>/acknowledge/", views.plan_acknowledge, name="plan_acknowledge"),
    path(LP + "goals/<int:pf_goal_id>/progress/", views.goal_progress, name="goal_progress"),
    path(P + "my/learning-plan/", views.my_plan, name="my_plan"),
    path(P + "my/scholarly/", views.my_scholarly, name="my_scholarly"),
    path(P + "my/scholarly/new/", views.scholarly_create, name="scholarly_create"),
    path(
        P + "my/scholarly/<int:pf_activity_id>/edit/", views.scholarly_edit, name="scholarly_edit"
    ),
    path(
        P + "my/scholarly/<int:pf_activity_id>/delete/",
        views.scholarly_delete,
        name="scholarly_delete",
    ),
    path(S, views.cohort_scholarly, name="cohort_scholarly"),
    path(S + "export.csv", views.scholarly_export, name="scholarly_export"),
]
