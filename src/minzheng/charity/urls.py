from django.urls import path

from . import views

app_name = "charity"
urlpatterns = [
    path("", views.index, name="index"),
    path("donations/new/", views.donation_new, name="donation_new"),
    path("donations/<int:pk>/", views.donation_detail, name="donation_detail"),
    path("donations/<int:pk>/receipt/", views.donation_receipt, name="donation_receipt"),
    path("receipts/<int:pk>/", views.receipt_download, name="receipt"),
    path("receipts/<int:pk>/void/", views.receipt_void, name="receipt_void"),
    path("uses/new/", views.use_new, name="use_new"),
    path("uses/publish/", views.publish, name="publish"),
    path("medical/", views.medical, name="medical"),
    path("checks/", views.checks, name="checks"),
    path("drives/", views.drives, name="drives"),
    path("drives/start/", views.drive_start, name="drive_start"),
    path("public/", views.public, name="public"),
    path("recognise/", views.recognise, name="recognise"),
]
