from django.urls import include, path

from . import views

app_name = "targets"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("report.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("unit/", views.unit_page, name="unit"),
    path("refresh/", views.refresh_now, name="refresh"),
    path("t/<int:pk>/", views.target_detail, name="target_detail"),
    path("t/<int:pk>/allocate/", views.target_allocate, name="target_allocate"),
    path("t/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("t/<int:target_pk>/supervise/", views.case_open, name="case_open"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/copy/", views.plan_copy, name="plan_copy"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_submit, name="report_submit"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("supervision/", views.case_list, name="case_list"),
    path("supervision/<int:pk>/", views.case_detail, name="case_detail"),
    path("digest/", include("minzheng.targets.digest_views")),
]
