app_name = "depots"
urlpatterns = []
