from django.urls import path

from . import views

app_name = "eldercare"
urlpatterns = [
    path("", views.index, name="index"),
    path("elderly/", views.elderly_list, name="elderly_list"),
    path("elderly/<int:pk>/", views.elderly_detail, name="elderly_detail"),
    path("elderly/<int:pk>/profile/", views.elderly_profile, name="elderly_profile"),
    path("elderly/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path(
        "elderly/<int:pk>/contacts/<int:contact_pk>/delete/",
        views.contact_remove,
        name="contact_remove",
    ),
    path("elderly/<int:pk>/assess/", views.assess, name="assess"),
    path("allowance/", views.allowance_list, name="allowance_list"),
    path("allowance/confirm/", views.allowance_confirm, name="allowance_confirm"),
    path("allowance/<int:pk>/reject/", views.allowance_reject, name="allowance_reject"),
    path("book/", views.book, name="book"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/act/<str:action>/", views.booking_action, name="booking_action"),
    path("board/", views.board, name="board"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements/build/", views.settlement_build, name="settlement_build"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/approve/", views.settlement_approve, name="settlement_approve"),
    path("settlements/<int:pk>/export.csv", views.settlement_export, name="settlement_export"),
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("providers/<int:pk>/items/", views.provider_add_item, name="provider_add_item"),
    path("providers/<int:pk>/workers/", views.provider_add_worker, name="provider_add_worker"),
]
