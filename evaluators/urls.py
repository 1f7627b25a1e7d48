from django.urls import path

from . import views

app_name = "evaluators"
P = "programs/<int:program_id>/"
R = P + "external-evaluations/<int:request_id>/"
urlpatterns = [
    path(P + "external-evaluations/", views.request_list, name="request_list"),
    path(P + "external-evaluations/new/", views.request_create, name="request_create"),
    path(R + "link/", views.request_link, name="request_link"),
    path(R + "revoke/", views.request_revoke, name="request_revoke"),
    path(P + "multi-source/", views.my_evidence, name="my_evidence"),
    path(
        P + "fellows/<int:membership_id>/multi-source/",
        views.fellow_evidence,
        name="fellow_evidence",
    ),
    path("evaluate/thanks/", views.evaluate_thanks, name="evaluate_thanks"),
    path("evaluate/<str:token>/", views.evaluate, name="evaluate"),
]
