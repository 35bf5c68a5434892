"""Appeals (诉求), their timeline of events, attachments, co-handlers, extensions and deadlines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField
from lianxin.org.models import Area, Category, Unit

TEXT_MAX_LENGTH = 4000
TITLE_MAX_LENGTH = 100


class Kind(models.TextChoices):
    INQUIRY = "inquiry", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    WEB = "web", _("网站")
    HOTLINE = "hotline", _("热线")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")
    VISIT = "visit", _("走访")
    IMPORT = "import", _("导入")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    EMERGENCY = "emergency", _("特急")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    RETURNED = "returned", _("已退单")
    ACCEPTED = "accepted", _("已签收")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并案")
    WITHDRAWN = "withdrawn", _("已撤回")


STATUS_LABELS = dict(Status.choices)  # lazy labels: str() gives the reader's language

URGENCY_PRIORITY = {"emergency": 0, "urgent": 1, "normal": 2}

OPEN_STATUSES = (Status.SUBMITTED, Status.DISPATCHED, Status.RETURNED, Status.ACCEPTED, Status.REPLIED)
FINAL_STATUSES = (Status.CLOSED, Status.MERGED, Status.WITHDRAWN)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class ReplyResult(models.TextChoices):
    """What the unit says its reply achieved (办理结果), recorded with the reply."""

    RESOLVED = "resolved", _("解决")
    PARTLY = "partly", _("部分解决")
    UNRESOLVED = "unresolved", _("未解决")
    EXPLAINED = "explained", _("解释说明")


class Appeal(models.Model):
    tracking_number = models.CharField(_("受理编号"), max_length=20, unique=True)
    # the source system's id of an imported historical appeal (`lianxin appeals import`): never twice
    external_id = models.CharField(_("原系统编号"), max_length=100, blank=True, editable=False)
    title = models.CharField(_("标题"), max_length=TITLE_MAX_LENGTH)
    text = models.TextField(_("诉求内容"), max_length=TEXT_MAX_LENGTH)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    address = EncryptedTextField(_("地址"), max_length=200, blank=True)  # often a home: encrypted at rest
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    # Encrypted at rest (core/crypto.py); "who has this phone" goes through the keyed hash beside it.
    contact_name = EncryptedTextField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), max_length=20, blank=True)
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # An anonymous resident's number for the call-back only: sealed (never shown, no lookup hash),
    # used by the call-back flow through the telephony hook (core/dialer.py).
    callback_sealed = EncryptedTextField(max_length=20, blank=True, editable=False)
    contact_consent = models.BooleanField(_("同意联系"), default=False)
    access_code_hash = models.CharField(max_length=64, blank=True, editable=False)

    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    urgency_triggers = models.JSONField(default=list, blank=True)
    # Queue order: 0 emergency, 1 urgent, 2 normal (kept beside `urgency` so queues can use an index).
    priority = models.PositiveSmallIntegerField(default=2)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    suggested_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggested_appeals"
    )
    suggested_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggested_appeals"
    )
    suggestion = models.JSONField(default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_appeals"
    )

    submitted_at = models.DateTimeField(_("受理时间"), db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    accept_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True, db_index=True)
    due_soon = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False, db_index=True)
    accept_overdue = models.BooleanField(default=False)

    reply_text = models.TextField(_("答复内容"), max_length=TEXT_MAX_LENGTH, blank=True)
    reply_result = models.CharField(_("办理结果"), max_length=12, choices=ReplyResult.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    solved = models.BooleanField(_("是否解决"), null=True, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    chase_count = models.PositiveIntegerField(default=0)  # 催办/补充 events, for lists (actions/chase.py)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["unit", "status", "submitted_at"], name="appeal_unit_queue"),
            models.Index(fields=["status", "submitted_at"], name="appeal_status_time"),
            models.Index(fields=["status", "priority", "submitted_at"], name="appeal_status_priority"),
            models.Index(fields=["area", "submitted_at"], name="appeal_area_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~models.Q(external_id=""), name="appeal_external_id_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        """The status in the reader's language. Replaces Django's generated method, which hashes
        every (lazy) choice label on each call: ≈ 0.1 ms a row on a 50-row queue page."""
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventType(models.TextChoices):
    SUBMITTED = "submitted", _("受理")
    TRIAGED = "triaged", _("智能分析")
    DISPATCHED = "dispatched", _("派单")
    REDISPATCHED = "redispatched", _("改派")
    ACCEPTED = "accepted", _("签收")
    RETURNED = "returned", _("退单")
    CO_HANDLER_ADDED = "co_handler_added", _("增加协办单位")
    CO_HANDLER_REPLIED = "co_handler_replied", _("协办答复")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("同意延期")
    EXTENSION_REFUSED = "extension_refused", _("驳回延期")
    REPLIED = "replied", _("答复")
    ANSWERED_DIRECTLY = "answered_directly", _("直接办结")
    RATED = "rated", _("评价")
    CLOSED = "closed", _("办结")
    REOPENED = "reopened", _("重办")
    MERGED = "merged", _("并案")
    WITHDRAWN = "withdrawn", _("撤回")
    RECLASSIFIED = "reclassified", _("改分类")
    DUE_SOON = "due_soon", _("即将超期")
    OVERDUE = "overdue", _("已超期")
    ACCEPT_OVERDUE = "accept_overdue", _("签收超时")
    # Reply review (答复审核): the unit's reply waits for the centre or the unit's leader
    REPLY_SUBMITTED = "reply_submitted", _("答复提交审核")
    REPLY_APPROVED = "reply_approved", _("答复审核通过")
    REPLY_REJECTED = "reply_rejected", _("答复审核退回")
    RESIDENT_CONTACTED = "resident_contacted", _("联系群众")
    RETURN_JUDGED = "return_judged", _("退单审核")
    CALLBACK_QUEUED = "callback_queued", _("待回访")
    CALLBACK_ATTEMPTED = "callback_attempted", _("回访")
    CHASED = "chased", _("催办/补充")  # data["kind"]: "chase" (催办) or "supplement" (补充)
    # A supervisor's follow-up check (回访抽查) that reached the resident: data["follow_up"],
    # data["really_solved"], data["satisfied"]; it supersedes the closing rating in the rates
    FOLLOW_UP_CHECKED = "follow_up_checked", _("回访抽查")
    # A grid worker's work on the spot (现场记录): data["kind"] is check (现场核查), photo (现场照片),
    # note (备注) or report_back (回告); the photos are `AttachmentSource.FIELD` attachments
    FIELD_RECORDED = "field_recorded", _("现场记录")


class AppealEvent(models.Model):
    """One step on an appeal's timeline: who did what, when, from which status to which."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=24, choices=EventType.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("诉求事件")
        verbose_name_plural = _("诉求事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["type", "at"], name="appeal_event_type_time")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.type} {self.at:%Y-%m-%d %H:%M}"


class AttachmentSource(models.TextChoices):
    APPEAL = "appeal", _("诉求附件")
    REPLY = "reply", _("答复附件")
    FIELD = "field", _("现场照片")  # a grid worker's photo on the spot (staff only)


class Attachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    # A handler's photo or document on a reply: public ones are shown to the resident once the
    # reply is published (its review, if any, approved); internal ones only to staff.
    source = models.CharField(max_length=8, choices=AttachmentSource.choices, default=AttachmentSource.APPEAL)
    public = models.BooleanField(_("群众可见"), default=True)
    review = models.ForeignKey(
        "ReplyReview", null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to="appeals/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class CoHandler(models.Model):
    """A unit that helps the main unit (协办)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="co_handlers")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="co_handled")
    added_at = models.DateTimeField()
    reply_text = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appeal", "unit"], name="uniq_co_handler")]

    def __str__(self) -> str:
        return f"{self.appeal_id} + {self.unit}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("已驳回")
    LAPSED = (
        "lapsed",
        _("已失效"),
    )  # the appeal left the unit's hands (returned, replied, withdrawn, merged) undecided


class ExtensionRequest(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    working_days = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            # The requests awaiting a decision (the "extensions" queue, the policy's check): a few
            # hundred at most, found without reading the decided ones, which pile up over the years.
            models.Index(fields=["appeal"], name="extension_pending", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} +{self.working_days}d {self.status}"


class DeadlinePolicy(models.Model):
    """How fast appeals must be accepted and resolved, per category (and its subtree) and urgency.

    The most specific category wins; a policy with no category is the default.
    """

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    accept_working_hours = models.PositiveSmallIntegerField(_("签收时限（工作小时）"), default=4)
    resolve_working_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=5)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [models.UniqueConstraint(fields=["category", "urgency"], name="uniq_deadline_policy")]

    def __str__(self) -> str:
        return f"{self.category or '默认'} / {self.get_urgency_display()}"


class TrackingCounter(models.Model):
    """Per-day sequence behind tracking numbers such as LX20261125-000123."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class IntakeFollowUp(models.Model):
    """What an intake still owes once it has answered (durable outbox): the SMS with each tracking
    number and the units' notices of the auto-dispatched appeals. Written in the intake's own
    transaction, done and deleted after the commit (`appeals.followups`); a row left by a process
    that died in between is done by the deadline sweep."""

    created_at = models.DateTimeField(db_index=True)
    appeal_ids = models.JSONField(default=list)
    # [appeal id, unit id] of each appeal dispatched at intake: whose staff to tell
    dispatched = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"follow-up of {len(self.appeal_ids)} appeal(s) at {self.created_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyRecord(models.Model):
    """Remembers the appeal created for an Idempotency-Key so a retry returns the same result."""

    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ReviewerKind(models.TextChoices):
    CENTRE = "centre", _("中心审核（派单员、督查员）")
    LEADER = "leader", _("单位领导审核")


class ReplyReviewRule(models.Model):
    """Which units' replies, in which categories (and their subtrees), are reviewed before the
    resident sees them (答复审核), and by whom. The most specific active rule wins: unit and
    category, then unit, then category; no rule, no review."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reviewer = models.CharField(
        _("审核人"), max_length=8, choices=ReviewerKind.choices, default=ReviewerKind.CENTRE
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("答复审核规则")
        verbose_name_plural = _("答复审核规则")
        constraints = [
            models.UniqueConstraint(fields=["unit", "category"], name="uniq_reply_review_rule"),
            # NULLs are distinct in a unique index: a rule for a whole unit (or a whole category)
            # needs its own partial constraint, or two could exist and the lookup would pick one
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(category__isnull=True), name="uniq_reply_review_rule_unit"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(unit__isnull=True),
                name="uniq_reply_review_rule_category",
            ),
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(category__isnull=False),
                name="reply_review_rule_scoped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit or '*'} / {self.category or '*'} → {self.get_reviewer_display()}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已退回")
    LAPSED = "lapsed", _("已失效")  # the appeal left the unit's hands (returned, withdrawn, merged) undecided


class ReplyReview(models.Model):
    """A unit's reply awaiting (or having had) review; the resident sees it only once approved."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="reply_reviews")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    reviewer = models.CharField(max_length=8, choices=ReviewerKind.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("答复审核")
        verbose_name_plural = _("答复审核")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=models.Q(status="pending"), name="one_pending_reply_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.status}"
