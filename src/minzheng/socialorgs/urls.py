from django.urls import path

from . import views

app_name = "socialorgs"
urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/", views.org_list, name="org_list"),
    path("organisations/<int:pk>/", views.org_detail, name="org_detail"),
    path("organisations/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("organisations/<int:pk>/articles/", views.articles, name="articles"),
    path("organisations/<int:pk>/<str:action>/", views.org_action, name="org_action"),
    path("apply/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:action>/", views.mine_action, name="mine_action"),
    path("signup/", views.signup, name="signup"),
    path("signup/activate/", views.signup_activate, name="signup_activate"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/<str:action>/", views.complaint_action, name="complaint_action"),
    path("public/", views.public_list, name="public_list"),
    path("public/<str:code>/", views.public_detail, name="public_detail"),
]
