"""Attach each module's router to the API."""

from minzheng.adoption.api import router as adoption_router
from minzheng.assistance.api import router as assistance_router
from minzheng.cases.api import router as cases_router
from minzheng.cases.medical_api import router as medical_router
from minzheng.charity.api import router as charity_router
from minzheng.children.api import router as children_router
from minzheng.community.api import router as community_router
from minzheng.complaints.api import router as complaints_router
from minzheng.depots.api import router as depots_router
from minzheng.disaster.api import router as disaster_router
from minzheng.eldercare.api import router as eldercare_router
from minzheng.funeral.api import router as funeral_router
from minzheng.linkage.api import router as linkage_router
from minzheng.marriage.api import router as marriage_router
from minzheng.military.api import router as military_router
from minzheng.notifications.api import router as notifications_router
from minzheng.payments.api import router as payments_router
from minzheng.placement.api import router as placement_router
from minzheng.placenames.api import router as placenames_router
from minzheng.projects.api import router as projects_router
from minzheng.publicity.api import router as publicity_router
from minzheng.satisfaction.api import router as satisfaction_router
from minzheng.socialorgs.api import router as socialorgs_router
from minzheng.socialwork.api import router as socialwork_router
from minzheng.specialcare.api import router as specialcare_router
from minzheng.specialcare.benefit_api import router as specialcare_benefits_router
from minzheng.targets.api import router as targets_router
from minzheng.units.api import router as units_router
from minzheng.vagrants.api import router as vagrants_router
from minzheng.verification.api import router as verification_router
from minzheng.volunteers.api import router as volunteers_router

from .main import api
from .v1_auth import router as auth_router
from .v1_jobs import router as jobs_router
from .v1_people import households_router, people_router
from .v1_regions import router as regions_router

api.add_router("/v1/auth", auth_router)
api.add_router("/v1/regions", regions_router)
api.add_router("/v1/people", people_router)
api.add_router("/v1/households", households_router)
api.add_router("/v1/jobs", jobs_router)
api.add_router("/v1/assistance", assistance_router)
api.add_router("/v1/assistance/cases", cases_router)
api.add_router("/v1/assistance/medical", medical_router)
api.add_router("/v1/assistance/payments", payments_router)
api.add_router("/v1/targets", targets_router)
api.add_router("/v1/verification", verification_router)
api.add_router("/v1/eldercare", eldercare_router)
api.add_router("/v1/linkage", linkage_router)
api.add_router("/v1/children", children_router)
api.add_router("/v1/specialcare/benefits", specialcare_benefits_router)
api.add_router("/v1/depots", depots_router)
api.add_router("/v1/disaster", disaster_router)
api.add_router("/v1/vagrants", vagrants_router)
api.add_router("/v1/military", military_router)
api.add_router("/v1/specialcare", specialcare_router)
api.add_router("/v1/placement", placement_router)
api.add_router("/v1/socialorgs", socialorgs_router)
api.add_router("/v1/volunteers", volunteers_router)
api.add_router("/v1/socialwork", socialwork_router)
api.add_router("/v1/community", community_router)
api.add_router("/v1/marriage", marriage_router)
api.add_router("/v1/adoption", adoption_router)
api.add_router("/v1/placenames", placenames_router)
api.add_router("/v1/funeral", funeral_router)
api.add_router("/v1/charity", charity_router)
api.add_router("/v1/notifications", notifications_router)
api.add_router("/v1/satisfaction", satisfaction_router)
api.add_router("/v1/complaints", complaints_router)
api.add_router("/v1/units", units_router)
api.add_router("/v1/projects", projects_router)
api.add_router("/v1/publicity", publicity_router)
