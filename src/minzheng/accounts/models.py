import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from minzheng.core.roles import Role

STAFF_ROLES = {
    Role.VILLAGE_WORKER,
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.VERIFICATION_CENTRE,
    Role.CITY_SECTION,
    Role.LEADER,
    Role.ADMIN,
}
# The specialists (child protection, relief station, relief depots, the military retired cadres'
# centre) and the placement employers are not staff of the general registers: they work in their
# own module's pages, whose permissions name them, and neither edit the population registry nor
# see assistance cases, payments or elderly care.
# Roles whose work needs full ID numbers and bank accounts (acceptance, approval, payment,
# verification, civil registration). They still see masked values by default; revealing one is audited.
UNMASK_ROLES = {
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.VERIFICATION_CENTRE,
    Role.ADMIN,
    Role.CHILD_PROTECTION,
    Role.RELIEF_STATION,
    Role.MARRIAGE_REGISTRAR,
}
READ_ONLY_ROLES = {Role.LEADER}


def actor_name(user, *, nobody: str = "") -> str:
    """The name recorded beside what an account did (events, decisions): its display name, else
    its username; `nobody` when there is no account (a command or the system)."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()


class PlatformUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`minzheng createsuperuser` makes the platform's system administrator: role admin over
        all regions (Django's default role, resident, would see nothing), audited like any account."""
        from minzheng.core import audit

        extra_fields.setdefault("role", Role.ADMIN)
        if extra_fields["role"] != Role.ADMIN or extra_fields.get("region") is not None:
            raise ValueError(
                "A superuser is a system administrator over all regions: role admin, no region."
            )
        user = super().create_superuser(username, email, password, **extra_fields)
        audit.record_created(user)
        return user


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("管辖区域"),
        help_text=_("工作人员只能查看和修改本区域及下级区域的数据"),
    )
    person = models.OneToOneField(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
        verbose_name=_("居民本人"),
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("所在单位"),
        help_text=_("局机关科室或局属单位的工作人员：本单位的目标、报送和考核"),
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    is_demo = models.BooleanField(_("演示账号"), default=False)

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def can_unmask(self) -> bool:
        return self.role in UNMASK_ROLES

    @property
    def can_write(self) -> bool:
        return self.role not in READ_ONLY_ROLES


class ApiToken(models.Model):
    """Bearer tokens for the JSON API; only a hash of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class PendingRegistration(models.Model):
    """A resident's sign-up waiting for its second factor. No account exists until the code
    checks out, so a stranger who knows an ID number and a name holds nothing, and several
    sign-ups for one person can wait side by side without one locking out the other."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="pending_registrations"
    )
    phone = models.CharField(_("手机号"), max_length=20, db_index=True)
    password = models.CharField(max_length=128)  # already hashed, as on User
    code_hash = models.CharField(max_length=64, blank=True)  # the SMS code; "" when none was sent
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待验证的居民注册")
        verbose_name_plural = _("待验证的居民注册")


class ActivationCode(models.Model):
    """A code printed at the township window after staff checked the resident's ID card."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="activation_codes"
    )
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("窗口开通码")
        verbose_name_plural = _("窗口开通码")
