from django.contrib import admin
from django.urls import include, path

from minzheng.api.main import api
from minzheng.web.errors import page_not_found, server_error
from minzheng.web.health import healthz

# With DEBUG off Django answers unknown URLs and crashes with these: JSON under /api/, pages elsewhere.
handler404 = page_not_found
handler500 = server_error

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/", include("minzheng.cases.urls")),
    path("payments/", include("minzheng.payments.urls")),
    path("targets/", include("minzheng.targets.urls")),
    path("verification/", include("minzheng.verification.urls")),
    path("eldercare/", include("minzheng.eldercare.urls")),
    path("linkage/", include("minzheng.linkage.urls")),
    path("children/", include("minzheng.children.urls")),
    path("military/", include("minzheng.military.urls")),
    path("depots/", include("minzheng.depots.urls")),
    path("disaster/", include("minzheng.disaster.urls")),
    path("vagrants/", include("minzheng.vagrants.urls")),
    path("specialcare/benefits/", include("minzheng.specialcare.benefit_urls")),
    path("specialcare/", include("minzheng.specialcare.urls")),
    path("placement/", include("minzheng.placement.urls")),
    path("socialorgs/", include("minzheng.socialorgs.urls")),
    path("volunteers/", include("minzheng.volunteers.urls")),
    path("socialwork/", include("minzheng.socialwork.urls")),
    path("community/", include("minzheng.community.urls")),
    path("marriage/", include("minzheng.marriage.urls")),
    path("adoption/", include("minzheng.adoption.urls")),
    path("placenames/", include("minzheng.placenames.urls")),
    path("funeral/", include("minzheng.funeral.urls")),
    path("charity/", include("minzheng.charity.urls")),
    path("notifications/", include("minzheng.notifications.urls")),
    path("satisfaction/", include("minzheng.satisfaction.urls")),
    path("complaints/", include("minzheng.complaints.urls")),
    path("units/", include("minzheng.units.urls")),
    path("projects/", include("minzheng.projects.urls")),
    path("publicity/", include("minzheng.publicity.urls")),
    path("", include("minzheng.web.urls")),
]
