"""Supervision and assessment: KPI rollups, assessment schemes, warnings, supervision orders, follow-ups.

The rollup tables hold additive counters at two grains: coarse (day | month) × unit × street ×
top-level category, and fine month × unit × area × category (plus a cadre table per month × unit ×
user); two daily tables without the unit for day ranges of communities, grids and
subcategories: day × area × top-level category, day × street × category; and day × street alone
(no unit, no category) for day ranges and daily series of the district and streets. Dimensions
are stored as plain integers, 0 meaning "none", so that the composite key can be upserted on
every backend (NULLs are distinct in unique keys).
Rates and averages are computed at query time from the counters; see docs/kpis.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Appeal
from lianxin.org.models import Area, Category, Unit

from .indicators import indicator, indicators
from .warning_kinds import RuleKind, warning_message

# The additive counters, in the order of docs/kpis.md. Seconds are summed so averages can be
# computed for any slice; overdue days are summed working days.
COUNTERS: tuple[str, ...] = (
    "received",
    "assigned",
    "accepted",
    "accepted_on_time",
    "accept_seconds",
    "accept_overdue",
    "returned",
    "extended",
    "overdue",
    "replied",
    "replied_on_time",
    "overdue_days",
    "rated",
    "satisfied",
    "basic",
    "dissatisfied",
    "solved_known",
    "solved",
    "closed",
    "close_seconds",
    "reopened",
    "merged",
    "withdrawn",
    "responded",
    "responded_on_time",
    "response_excused",
    "returned_justified",
    "returned_unjustified",
    "auto_closed",
    "chased",
)


class _Counters(models.Model):
    received = models.IntegerField(default=0)
    assigned = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accepted_on_time = models.IntegerField(default=0)
    accept_seconds = models.BigIntegerField(default=0)
    accept_overdue = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    replied_on_time = models.IntegerField(default=0)
    overdue_days = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    solved_known = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    close_seconds = models.BigIntegerField(default=0)
    reopened = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    responded_on_time = models.IntegerField(default=0)
    response_excused = models.IntegerField(default=0)
    returned_justified = models.IntegerField(default=0)
    returned_unjustified = models.IntegerField(default=0)
    auto_closed = models.IntegerField(default=0)
    chased = models.IntegerField(default=0)  # 催办/补充 recorded while the unit held the appeal

    class Meta:
        abstract = True


class KpiStreetDaily(_Counters):
    """Counters per local (Asia/Shanghai) day × unit × street × top-level category.

    The coarse grain that trends, day ranges, unit and street figures and the warnings read.
    `street_id` is the appeal area's street (or the area itself when it is above street level);
    `top_category_id` the top of its category tree. 0 means none."""

    day = models.DateField()
    unit_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)
    top_category_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit_id", "street_id", "top_category_id"], name="kpi_street_daily_key"
            )
        ]
        indexes = [models.Index(fields=["unit_id", "day"], name="kpi_street_daily_unit_day")]

    def __str__(self) -> str:
        return f"{self.day} u{self.unit_id} s{self.street_id} c{self.top_category_id}"


class KpiStreetTotalDaily(_Counters):
    """Counters per local day × street, without the unit and the category: the sums of
    `KpiStreetDaily` over units and top-level categories. Day ranges and daily series of the
    district or of streets (no unit or category restriction, grouped at most by day and street)
    read this: at most streets + 1 rows a day instead of units × streets × top categories."""

    day = models.DateField()
    street_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "street_id"], name="kpi_street_total_daily_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} s{self.street_id}"


class KpiStreetMonthly(_Counters):
    """The same coarse grain per month: district, street and unit figures and rankings read this."""

    month = models.DateField()
    unit_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)
    top_category_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit_id", "street_id", "top_category_id"], name="kpi_street_monthly_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} u{self.unit_id} s{self.street_id} c{self.top_category_id}"


class KpiMonthly(_Counters):
    """The fine grain per month × unit × area (grid) × category (leaf): communities, grids, the map,
    subcategories and "one theme a month" read this. `street_id` and `top_category_id` are carried
    along (not part of the key) so that the fine table can be grouped by them in SQL."""

    month = models.DateField()
    unit_id = models.IntegerField(default=0)
    area_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)
    top_category_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit_id", "area_id", "category_id"], name="kpi_monthly_key"
            )
        ]
        indexes = [models.Index(fields=["unit_id", "month"], name="kpi_monthly_unit_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} u{self.unit_id} a{self.area_id} c{self.category_id}"


class KpiAreaDaily(_Counters):
    """Counters per local day × area (the appeal's area, normally a grid) × top-level category,
    without the unit: community and grid figures for day ranges and daily series. `street_id`
    is carried along (not part of the key). At most areas × top categories rows a day."""

    day = models.DateField()
    area_id = models.IntegerField(default=0)
    top_category_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "area_id", "top_category_id"], name="kpi_area_daily_key")
        ]
        indexes = [models.Index(fields=["area_id", "day"], name="kpi_area_daily_area_day")]

    def __str__(self) -> str:
        return f"{self.day} a{self.area_id} c{self.top_category_id}"


class KpiCategoryDaily(_Counters):
    """Counters per local day × street × category (leaf), without the unit: subcategory figures
    for day ranges and daily series. `top_category_id` is carried along (not part of the key).
    At most streets × leaf categories rows a day."""

    day = models.DateField()
    street_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    top_category_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "street_id", "category_id"], name="kpi_category_daily_key")
        ]
        indexes = [models.Index(fields=["category_id", "day"], name="kpi_category_daily_cat_day")]

    def __str__(self) -> str:
        return f"{self.day} s{self.street_id} c{self.category_id}"


class KpiAreaMonthly(_Counters):
    """Counters per month × area (normally a grid) × top-level category, without the unit: the
    monthly sums of `KpiAreaDaily`, so that community and grid figures, the grid map and area
    breakdowns read at most areas × top categories rows a month."""

    month = models.DateField()
    area_id = models.IntegerField(default=0)
    top_category_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "area_id", "top_category_id"], name="kpi_area_monthly_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} a{self.area_id} c{self.top_category_id}"


class KpiCategoryMonthly(_Counters):
    """Counters per month × street × category (leaf), without the unit: the monthly sums of
    `KpiCategoryDaily` (subcategory figures, 每月一题 candidates)."""

    month = models.DateField()
    street_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    top_category_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "street_id", "category_id"], name="kpi_category_monthly_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} s{self.street_id} c{self.category_id}"


class KpiCadreMonthly(_Counters):
    """Counters per month × unit × cadre (the handler who accepted or replied)."""

    month = models.DateField()
    unit_id = models.IntegerField(default=0)
    user_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "unit_id", "user_id"], name="kpi_cadre_monthly_key")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} u{self.unit_id} user{self.user_id}"


@dataclass(frozen=True)
class KpiTable:
    """One rollup table: its model, the fields of its key (its unique constraint) and the
    fields stored beside the key (coarser dimensions of a fine key, for filtering)."""

    model: type[_Counters]
    key_fields: tuple[str, ...]
    extra_fields: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.key_fields + self.extra_fields


# Every KPI rollup table, by the name the fold accumulates it under (`rollups._Acc`): the one list
# the fold, the rebuild and the tests read. A new table: its model above and one line here.
KPI_TABLES: dict[str, KpiTable] = {
    "street_daily": KpiTable(KpiStreetDaily, ("day", "unit_id", "street_id", "top_category_id")),
    "street_monthly": KpiTable(KpiStreetMonthly, ("month", "unit_id", "street_id", "top_category_id")),
    "street_total_daily": KpiTable(KpiStreetTotalDaily, ("day", "street_id")),
    "monthly": KpiTable(
        KpiMonthly, ("month", "unit_id", "area_id", "category_id"), ("street_id", "top_category_id")
    ),
    "cadre": KpiTable(KpiCadreMonthly, ("month", "unit_id", "user_id")),
    "area_daily": KpiTable(KpiAreaDaily, ("day", "area_id", "top_category_id"), ("street_id",)),
    "category_daily": KpiTable(KpiCategoryDaily, ("day", "street_id", "category_id"), ("top_category_id",)),
    "area_monthly": KpiTable(KpiAreaMonthly, ("month", "area_id", "top_category_id"), ("street_id",)),
    "category_monthly": KpiTable(
        KpiCategoryMonthly, ("month", "street_id", "category_id"), ("top_category_id",)
    ),
}


class Watermark(models.Model):
    """The last AppealEvent id a batch job has folded in."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_id}"


class AssessmentScheme(models.Model):
    """How a unit's (or street's) monthly score is made: weighted rates minus deductions.

    The active scheme with the latest `valid_from` not after the month applies.
    """

    name = models.CharField(_("名称"), max_length=100)
    valid_from = models.DateField(_("生效月份"))
    active = models.BooleanField(_("启用"), default=True)
    weight_response = models.DecimalField(_("响应率权重"), max_digits=5, decimal_places=2, default=30)
    weight_resolution = models.DecimalField(_("解决率权重"), max_digits=5, decimal_places=2, default=35)
    weight_satisfaction = models.DecimalField(_("满意率权重"), max_digits=5, decimal_places=2, default=35)
    deduction_per_overdue = models.DecimalField(
        _("每件超期扣分"), max_digits=5, decimal_places=2, default=0.5
    )
    deduction_per_false_closure = models.DecimalField(
        _("每件虚假办结扣分"), max_digits=5, decimal_places=2, default=2
    )
    deduction_per_unjustified_return = models.DecimalField(
        _("每件不成立退单扣分"), max_digits=5, decimal_places=2, default=1
    )
    follow_up_sample_percent = models.DecimalField(
        _("回访抽样比例（%）"), max_digits=5, decimal_places=2, default=10
    )

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from:%Y-%m})"


class SchemeIndicatorWeight(models.Model):
    """A registered indicator (supervision/indicators.py: outreach contact, consultations, activities,
    mediation) weighed into a scheme's street score beside the three rates. Only shares (0..1,
    higher is better) can be weighed; they are figures of areas, so they count in the streets'
    ranking, not the units'."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="indicator_weights")
    indicator_code = models.CharField(_("指标"), max_length=64)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("考核指标权重")
        verbose_name_plural = _("考核指标权重")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator_code"], name="uniq_scheme_indicator"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="scheme_indicator_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} × {self.weight}"

    def clean(self) -> None:
        found = indicator(self.indicator_code)
        if found is None or found.kind != "share":
            shares = ", ".join(i.code for i in indicators() if i.kind == "share")
            raise ValidationError(
                {"indicator_code": _("只能加权已登记的比率类指标：%(codes)s。") % {"codes": shares}}
            )


class WarningRule(models.Model):
    """A configurable warning (预警) rule. `threshold` means, by kind: hours before the deadline
    (due soon), reopen count (reopened), satisfaction % (satisfaction low), overdue count (overdue
    high), growth ratio against the baseline (surge), overdue households per cadre (cadre visits
    overdue: raised when a cadre has more than this many)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=RuleKind.choices)
    threshold = models.DecimalField(_("阈值"), max_digits=8, decimal_places=2, default=0)
    window_days = models.PositiveSmallIntegerField(_("统计窗口（天）"), default=30)
    min_count = models.PositiveIntegerField(_("最少件数"), default=5)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")

    def __str__(self) -> str:
        return self.name


class WarningStatus(models.TextChoices):
    OPEN = "open", _("预警中")
    CLEARED = "cleared", _("已解除")


class RaisedWarning(models.Model):
    """One raised warning: a rule × subject. At most one open warning per rule and subject."""

    rule = models.ForeignKey(WarningRule, on_delete=models.CASCADE, related_name="warnings")
    subject_key = models.CharField(max_length=80)
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(_("内容"), max_length=300)
    value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=models.Q(status="open"),
                name="one_open_warning_per_subject",
            )
        ]

    def __str__(self) -> str:
        return warning_message(self)  # the message in the reader's language


class OrderStatus(models.TextChoices):
    OPEN = "open", _("督办中")
    ESCALATED = "escalated", _("已升级")
    RESPONDED = "responded", _("已反馈")
    CLOSED = "closed", _("已办结")


class SupervisionOrder(models.Model):
    """A supervision order (督办单) addressed to a unit, with a working-day deadline."""

    number = models.CharField(_("督办单号"), max_length=20, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    instructions = models.TextField(_("督办要求"), max_length=2000)
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    warning = models.ForeignKey(
        RaisedWarning, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    due_working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    due_at = models.DateTimeField(_("反馈时限"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    response_text = models.TextField(_("反馈内容"), blank=True, max_length=2000)
    responded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class OrderEventType(models.TextChoices):
    CREATED = "created", _("发起督办")
    RESPONDED = "responded", _("单位反馈")
    ESCALATED = "escalated", _("逾期升级")
    CLOSED = "closed", _("督办办结")


class OrderEvent(models.Model):
    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=12, choices=OrderEventType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.type}"


class FollowUpReason(models.TextChoices):
    SAMPLED = "sampled", _("随机抽样")
    DISSATISFIED = "dissatisfied", _("不满意件")


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("无法联系")


class FollowUp(models.Model):
    """A follow-up call (回访) on a closed appeal. One per appeal: never sampled twice."""

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="follow_up")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=12, choices=FollowUpReason.choices)
    status = models.CharField(max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING)
    sampled_at = models.DateTimeField()
    closed_event_id = models.BigIntegerField(default=0)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    really_solved = models.BooleanField(_("问题是否真正解决"), null=True, blank=True)
    satisfied = models.BooleanField(_("是否满意"), null=True, blank=True)
    pressured = models.BooleanField(_("是否被要求给好评"), null=True, blank=True)
    note = models.CharField(_("回访记录"), max_length=1000, blank=True)
    false_closure = models.BooleanField(_("虚假办结"), default=False)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["status", "-sampled_at"]
        indexes = [models.Index(fields=["false_closure", "done_at"], name="followup_false_closure")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.status}"
