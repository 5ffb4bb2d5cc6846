from django.urls import path

from . import views

app_name = "placement"
urlpatterns = [
    path("", views.index, name="index"),
    path("years/<int:pk>/", views.year_detail, name="year"),
    path("years/<int:pk>/veterans/new/", views.veteran_new, name="veteran_new"),
    path("years/<int:pk>/session/", views.session, name="session"),
    path("years/<int:pk>/board/", views.board, name="board"),
    path("years/<int:pk>/courses/", views.courses, name="courses"),
    path("years/<int:pk>/<str:action>/", views.year_action, name="year_action"),
    path("veterans/<int:pk>/", views.veteran_detail, name="veteran"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("posts/", views.my_posts, name="my_posts"),
    path("mine/", views.mine, name="mine"),
]
