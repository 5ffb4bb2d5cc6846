from django.urls import path

from . import views

app_name = "placenames"
urlpatterns = [
    path("", views.index, name="index"),
    path("records/", views.record_list, name="list"),
    path("records/new/", views.new, name="new"),
    path("records/<int:pk>/", views.detail, name="detail"),
    path("records/<int:pk>/edit/", views.edit, name="edit"),
    path("records/<int:pk>/<str:action>/", views.action, name="action"),
    path("pinyin/", views.pinyin_check, name="pinyin"),
    path("queue/", views.queue, name="queue"),
    path("import/", views.import_file, name="import"),
    path("import/<uuid:job_id>/", views.import_status, name="import_status"),
    path("export/<str:fmt>/", views.export, name="export"),
    path("map/", views.map_view, name="map"),
    path("inspections/", views.inspections, name="inspections"),
    path("selfchecks/", views.selfchecks, name="selfchecks"),
]
