from django.urls import path

from . import views

app_name = "publicity"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.submission_new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/attachment/", views.attachment, name="attachment"),
    path("quotas/", views.quotas, name="quotas"),
    path("quotas.xlsx", views.quotas_xlsx, name="quotas_xlsx"),
]
