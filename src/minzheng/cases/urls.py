from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("mine/", views.my_cases, name="mine"),
    path("apply/", views.apply, name="apply"),
    path("publicity.pdf", views.publicity_pdf, name="publicity_pdf"),
    path("approved.pdf", views.approved_pdf, name="approved_pdf"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/bills/", views.add_bill, name="add_bill"),
    path("medical/settlements/", views.settlements, name="settlements"),
    path("medical/settlements/template.csv", views.settlement_template, name="settlement_template"),
    path("medical/ledger/<int:person_pk>/", views.medical_ledger, name="medical_ledger"),
    path("<int:pk>/act/<str:action>/", views.case_action, name="action"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
]
