from django.urls import path

from . import views

app_name = "dashboard"
P = "programs/<int:program_id>/dashboard/"
urlpatterns = [
    path(P, views.cohort_dashboard, name="cohort_dashboard"),
    path(P + "<slug:panel>.csv", views.panel_export, name="panel_export"),
]
