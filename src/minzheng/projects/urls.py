from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.project_new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.report_progress, name="progress"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
