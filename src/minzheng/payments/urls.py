from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("", views.entitlement_list, name="entitlement_list"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.entitlement_detail, name="entitlement_detail"),
    path("<int:pk>/act/<str:action>/", views.entitlement_action, name="entitlement_action"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/confirm/", views.review_confirm, name="review_confirm"),
    path("payrolls/", views.payroll_list, name="payroll_list"),
    path("payrolls/new/", views.payroll_create, name="payroll_create"),
    path("payrolls/deaths/", views.scan_deaths, name="scan_deaths"),
    path("payrolls/<int:pk>/", views.payroll_detail, name="payroll_detail"),
    path("payrolls/<int:pk>/progress/", views.payroll_progress, name="payroll_progress"),
    path("payrolls/<int:pk>/act/<str:action>/", views.payroll_action, name="payroll_action"),
    path("payrolls/<int:pk>/export.<str:fmt>", views.payroll_export, name="payroll_export"),
    path("oneoff/", views.oneoff_payables, name="oneoff_payables"),
    path("oneoff/payables/<int:pk>/", views.oneoff_payable, name="oneoff_payable"),
    path("oneoff/payables/<int:pk>/handover/", views.oneoff_handover, name="oneoff_handover"),
    path(
        "oneoff/payables/<int:pk>/handover/evidence/",
        views.oneoff_handover_evidence,
        name="oneoff_handover_evidence",
    ),
    path("oneoff/batches/new/", views.oneoff_batch_create, name="oneoff_batch_create"),
    path("oneoff/batches/<int:pk>/", views.oneoff_batch, name="oneoff_batch"),
    path(
        "oneoff/batches/<int:pk>/progress/",
        views.oneoff_batch_progress,
        name="oneoff_batch_progress",
    ),
    path(
        "oneoff/batches/<int:pk>/act/<str:action>/",
        views.oneoff_batch_action,
        name="oneoff_batch_action",
    ),
    path(
        "oneoff/batches/<int:pk>/export.<str:fmt>",
        views.oneoff_batch_export,
        name="oneoff_batch_export",
    ),
    path("recovery/", views.recovery_list, name="recovery_list"),
    path("recovery/<int:pk>/", views.recovery_detail, name="recovery_detail"),
    path("recovery/<int:pk>/act/<str:action>/", views.recovery_action, name="recovery_action"),
    path("simulator/", views.simulator, name="simulator"),
    path("simulator/apply/", views.simulator_apply, name="simulator_apply"),
]
