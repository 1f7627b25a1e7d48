from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("programs/<int:program_id>/people/", views.people, name="people"),
    path("programs/<int:program_id>/people/invite/", views.people_invite, name="people_invite"),
    path(
        "programs/<int:program_id>/people/<int:membership_id>/deactivate/",
        views.people_deactivate,
        name="people_deactivate",
    ),
    path(
        "programs/<int:program_id>/people/<int:membership_id>/reactivate/",
        views.people_reactivate,
        name="people_reactivate",
    ),
    path(
        "programs/<int:program_id>/people/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "programs/<int:program_id>/people/invitations/<int:invitation_id>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "programs/<int:program_id>/people/import/",
        views.roster_import_page,
        name="roster_import",
    ),
    path(
        "programs/<int:program_id>/people/import/template.csv",
        views.roster_import_template,
        name="roster_import_template",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
urlpatterns += [
    path("programs/<int:program_id>/security/", views.program_security, name="program_security"),
]
