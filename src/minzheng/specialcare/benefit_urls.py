from django.urls import path

from . import benefit_views as views

app_name = "specialcare_benefits"
urlpatterns = [
    path("", views.index, name="index"),
    path("confirm-all/", views.confirm_all, name="confirm_all"),
    path("conscript/issue/", views.issue_conscript, name="issue_conscript"),
    path("grants/new/", views.create_grant, name="create_grant"),
    path("recipients/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("recipients/<int:pk>/guarantee/", views.record_guarantee, name="record_guarantee"),
]
