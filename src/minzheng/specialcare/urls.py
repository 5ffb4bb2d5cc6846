from django.urls import path

from . import views

app_name = "specialcare"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.record_new, name="record_new"),
    path("<int:pk>/", views.record_detail, name="record_detail"),
    path("<int:pk>/changes/", views.change_new, name="change_new"),
    path("<int:pk>/id-check/", views.id_check, name="id_check"),
    path("<int:pk>/documents/", views.document_new, name="document_new"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("changes/", views.changes, name="changes"),
    path("changes/<int:pk>/<str:action>/", views.change_decide, name="change_decide"),
    path("quality/", views.quality_page, name="quality"),
]
