from django.urls import path

from . import views

app_name = "disaster"
urlpatterns = [
    path("", views.index, name="index"),
]
