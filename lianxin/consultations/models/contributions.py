"""What participants contribute: comments, paragraph ratings, proposals, statements and votes,
abuse reports, the sensitive-word list and the organiser's adoption feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .consultation import Consultation, Paragraph, Participant

COMMENT_MAX = 2000
STATEMENT_MAX = 280
PROPOSAL_TITLE_MAX = 120
PROPOSAL_TEXT_MAX = 4000
REASON_MAX = 1000


class Visibility(models.TextChoices):
    PENDING = "pending", _("待审核")
    VISIBLE = "visible", _("已公开")
    HIDDEN = "hidden", _("已隐藏")


class Comment(models.Model):
    """An opinion on the whole draft (paragraph empty) or on one paragraph; `parent` makes it a reply."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="comments")
    paragraph = models.ForeignKey(
        Paragraph, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("内容"), max_length=COMMENT_MAX)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    hidden_reason = models.CharField(_("隐藏理由"), max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("意见")
        verbose_name_plural = _("意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class ParagraphRating(models.Model):
    """Support (+1) or opposition (-1) to a paragraph: one per participant, changeable."""

    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="ratings")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="ratings")
    value = models.SmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paragraph", "participant"], name="uniq_paragraph_rating"),
            models.CheckConstraint(condition=models.Q(value__in=[-1, 1]), name="paragraph_rating_value"),
        ]

    def __str__(self) -> str:
        return f"{self.paragraph_id} {self.value:+d}"


class Proposal(models.Model):
    """A resident's own idea (金点子); reaching the support threshold sends it to the review queue."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="proposals")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("标题"), max_length=PROPOSAL_TITLE_MAX)
    text = models.TextField(_("内容"), max_length=PROPOSAL_TEXT_MAX)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    hidden_reason = models.CharField(max_length=REASON_MAX, blank=True)
    support_count = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(_("进入审议时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("金点子")
        verbose_name_plural = _("金点子")
        ordering = ["-support_count", "created_at", "id"]

    def __str__(self) -> str:
        return self.title


class ProposalSupport(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "participant"], name="uniq_proposal_support")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} +1"


class Statement(models.Model):
    """A short statement others vote on (Pol.is); shown only after a moderator accepted it."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="statements")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    text = models.TextField(_("观点"), max_length=STATEMENT_MAX * 8)
    external_id = models.CharField(max_length=40, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PENDING)
    hidden_reason = models.CharField(max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("观点")
        verbose_name_plural = _("观点")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class VoteValue(models.IntegerChoices):
    AGREE = 1, _("同意")
    PASS = 0, _("跳过")
    DISAGREE = -1, _("不同意")


class StatementVote(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="statement_votes")
    value = models.SmallIntegerField(choices=VoteValue.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "participant"], name="uniq_statement_vote")
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.value:+d}"


class ContentKind(models.TextChoices):
    COMMENT = "comment", _("意见")
    PROPOSAL = "proposal", _("金点子")
    STATEMENT = "statement", _("观点")


class AbuseReport(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=ContentKind.choices)
    object_id = models.PositiveBigIntegerField()
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("举报理由"), max_length=REASON_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "reporter"], name="uniq_abuse_report"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class SensitiveWord(models.Model):
    """A word that holds a contribution for moderation before it is shown (configurable in the admin)."""

    word = models.CharField(_("敏感词"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")

    def __str__(self) -> str:
        return self.word


class Adoption(models.TextChoices):
    ADOPTED = "adopted", _("已采纳")
    PARTLY = "partly", _("部分采纳")
    NOT_ADOPTED = "not_adopted", _("未采纳")
    OUT_OF_SCOPE = "out_of_scope", _("不属于本次征求意见范围")


class Feedback(models.Model):
    """The organiser's public answer (采纳反馈) to one opinion or one proposal."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="feedback")
    comment = models.OneToOneField(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback"
    )
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback"
    )
    decision = models.CharField(_("采纳情况"), max_length=14, choices=Adoption.choices)
    reason = models.TextField(_("理由"), max_length=REASON_MAX * 2, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("采纳反馈")
        verbose_name_plural = _("采纳反馈")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(comment__isnull=False, proposal__isnull=True)
                    | models.Q(comment__isnull=True, proposal__isnull=False)
                ),
                name="feedback_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.get_decision_display()
