from django.urls import path

from . import views

app_name = "linkage"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_file, name="import"),
]
