from django.urls import path

from . import ccc_views, committee_views, views

app_name = "assessments"
P = "programs/<int:program_id>/"
A = P + "assessments/<int:assessment_id>/"
CP = P + "ccc/periods/<int:period_id>/"
CR = P + "ccc/reviews/<int:review_id>/"
urlpatterns = [
    path(P + "assessment-forms/", views.template_list_view, name="template_list"),
    path(P + "assessment-forms/new/", views.template_create_view, name="template_create"),
    path(
        P + "assessment-forms/<int:template_id>/edit/",
        views.template_update_view,
        name="template_update",
    ),
    path(P + "assessment-forms/timing/", views.evaluation_timing_view, name="evaluation_timing"),
    path(P + "assessments/", views.assessment_list_view, name="assessment_list"),
    path(P + "assessments/request/", views.request_view, name="assessment_request"),
    path(A, views.assessment_detail, name="assessment_detail"),
    path(A + "fill/", views.assessment_fill, name="assessment_fill"),
    path(A + "acknowledge/", views.assessment_acknowledge_view, name="assessment_acknowledge"),
    path(A + "amend/", views.assessment_amend_view, name="assessment_amend"),
    path(A + "return/", views.assessment_return_view, name="assessment_return"),
    path(A + "decline/", views.assessment_decline_view, name="assessment_decline"),
    path(P + "milestones/progress/", views.my_milestones_view, name="my_milestones"),
    path(
        P + "fellows/<int:membership_id>/milestones/",
        views.fellow_milestones_view,
        name="fellow_milestones",
    ),
    # CCC reviews and the final summative evaluation
    path(P + "ccc/periods/", ccc_views.ccc_period_list, name="ccc_period_list"),
    path(P + "ccc/committee/", committee_views.ccc_committee, name="ccc_committee"),
    path(CP + "meetings/new/", committee_views.ccc_meeting_create, name="ccc_meeting_create"),
    path(CP, ccc_views.ccc_period_detail, name="ccc_period_detail"),
    path(CP + "edit/", ccc_views.ccc_period_edit, name="ccc_period_edit"),
    path(CP + "assemble/", ccc_views.ccc_assemble, name="ccc_assemble"),
    path(CP + "export.csv", ccc_views.ccc_export, name="ccc_export"),
    path(CR, ccc_views.ccc_packet, name="ccc_packet"),
    path(CR + "finalise/", ccc_views.ccc_finalise, name="ccc_finalise"),
    path(
        P + "fellows/<int:membership_id>/summative/",
        ccc_views.summative_detail,
        name="summative_detail",
    ),
]
