from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("assign/<int:target_pk>/", views.assign, name="assign"),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/edit/", views.edit, name="edit"),
    path("<slug:code>/staff/", views.staff, name="staff"),
    path("<slug:code>/report/", views.report_submit, name="report"),
    path("<slug:code>/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("<slug:code>/evidence/<int:pk>/", views.evidence_download, name="evidence"),
]
