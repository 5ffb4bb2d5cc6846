from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.me, name="me"),
    path("me/redeem/<str:code>/", views.me_redeem, name="me_redeem"),
    path("confirmations/", views.confirmations, name="confirmations"),
    path("village/<str:code>/", views.village, name="village"),
    path("village/<str:code>/board/", views.board, name="board"),
    path("village/<str:code>/shop/", views.shop, name="shop"),
    path("rules/<int:pk>/<str:action>/", views.rule_action, name="rule_action"),
    path("awards/<int:pk>/", views.award_detail, name="award_detail"),
    path("awards/<int:pk>/photo/", views.award_photo, name="award_photo"),
    path("redemptions/<int:pk>/<str:action>/", views.redemption_action, name="redemption_action"),
    path("registers/", views.registers, name="registers"),
    path(
        "registers/<str:kind>/<int:pk>/<str:action>/", views.register_action, name="register_action"
    ),
]
