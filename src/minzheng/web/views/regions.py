"""Region browser: breadcrumb up the tree, the units below with registry counts, and zones."""

from django.shortcuts import redirect, render

from minzheng.regions import selectors as regions

from ..selectors import registry_counts
from .base import staff_page


@staff_page
def region_index(request):
    user = request.user
    if user.region_id:
        return redirect("web:region_detail", code=user.region.code)
    top = list(regions.regions_for(user).filter(parent__isnull=True).order_by("code"))
    if len(top) == 1:
        return redirect("web:region_detail", code=top[0].code)
    return render(
        request, "web/region_detail.html", {"region": None, "rows": registry_counts(user, top)}
    )


@staff_page
def region_detail(request, code):
    user = request.user
    region = regions.get_region(user, code)
    visible = regions.regions_for(user)
    if region.is_zone:
        units = list(visible.filter(pk__in=region.members.values("pk")).order_by("code"))
    else:
        units = list(regions.children_of(user, region).prefetch_related("members"))
    counted = registry_counts(user, [region, *units])
    zones = list(region.zones.order_by("code"))
    visible_zone_ids = set(
        visible.filter(pk__in=[z.pk for z in zones]).values_list("pk", flat=True)
    )
    return render(
        request,
        "web/region_detail.html",
        {
            "region": region,
            "crumbs": regions.ancestors(region),
            "total": counted[0],
            "rows": counted[1:],
            "zones": [(z, z.pk in visible_zone_ids) for z in zones],
            "units_label_zone": region.is_zone,
        },
    )
