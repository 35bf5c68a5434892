"""Forums and hearings (座谈会、听证会) linked to a consultation: registration with a waiting list
(forums) or a public lottery of representatives (hearings), check-in, minutes, and the opinions
raised there entered as opinions of the consultation."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .consultation import Consultation, Participant


class HearingKind(models.TextChoices):
    FORUM = "forum", _("座谈会")
    HEARING = "hearing", _("听证会")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("已报名")  # a forum seat, or a hearing application
    WAITING = "waiting", _("候补")
    SELECTED = "selected", _("入选代表")
    NOT_SELECTED = "not_selected", _("未入选")
    CANCELLED = "cancelled", _("已取消")


class Hearing(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="hearings")
    kind = models.CharField(_("类型"), max_length=10, choices=HearingKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    starts_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    capacity = models.PositiveIntegerField(_("名额"))
    agenda = models.TextField(_("议程"), max_length=4000, blank=True)
    minutes = models.TextField(_("会议纪要"), max_length=20000, blank=True)
    selected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("座谈会 / 听证会")
        verbose_name_plural = _("座谈会 / 听证会")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    hearing = models.ForeignKey(Hearing, on_delete=models.CASCADE, related_name="registrations")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=14, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["hearing", "participant"], name="uniq_registration")]

    def __str__(self) -> str:
        return f"{self.hearing_id} {self.participant_id} {self.status}"
