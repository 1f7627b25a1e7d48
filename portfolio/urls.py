from django.urls import path  # noqa: F401

app_name = "portfolio"
P = "programs/<int:program_id>/"
urlpatterns: list = []
