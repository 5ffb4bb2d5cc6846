from django.urls import path

from .views import (
    auth,
    households,
    imports,
    jobs,
    people,
    regions,
    register,
    resident_accounts,
    workbench,
)

app_name = "web"
urlpatterns = [
    path("", workbench.workbench, name="workbench"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("register/", register.register, name="register"),
    path("register/activate/", register.activate, name="activate"),
    path("regions/", regions.region_index, name="region_index"),
    path("regions/<str:code>/", regions.region_detail, name="region_detail"),
    path("people/", people.person_list, name="person_list"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/import/", imports.import_people, name="person_import"),
    path("people/import/template.xlsx", imports.import_template, name="person_import_template"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal-id/", people.person_reveal_id, name="person_reveal_id"),
    path(
        "people/<int:pk>/activation-code/",
        resident_accounts.activation_code,
        name="resident_activation_code",
    ),
    path(
        "people/<int:pk>/account-reset/",
        resident_accounts.reset_account,
        name="resident_account_reset",
    ),
    path("households/", households.household_list, name="household_list"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/members/add/", households.member_add, name="member_add"),
    path(
        "households/<int:pk>/members/<int:member_pk>/end/", households.member_end, name="member_end"
    ),
    path(
        "households/<int:pk>/bank-account/", households.bank_account_edit, name="bank_account_edit"
    ),
    path(
        "households/<int:pk>/reveal-bank-account/",
        households.household_reveal_bank,
        name="household_reveal_bank",
    ),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/status/", jobs.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/rerun/", jobs.job_rerun, name="job_rerun"),
]
