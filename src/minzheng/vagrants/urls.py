from django.urls import path

from . import views

app_name = "vagrants"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.intake, name="intake"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
