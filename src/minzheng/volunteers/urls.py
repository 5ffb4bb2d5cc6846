from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("mine/leave/", views.leave, name="leave"),
    path("mine/certificate.pdf", views.certificate, name="certificate"),
    path("verify/", views.verify_certificate, name="verify"),
    path("<int:pk>/", views.volunteer_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.volunteer_action, name="action"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/join/", views.team_join, name="team_join"),
    path("teams/<int:pk>/members/<int:member_id>/", views.team_member, name="team_member"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/signup/", views.activity_signup, name="signup"),
    path("activities/<int:pk>/hours/", views.activity_hours, name="hours"),
]
