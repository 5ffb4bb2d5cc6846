from django.urls import path

from . import views

app_name = "depots"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/receive/", views.receive, name="receive"),
    path("<int:pk>/issue/", views.issue, name="issue"),
    path("<int:pk>/transfer/", views.transfer, name="transfer"),
    path("<int:pk>/count/", views.count, name="count"),
    path("pending/", views.pending, name="pending"),
    path("confirm/<str:what>/<int:pk>/", views.confirm, name="confirm"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("expiry/", views.expiry, name="expiry"),
    path("export/", views.export, name="export"),
]
