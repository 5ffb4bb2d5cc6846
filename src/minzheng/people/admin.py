from django.contrib import admin

from minzheng.core.admin_scope import ScopedAdmin

from .models import Household, Person
from .selectors import households_for, people_for, search_people


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    selector = people_for
    list_display = (
        "name",
        "id_masked",
        "sex",
        "birth_date",
        "hukou_region",
        "hukou_type",
        "death_date",
    )
    search_fields = ("name",)
    exclude = ("id_cipher", "id_hash")
    readonly_fields = ("id_masked", "name_pinyin")

    def get_search_results(self, request, queryset, search_term):
        # Same search as everywhere else: exact ID through the keyed hash, name, pinyin.
        if not search_term:
            return queryset, False
        return queryset & search_people(request.user, search_term), False


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    selector = households_for
    list_display = ("number", "region", "head", "address", "bank_account_masked")
    search_fields = ("number",)
    exclude = ("bank_account_cipher",)
