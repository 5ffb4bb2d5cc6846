from django.urls import path

from . import views

app_name = "disaster"
urlpatterns = [
    path("", views.index, name="index"),
    path("events/<int:pk>/", views.event, name="event"),
    path("events/<int:pk>/households/", views.households, name="households"),
    path("events/<int:pk>/decisions/", views.decisions, name="decisions"),
    path("publicity/<int:pk>/", views.publicity, name="publicity"),
    path("public/<int:pk>/", views.public_publicity, name="public_publicity"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("drills/", views.drills, name="drills"),
    path("communities/", views.communities, name="communities"),
]
