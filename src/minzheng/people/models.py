from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core import crypto


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class DisabilityType(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class KeyedHashField(models.CharField):
    """A keyed hash in hex, only ever compared for equality. On PostgreSQL the column uses the
    "C" collation: byte order is as good as any for equality, and an index over 2.9 million hashes
    builds several times faster than under a language collation (each comparison a `strcoll`)."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class Person(models.Model):
    """One resident. One resident ID is one person: the ID is stored encrypted, found by a keyed
    hash, and shown masked unless an authorised role reveals it (which is audited)."""

    # Unique through Meta.constraints rather than unique=True, which would add a second index
    # (`varchar_pattern_ops`, for LIKE) that a hash never needs.
    id_hash = KeyedHashField(max_length=64, editable=False)
    id_cipher = models.TextField(editable=False)
    id_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    # Searched by substring, which a btree cannot serve; an exact (name, birth date) lookup
    # narrows by the birth-date index to the people born that day (about 80 in a city of
    # 2.9 million) and compares their names.
    name = models.CharField(_("姓名"), max_length=64)
    # Full pinyin and initials of a name of up to 64 characters: at most 64 × 6 + 1 + 64 = 449.
    name_pinyin = models.CharField(_("姓名拼音"), max_length=512, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"), db_index=True)
    hukou_region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="registered_people",
        verbose_name=_("户籍地"),
    )
    hukou_type = models.CharField(_("户口性质"), max_length=8, choices=UrbanRural.choices)
    residence_region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_people",
        verbose_name=_("居住地"),
    )
    disability_type = models.CharField(
        _("残疾类别"), max_length=16, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), null=True, blank=True, choices=[(i, f"{i}") for i in range(1, 5)]
    )
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="unique_person_id_hash")]

    def __str__(self):
        return f"{self.name}（{self.id_masked}）"

    @property
    def audit_region_code(self) -> str:
        return self.hukou_region.code if self.hukou_region_id else ""

    @property
    def id_number(self) -> str:
        """Plaintext ID. Callers showing it to a person must go through people.services.reveal_*."""
        return crypto.decrypt(self.id_cipher)

    @property
    def is_alive(self) -> bool:
        return self.death_date is None


class Household(models.Model):
    """A household (家庭) of people living together, with the account assistance is paid to."""

    number = models.CharField(_("家庭编号"), max_length=32, unique=True)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("所在村（社区）"),
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)
    head = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="headed_households",
        verbose_name=_("户主"),
    )
    bank_name = models.CharField(_("开户银行"), max_length=64, blank=True)
    bank_account_cipher = models.TextField(blank=True, editable=False)
    bank_account_masked = models.CharField(_("银行账号"), max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳女婿")
    OTHER = "other", _("其他")


class HouseholdMember(models.Model):
    """Membership with dates, so the household's composition on any date can be read back."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("家庭")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("成员")
    )
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    since = models.DateField(_("加入日期"))
    until = models.DateField(_("离开日期"), null=True, blank=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(until__isnull=True),
                name="one_current_household_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.household_id}:{self.person_id}:{self.relation}"

    @property
    def audit_region_code(self) -> str:
        return self.household.region.code


class PossibleDuplicate(models.Model):
    """Two records with the same name and birth date but different IDs, for a clerk to review."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        DISTINCT = "distinct", _("确认为不同人")
        SAME = "same", _("确认为同一人")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("疑似重复登记")
        verbose_name_plural = _("疑似重复登记")
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="unique_duplicate_pair")
        ]
