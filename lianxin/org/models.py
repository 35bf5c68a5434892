"""The organisation: areas, units, the category tree, the dispatch catalogue, people and roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


AREA_LEVEL_ORDER = [AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID]


class Area(models.Model):
    """An administrative area. `path` holds the codes from the root, e.g. `D01/S01/C03/G12`."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=12, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=200, db_index=True, editable=False)
    boundary = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)
    # The boundary's bounding box, kept by `lianxin.org.locating` for a cheap prefilter by point.
    bbox_min_lon = models.FloatField(null=True, blank=True, editable=False)
    bbox_min_lat = models.FloatField(null=True, blank=True, editable=False)
    bbox_max_lon = models.FloatField(null=True, blank=True, editable=False)
    bbox_max_lat = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [
            # locating by point filters on the bounding box only; this index covers that filter, so
            # the wide rows (their boundaries) are read only for the few candidates
            models.Index(
                fields=["bbox_min_lon", "bbox_max_lon", "bbox_min_lat", "bbox_max_lat", "level"],
                name="org_area_bbox",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # `path` is derived data kept for fast subtree queries.
        self.path = f"{self.parent.path}/{self.code}" if self.parent_id and self.parent else self.code
        super().save(*args, **kwargs)

    def ancestor_codes(self) -> list[str]:
        return self.path.split("/")

    def full_name(self) -> str:
        names = list(
            Area.objects.filter(code__in=self.ancestor_codes())
            .order_by("path")
            .values_list("name", flat=True)
        )
        return " / ".join(names)


class AddressParity(models.TextChoices):
    ALL = "all", _("全部门牌")
    ODD = "odd", _("单号")
    EVEN = "even", _("双号")


class AddressSource(models.TextChoices):
    IMPORT = "import", _("社区导入")
    CORRECTION = "correction", _("派单员更正")


class AddressEntry(models.Model):
    """One line of the address gazetteer (地址库): a road's number range or a named estate → its grid.

    A range entry has `road` and `number_from`..`number_to` (with a parity); an estate entry has
    `estate`. Both keys are stored normalised (`lianxin.org.gazetteer.normalise`)."""

    grid = models.ForeignKey(Area, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="addresses")
    road = models.CharField(_("道路"), max_length=60, blank=True, db_index=True)
    number_from = models.PositiveIntegerField(_("起始门牌号"), null=True, blank=True)
    number_to = models.PositiveIntegerField(_("终止门牌号"), null=True, blank=True)
    parity = models.CharField(
        _("单双号"), max_length=4, choices=AddressParity.choices, default=AddressParity.ALL
    )
    estate = models.CharField(_("小区名"), max_length=60, blank=True, db_index=True)
    source = models.CharField(
        _("来源"), max_length=12, choices=AddressSource.choices, default=AddressSource.IMPORT
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("地址库条目")
        verbose_name_plural = _("地址库")
        ordering = ["road", "number_from", "estate"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(estate="")
                    & ~models.Q(road="")
                    & models.Q(number_from__isnull=False)
                    & models.Q(number_to__gte=models.F("number_from"))
                )
                | (~models.Q(estate="") & models.Q(road="")),
                name="address_entry_range_or_estate",
            ),
        ]

    def __str__(self) -> str:
        if self.estate:
            return f"{self.estate} → {self.grid}"
        return f"{self.road} {self.number_from}–{self.number_to} ({self.parity}) → {self.grid}"


class Category(models.Model):
    """A node of the three-level category tree."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"), default=1)
    path = models.CharField(max_length=200, db_index=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.parent_id and self.parent:
            self.path = f"{self.parent.path}/{self.code}"
            self.level = self.parent.level + 1
        else:
            self.path = self.code
            self.level = 1
        super().save(*args, **kwargs)

    def ancestor_codes(self) -> list[str]:
        return self.path.split("/")

    def top_level_code(self) -> str:
        return self.path.split("/")[0]


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("职能部门")
    STREET_OFFICE = "street_office", _("街道办事处")
    COMMUNITY = "community", _("社区居委会")
    UTILITY = "utility", _("公共服务企业")
    HOTLINE = "hotline", _("热线中心")


class Unit(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    area = models.ForeignKey(Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="units")
    email = models.EmailField(_("通知邮箱"), blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DispatchRule(models.Model):
    """One line of the dispatch catalogue (派单目录): category × area → responsible unit.

    A rule on a category covers its subcategories, and a rule on an area covers the areas inside it;
    the most specific matching rule wins.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="dispatch_rules")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="dispatch_rules")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="dispatch_rules")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("派单目录条目")
        verbose_name_plural = _("派单目录")
        constraints = [
            models.UniqueConstraint(fields=["category", "area", "unit"], name="uniq_dispatch_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.category} × {self.area} → {self.unit}"


class User(AbstractUser):
    """Staff and residents alike; what a user may do comes from their role assignments."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    OPERATOR = "operator", _("接线员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLER = "handler", _("承办人")
    GRID_WORKER = "grid_worker", _("网格员")
    SUPERVISOR = "supervisor", _("督查员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


class RoleAssignment(models.Model):
    """A role held by a user, scoped to a unit (handlers) or an area (grid workers, supervisors, leaders)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="staff_roles"
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="staff_roles"
    )

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit", "area"], name="uniq_role_assignment"),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.area or "—"
        return f"{self.user} · {self.get_role_display()} · {scope}"


class ApiScope(models.TextChoices):
    """What a token may do, within its user's roles (a token never does more than its user)."""

    READ = "read", _("读取（GET）")
    WRITE = "write", _("办理与提交（POST 等）")
    OPEN311 = "open311", _("Open311 提交")
    CONTACT = "contact", _("查看群众联系方式")


def all_api_scopes() -> list[str]:
    return [scope.value for scope in ApiScope]


class ApiToken(models.Model):
    """A bearer token for staff scripts and integrations (also the Open311 api_key)."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True, help_text=_("留空表示长期有效。"))
    revoked = models.BooleanField(default=False)
    scopes = models.JSONField(
        _("权限范围"),
        default=all_api_scopes,
        blank=True,
        help_text=_("只授予对接系统需要的权限：read、write、open311、contact。"),
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
