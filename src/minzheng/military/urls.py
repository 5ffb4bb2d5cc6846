from django.urls import path

from . import views

app_name = "military"
urlpatterns = [
    path("", views.index, name="index"),
    path("support/", views.support, name="support"),
    path("support/<int:pk>/review/", views.support_review, name="support_review"),
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/<int:pk>/<str:action>/", views.cadre_action, name="cadre_action"),
    path("appeals/", views.appeal_list, name="appeal_list"),
    path("appeals/new/", views.appeal_new, name="appeal_new"),
    path("appeals/mine/", views.my_appeals, name="my_appeals"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/<str:action>/", views.appeal_action, name="appeal_action"),
]
