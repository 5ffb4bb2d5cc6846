from django.urls import path

from . import views

app_name = "children"
urlpatterns = [
    path("", views.index, name="index"),
    path("register/new/", views.record_new, name="record_new"),
    path("register/<int:pk>/", views.record_detail, name="record_detail"),
    path("register/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("register/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
    path("register/<int:pk>/allowance/", views.record_allowance, name="record_allowance"),
    path("report/", views.report, name="report"),
    path("reports/mine/", views.my_reports, name="my_reports"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/<str:action>/", views.case_action, name="case_action"),
]
