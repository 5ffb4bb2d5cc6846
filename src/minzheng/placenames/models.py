"""The place-name census database (docs/DOMAIN.md §13, docs/PLACENAMES.md): records of the
eleven classes with their review stages, the steps of each record's review, the annual joint
inspections of administrative boundaries and the counties' self-checks."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minzheng.regions.models import Region


class PlaceClass(models.TextChoices):
    """The census's eleven classes (two-digit codes: 1x natural, 2x human geography)."""

    WATER = "11", _("水系")
    LANDFORM = "12", _("陆地地形")
    ADMIN_AREA = "21", _("行政区域")
    NON_ADMIN_AREA = "22", _("非行政区域")
    SELF_GOVERNING = "23", _("群众自治组织")
    SETTLEMENT = "24", _("居民点")
    TRANSPORT = "25", _("交通运输设施")
    UTILITY = "26", _("水利、电力、通信设施")
    MEMORIAL = "27", _("纪念地、旅游胜地和名胜古迹")
    BUILDING = "28", _("建筑物")
    UNIT = "29", _("单位")


class SubClass(models.TextChoices):
    """Sub-classes (four digits: the class's two and a running pair)."""

    RIVER = "1101", _("河流")
    LAKE = "1102", _("湖泊")
    SPRING = "1103", _("泉、溪")
    MOUNTAIN = "1201", _("山、山峰")
    HILL = "1202", _("岭、岗、冲")
    COUNTY = "2101", _("县级行政区")
    TOWNSHIP = "2102", _("乡级行政区（乡、镇、街道）")
    DEV_ZONE = "2201", _("开发区、管理区、工业园区")
    FARM = "2202", _("农林牧渔区（农场、林场）")
    COMMUNITY = "2301", _("社区居民委员会")
    VILLAGE_COMMITTEE = "2302", _("村民委员会")
    URBAN_SETTLEMENT = "2401", _("城镇居民点（小区）")
    RURAL_SETTLEMENT = "2402", _("农村居民点（自然村）")
    ROAD = "2501", _("道路、街巷")
    BRIDGE = "2502", _("桥梁")
    STATION = "2503", _("车站、码头")
    RESERVOIR = "2601", _("水库")
    SLUICE = "2602", _("闸、泵站、渠道")
    POWER = "2603", _("电站、变电站、通信设施")
    PARK = "2701", _("公园、风景区")
    RELIC = "2702", _("名胜古迹、遗址")
    BUILDING = "2801", _("楼宇、广场")
    SCHOOL = "2901", _("学校")
    HOSPITAL = "2902", _("医疗卫生机构")


# The class a sub-class belongs to is its first two digits.
SUBCLASSES_OF: dict[str, list[tuple[str, str]]] = {}
for _value, _label in SubClass.choices:
    SUBCLASSES_OF.setdefault(_value[:2], []).append((_value, _label))


class Status(models.TextChoices):
    ENTERED = "entered", _("已录入")
    CHECKED = "checked", _("已校核")
    APPROVED = "approved", _("已审定")
    PUBLISHED = "published", _("已发布")
    RETURNED = "returned", _("退回修改")


# Records that count as collected and entered into the database (target 8.2).
IN_DATABASE = (Status.APPROVED, Status.PUBLISHED)

# Jingmen's bounding box (CGCS2000 degrees), with a margin: a record's coordinates lie inside.
LON_RANGE = (Decimal("111.80"), Decimal("113.50"))
LAT_RANGE = (Decimal("30.30"), Decimal("31.70"))

# Approximate extents of the counties (lon/lat rectangles), drawn as a guide on the map; not
# surveyed boundaries.
COUNTY_EXTENTS = {
    "420802": (111.85, 30.95, 112.35, 31.35),
    "420804": (112.05, 30.80, 112.35, 30.95),
    "420822": (112.20, 30.40, 112.75, 30.80),
    "420881": (112.35, 30.95, 112.95, 31.60),
    "420882": (112.80, 30.80, 113.45, 31.35),
    "420821": (112.80, 30.80, 113.45, 31.35),  # 京山 under its 2016 code
}


class PlaceName(models.Model):
    code = models.CharField(_("地名代码"), max_length=32, blank=True, default="")
    region = models.ForeignKey(
        Region, verbose_name=_("所在行政区"), on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        Region, verbose_name=_("县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    standard_name = models.CharField(_("标准名称"), max_length=100)
    aliases = models.CharField(_("别名"), max_length=200, blank=True, default="")
    short_name = models.CharField(_("简称"), max_length=50, blank=True, default="")
    romanised = models.CharField(_("罗马字母拼写"), max_length=200, blank=True, default="")
    suggested = models.CharField(_("建议拼写"), max_length=200, blank=True, default="")
    spelling_ok = models.BooleanField(_("拼写符合规则"), default=True)
    pronunciation = models.CharField(_("读音"), max_length=200, blank=True, default="")
    place_class = models.CharField(_("类别"), max_length=2, choices=PlaceClass.choices)
    subclass = models.CharField(_("小类"), max_length=4, choices=SubClass.choices)
    meaning = models.TextField(_("含义"), blank=True, default="")
    history = models.TextField(_("历史沿革"), blank=True, default="")
    description = models.TextField(_("地理实体描述"), blank=True, default="")
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    registrar = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registrar_name = models.CharField(_("登记人"), max_length=64, blank=True, default="")
    registered_on = models.DateField(_("登记日期"))
    status = models.CharField(
        _("审核状态"), max_length=16, choices=Status.choices, default=Status.ENTERED
    )
    returns = models.PositiveIntegerField(_("退回次数"), default=0)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True, default="")
    approved_on = models.DateField(_("审定日期"), null=True, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    # Where the record came from: "" for entry on the page or the API, "import:<job>" for a file.
    source = models.CharField(_("来源"), max_length=64, blank=True, default="")
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("地名")
        verbose_name_plural = _("地名")
        ordering = ("county__code", "place_class", "standard_name")
        constraints = [
            models.UniqueConstraint(
                fields=("region", "place_class", "standard_name"), name="placename_natural_key"
            )
        ]
        indexes = [
            models.Index(fields=("county", "status"), name="placename_county_status"),
            models.Index(fields=("status", "approved_on"), name="placename_status_approved"),
        ]

    def __str__(self):
        return self.standard_name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


ACTION_LABELS = {
    "enter": _("录入"),
    "edit": _("修改"),
    "check": _("校核"),
    "approve": _("审定"),
    "publish": _("发布"),
    "return": _("退回修改"),
    "resubmit": _("改正后重新提交"),
    "import": _("批量导入"),
}


class ReviewStep(models.Model):
    """One step of a record's review (entered, checked, returned, approved, published, edited)."""

    placename = models.ForeignKey(PlaceName, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=16)
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=64, blank=True, default="")
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("意见"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ("at", "id")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, "")


class Conclusion(models.TextChoices):
    PASSED = "passed", _("合格")
    RECTIFY = "rectify", _("需整改")


class BoundaryInspection(models.Model):
    """The annual joint inspection of the administrative boundary between two neighbours."""

    boundary_name = models.CharField(_("界线名称"), max_length=100)
    region_a = models.ForeignKey(
        Region, verbose_name=_("毗邻行政区（一）"), on_delete=models.PROTECT, related_name="+"
    )
    region_b = models.ForeignKey(
        Region, verbose_name=_("毗邻行政区（二）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("年度"))
    inspected_on = models.DateField(_("联检日期"))
    participants = models.TextField(_("参加单位和人员"))
    markers_checked = models.PositiveIntegerField(_("检查界桩数"), default=0)
    markers_damaged = models.PositiveIntegerField(_("损坏或缺失界桩数"), default=0)
    problems = models.TextField(_("发现的问题"), blank=True, default="")
    conclusion = models.CharField(_("结论"), max_length=16, choices=Conclusion.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("界线联检记录")
        ordering = ("-year", "boundary_name")
        constraints = [
            models.UniqueConstraint(
                fields=("region_a", "region_b", "year"), name="boundary_inspection_once_a_year"
            )
        ]

    def __str__(self):
        return f"{self.boundary_name} {self.year}"

    @property
    def audit_region_code(self) -> str:
        return self.region_a.code


class SelfCheck(models.Model):
    """A county's self-check of its census data (自查迎检), one per county and year."""

    county = models.ForeignKey(
        Region, verbose_name=_("县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("年度"))
    checked_on = models.DateField(_("自查日期"))
    records_checked = models.PositiveIntegerField(_("抽查地名条数"), default=0)
    records_faulty = models.PositiveIntegerField(_("有误条数"), default=0)
    problems = models.TextField(_("发现的问题"), blank=True, default="")
    conclusion = models.CharField(_("结论"), max_length=16, choices=Conclusion.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("县级自查记录")
        ordering = ("-year", "county__code")
        constraints = [
            models.UniqueConstraint(fields=("county", "year"), name="selfcheck_once_a_year")
        ]

    def __str__(self):
        return f"{self.county.name} {self.year}"

    @property
    def audit_region_code(self) -> str:
        return self.county.code
