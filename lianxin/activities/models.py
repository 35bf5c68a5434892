"""Community life: activities and sign-ups, the volunteer hours ledger, social organizations, small wishes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField
from lianxin.org.models import Area

TITLE_MAX = 100
TEXT_MAX = 2000
NOTE_MAX = 500
MAX_CAPACITY = 10_000


class OrgKind(models.TextChoices):
    SOCIAL_ORG = "social_org", _("社会组织")
    PROVIDER = "provider", _("服务机构")
    VOLUNTEER_TEAM = "volunteer_team", _("志愿服务队")


class Organization(models.Model):
    """A social organization, service provider or volunteer team (社会组织)."""

    name = models.CharField(_("名称"), max_length=TITLE_MAX, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices)
    registration_number = models.CharField(_("登记证号 / 统一社会信用代码"), max_length=40, blank=True)
    areas = models.ManyToManyField(Area, verbose_name=_("服务区域"), related_name="+", blank=True)
    categories = models.JSONField(_("服务类别"), default=list, blank=True)
    description = models.TextField(_("简介"), max_length=TEXT_MAX, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations"
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    manager = models.BooleanField(_("负责人"), default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="uniq_org_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class VolunteerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer")
    skills = models.JSONField(_("技能"), default=list, blank=True)
    areas = models.ManyToManyField(Area, verbose_name=_("服务区域"), related_name="+", blank=True)
    availability = models.CharField(_("可服务时间"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")

    def __str__(self) -> str:
        return str(self.user)


class ActivityKind(models.TextChoices):
    FORUM = "forum", _("座谈会")
    VISIT = "visit", _("走访慰问")
    VOLUNTEER = "volunteer", _("志愿服务")
    CULTURE = "culture", _("文体活动")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    CANCELLED = "cancelled", _("已取消")
    FINISHED = "finished", _("已结束")


class Activity(models.Model):
    kind = models.CharField(_("类型"), max_length=12, choices=ActivityKind.choices)
    title = models.CharField(_("标题"), max_length=TITLE_MAX)
    description = models.TextField(_("内容"), max_length=TEXT_MAX, blank=True)
    place = models.CharField(_("地点"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("面向区域"), on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        on_delete=models.PROTECT,
        related_name="organised_activities",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("合办组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    # shown as a QR code on the organiser's phone; residents who scan it check themselves in
    checkin_code = models.CharField(max_length=32, unique=True)
    # 走访慰问: who was visited and what was given (visible to organisers only)
    visit_notes = models.TextField(_("走访记录"), max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


class Signup(models.Model):
    """A place (or a place on the waiting list) at an activity: by account, or by a phone verified with
    a one-time code (core/phoneverify.py) for a resident without one — then `name` is what the roster
    shows, notices go by SMS and `token` is the link that shows and cancels the sign-up."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="signups"
    )
    phone = EncryptedTextField(max_length=20, blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(_("姓名"), max_length=50, blank=True, default="")
    token = models.CharField(max_length=40, unique=True, null=True, blank=True, default=None, editable=False)
    status = models.CharField(max_length=12, choices=SignupStatus.choices)
    created_at = models.DateTimeField(db_index=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="uniq_signup"),
            models.UniqueConstraint(
                fields=["activity", "phone_hash"],
                condition=~models.Q(phone_hash=""),
                name="uniq_signup_phone",
            ),
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(phone_hash=""))
                | (models.Q(user__isnull=True) & ~models.Q(phone_hash="")),
                name="signup_account_or_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.name} → {self.activity}"

    @property
    def by_phone(self) -> bool:
        return self.user_id is None


class HoursStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")


class HoursEntry(models.Model):
    """One line of the volunteer hours ledger: a person's service at one activity."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_hours"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="hours")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="hours"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=HoursStatus.choices, default=HoursStatus.PENDING)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    verification_code = models.CharField(max_length=16, unique=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "activity"], name="uniq_hours_per_activity")]

    def __str__(self) -> str:
        return f"{self.user} · {self.activity} · {self.minutes}min"


class WishStatus(models.TextChoices):
    REVIEW = "review", _("待审核")
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    DELIVERED = "delivered", _("已送达")
    CLOSED = "closed", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class Wish(models.Model):
    """A small wish (微心愿): a need of a resident, matched to a volunteer or an organization."""

    title = models.CharField(_("心愿"), max_length=TITLE_MAX)
    public_text = models.CharField(_("公开描述"), max_length=300)
    detail = models.TextField(_("详细情况（不公开）"), max_length=TEXT_MAX, blank=True)
    category = models.CharField(_("类别"), max_length=40, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="wishes"
    )
    beneficiary_name = models.CharField(_("心愿人"), max_length=50, blank=True)
    beneficiary_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=WishStatus.choices, default=WishStatus.OPEN, db_index=True
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_wishes",
    )
    claimed_for = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="wishes"
    )
    created_at = models.DateTimeField(db_index=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    thanks = models.CharField(_("感谢语"), max_length=NOTE_MAX, blank=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class EventType(models.TextChoices):
    ACTIVITY_CREATED = "activity_created", _("创建活动")
    ACTIVITY_PUBLISHED = "activity_published", _("发布活动")
    ACTIVITY_CANCELLED = "activity_cancelled", _("取消活动")
    ACTIVITY_FINISHED = "activity_finished", _("活动结束")
    SIGNED_UP = "signed_up", _("报名")
    WAITLISTED = "waitlisted", _("候补")
    PROMOTED = "promoted", _("候补转正")
    SIGNUP_CANCELLED = "signup_cancelled", _("取消报名")
    CHECKED_IN = "checked_in", _("签到")
    CHECKED_OUT = "checked_out", _("签退")
    REMINDED = "reminded", _("活动提醒")
    HOURS_CONFIRMED = "hours_confirmed", _("确认时长")
    HOURS_REJECTED = "hours_rejected", _("不予确认时长")
    WISH_RAISED = "wish_raised", _("提交心愿")
    WISH_OPENED = "wish_opened", _("发布心愿")
    WISH_CLAIMED = "wish_claimed", _("认领心愿")
    WISH_RELEASED = "wish_released", _("放弃认领")
    WISH_DELIVERED = "wish_delivered", _("送达心愿")
    WISH_CLOSED = "wish_closed", _("确认完成")
    WISH_CANCELLED = "wish_cancelled", _("撤销心愿")
    WISH_ESCALATED = "wish_escalated", _("逾期未认领")
    ORG_REGISTERED = "org_registered", _("登记组织")
    ORG_MEMBER_ADDED = "org_member_added", _("添加成员")
    ORG_PROJECT_ADDED = "org_project_added", _("登记服务项目")


class Event(models.Model):
    """One step in the life of an activity, a sign-up or a wish: the timeline and the figures read these."""

    type = models.CharField(max_length=24, choices=EventType.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    wish = models.ForeignKey(Wish, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["type", "at"], name="activities_event_type_at")]

    def __str__(self) -> str:
        return f"{self.type} @ {self.at:%Y-%m-%d %H:%M}"


class ActivityPhoto(models.Model):
    """A photo of an activity, shown on its public page (organisers upload them)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="activities/%Y/%m/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.activity_id}"


class Project(models.Model):
    """A project a social organization runs (服务项目), shown on its public page."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("项目名称"), max_length=TITLE_MAX)
    description = models.TextField(_("项目内容"), max_length=TEXT_MAX, blank=True)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="project_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title
