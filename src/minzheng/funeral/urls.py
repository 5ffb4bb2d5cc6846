from django.urls import path

from . import views

app_name = "funeral"
urlpatterns = [
    path("", views.index, name="index"),
    path("cremations/", views.cremation_list, name="cremation_list"),
    path("cremations/new/", views.cremation_new, name="cremation_new"),
    path("cremations/<int:pk>/", views.cremation_detail, name="cremation_detail"),
    path("cremations/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("burials/", views.burial_list, name="burial_list"),
    path("burials/new/", views.burial_new, name="burial_new"),
    path("cemeteries/", views.cemetery_list, name="cemetery_list"),
    path("cemeteries/new/", views.cemetery_new, name="cemetery_new"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_new, name="provider_new"),
    path("providers/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("providers/<int:pk>/active/", views.provider_active, name="provider_active"),
    path("providers/<int:pk>/accounts/", views.provider_accounts, name="provider_accounts"),
    path(
        "providers/<int:pk>/accounts/<int:staff_pk>/unbind/",
        views.provider_unbind,
        name="provider_unbind",
    ),
    path("areas/", views.areas, name="areas"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="claim_decide"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/decide/", views.grant_decide, name="grant_decide"),
    path("export/", views.export, name="export"),
]
