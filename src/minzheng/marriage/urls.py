from django.urls import path

from . import views

app_name = "marriage"
urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
    path("<int:pk>/archive/<int:archive_pk>/", views.archive_file, name="archive_file"),
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("divorces/<int:pk>/", views.divorce, name="divorce"),
    path("divorces/<int:pk>/<str:action>/", views.divorce_act, name="divorce_act"),
    path("statistics/", views.statistics, name="statistics"),
    path("book/", views.book, name="book"),
    path("book/<int:pk>/cancel/", views.cancel, name="cancel"),
]
