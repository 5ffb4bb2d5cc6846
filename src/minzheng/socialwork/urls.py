from django.urls import path

from . import views

app_name = "socialwork"
urlpatterns = [
    path("", views.index, name="index"),
    path("workers/", views.workers, name="workers"),
    path("workers/export/", views.workers_export, name="workers_export"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("calls/", views.calls, name="calls"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path(
        "calls/<int:pk>/applications/<int:application>/<str:action>/",
        views.call_action,
        name="call_action",
    ),
    path("mine/", views.mine, name="mine"),
    path("mine/calls/<int:pk>/apply/", views.apply, name="apply"),
]
