from django.urls import path  # noqa: F401

app_name = "program_evaluation"
P = "programs/<int:program_id>/"
urlpatterns: list = []
