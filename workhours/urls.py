from django.urls import path  # noqa: F401

app_name = "workhours"
P = "programs/<int:program_id>/"
urlpatterns: list = []
