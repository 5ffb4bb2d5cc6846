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
    path("<int:pk>/act/<str:action>/", views.case_action, name="action"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
]
