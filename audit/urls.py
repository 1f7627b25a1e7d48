from django.urls import path

from . import views

app_name = "audit"
P = "programs/<int:program_id>/"
urlpatterns = [
    path(P + "audit/", views.audit_event_list_view, name="event_list"),
    path(P + "audit/export/", views.audit_event_export, name="event_export"),
]
