from django.urls import path

from . import parameter_views, views

app_name = "verification"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/start/", views.start_run, name="start_run"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("cases/<int:case_id>/", views.case_report, name="case_report"),
    path("cases/<int:case_id>/report.pdf", views.case_report_pdf, name="case_report_pdf"),
    path("cases/<int:case_id>/conclude/", views.conclude, name="conclude"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/status/", views.finding_status, name="finding_status"),
    path("parameters/", parameter_views.parameters, name="parameters"),
    path("parameters/set/", parameter_views.set_parameter, name="set_parameter"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/import/", views.batch_import, name="batch_import"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/errors.csv", views.batch_errors, name="batch_errors"),
    path("exchange/", views.exchange_page, name="exchange"),
    path("exchange/adapters/<str:source>/", views.adapter_save, name="adapter_save"),
    path("exchange/tokens/", views.token_issue, name="token_issue"),
    path("exchange/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("requests/<int:pk>/file.xlsx", views.request_file, name="request_file"),
    path("requests/<int:pk>/send/", views.request_send, name="request_send"),
    path("requests/<int:pk>/reply/", views.request_reply, name="request_reply"),
    path("requests/<int:pk>/no-reply/", views.request_no_reply, name="request_no_reply"),
]
