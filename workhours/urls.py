from django.urls import path

from . import exports, program_views, views

app_name = "workhours"
P = "programs/<int:program_id>/"
W = P + "work-hours/"
urlpatterns = [
    # The fellow's log (views.py).
    path(W, views.my_week, name="my_week"),
    path(W + "shifts/add/", views.shift_add, name="shift_add"),
    path(W + "shifts/<int:shift_id>/", views.shift_edit, name="shift_edit"),
    path(W + "shifts/<int:shift_id>/delete/", views.shift_delete, name="shift_delete"),
    path(W + "week/copy/", views.week_copy, name="week_copy"),
    path(W + "week/template/", views.week_template_apply, name="week_template_apply"),
    path(W + "explanations/", views.explanation_save, name="explanation_save"),
    path(W + "template/", views.template_edit, name="template"),
    path(W + "fellows/<int:membership_id>/", views.fellow_week, name="fellow_week"),
    # The program's pages for the director and coordinators (program_views.py, exports.py).
    path(W + "program/", program_views.program_compliance, name="program_compliance"),
    path(W + "import/", program_views.shift_import_page, name="shift_import"),
    path(W + "import/template/", program_views.shift_import_template, name="shift_import_template"),
    path(W + "export/shifts/", exports.shifts_export, name="shifts_export"),
    path(W + "export/findings/", exports.findings_export, name="findings_export"),
]
