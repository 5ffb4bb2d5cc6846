"""The roles an account can hold. Defined here because the scope rule (core.scope) turns on the
role; the accounts app stores it on the user and keeps the role groups."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    VILLAGE_WORKER = "village_worker", _("村（社区）工作人员")
    TOWNSHIP_CLERK = "township_clerk", _("乡镇（街道）受理员")
    COUNTY_APPROVER = "county_approver", _("县级审批员")
    VERIFICATION_CENTRE = "verification_centre", _("核对中心")
    CITY_SECTION = "city_section", _("市局业务科室")
    LEADER = "leader", _("领导（只读）")
    PROVIDER = "provider", _("服务机构")
    CHILD_PROTECTION = "child_protection", _("儿童保护专干")
    RELIEF_STATION = "relief_station", _("救助管理站")
    DEPOT_KEEPER = "depot_keeper", _("救灾物资保管员")
    REPORTER = "reporter", _("强制报告责任单位")
    EMPLOYER = "employer", _("安置接收单位")
    CADRE_CENTRE = "cadre_centre", _("军休服务管理机构")
    ORGANISATION = "organisation", _("社会组织")
    MARRIAGE_REGISTRAR = "marriage_registrar", _("婚姻收养登记员")
    FUNERAL_HOME = "funeral_home", _("殡葬服务机构")
    PLACENAME_OFFICER = "placename_officer", _("地名普查员")
    UNIT_STAFF = "unit_staff", _("局属单位工作人员")
    ADMIN = "admin", _("系统管理员")


def role_of(user) -> str:
    """The role a permission rule checks: "" for no one signed in, `admin` for a superuser."""
    if user is None or not user.is_authenticated:
        return ""
    return Role.ADMIN if user.is_superuser else user.role


def may_write(user) -> bool:
    """Not a read-only account (the leader reads); a superuser always writes."""
    return bool(user.can_write) or bool(user.is_superuser)
