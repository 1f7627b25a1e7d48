app_name = "evaluators"
urlpatterns: list = []
