from django.urls import path  # noqa: F401  (invitation and roster routes arrive with the roster work)

app_name = "accounts"
urlpatterns: list = []
