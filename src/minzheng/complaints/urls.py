from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_new, name="new"),
    path("mine/", views.my_complaints, name="mine"),
    path("stats/", views.statistics, name="stats"),
    path("stats.xlsx", views.statistics_xlsx, name="stats_xlsx"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/reply-letter.pdf", views.reply_letter, name="reply_letter"),
    path("<int:pk>/<str:action>/", views.complaint_action, name="action"),
]
