from django.urls import path

from . import views

app_name = "curriculum"
urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<int:program_id>/", views.program_overview, name="program_overview"),
]
