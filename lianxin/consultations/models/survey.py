"""The survey of a consultation: questions, and one response per participant with its answers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .consultation import Consultation, Participant

QUESTION_MAX = 500
OPTION_MAX = 200
OPTIONS_MAX = 20
ANSWER_TEXT_MAX = 2000
SCALE_MIN, SCALE_MAX = 1, 5


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    SCALE = "scale", _("打分（1–5）")
    TEXT = "text", _("填空")
    RANKING = "ranking", _("排序")


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    text = models.CharField(_("问题"), max_length=QUESTION_MAX)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(_("必答"), default=False)
    options = models.JSONField(_("选项"), default=list, blank=True)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="uniq_question_number")
        ]

    def __str__(self) -> str:
        return self.text[:40]


class SurveyResponse(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="survey_responses")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "participant"], name="uniq_survey_response")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # option indexes: the chosen ones (single / multiple), or in order of preference (ranking)
    choices = models.JSONField(default=list, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(max_length=ANSWER_TEXT_MAX, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="uniq_answer")]

    def __str__(self) -> str:
        return f"{self.response_id} Q{self.question_id}"
