from django.urls import path

from . import views

app_name = "boards"
P = "programs/<int:program_id>/"
PR = P + "ccc/periods/<int:period_id>/aba-reports/"
R = P + "aba-reports/<int:report_id>/"
urlpatterns = [
    path(PR, views.report_list, name="report_list"),
    path(PR + "draft/", views.reports_draft, name="reports_draft"),
    path(PR + "export.csv", views.report_export, name="report_export"),
    path(PR + "print/", views.report_print, name="report_print"),
    path(R, views.report_detail, name="report_detail"),
    path(R + "sign/", views.report_sign, name="report_sign"),
]
