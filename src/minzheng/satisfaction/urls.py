from django.urls import path

from . import views

app_name = "satisfaction"
urlpatterns = [
    path("", views.rates, name="rates"),
    path("export.xlsx", views.export, name="export"),
    path("calls/", views.calls, name="calls"),
    path("<int:pk>/", views.answer, name="answer"),
]
