app_name = "didactics"
urlpatterns: list = []
