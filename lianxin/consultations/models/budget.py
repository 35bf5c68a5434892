"""Participatory budgeting (参与式预算): projects with costs, and one ballot per participant choosing
projects that fit within the consultation's budget. The funded set is a knapsack over the votes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .consultation import Consultation, Participant

PROJECT_TITLE_MAX = 120
PROJECT_TEXT_MAX = 2000
PROJECTS_MAX = 50
COST_MAX = 100_000_000  # yuan


class BudgetProject(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="budget_projects")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(_("项目"), max_length=PROJECT_TITLE_MAX)
    description = models.TextField(_("说明"), max_length=PROJECT_TEXT_MAX, blank=True)
    cost = models.PositiveBigIntegerField(_("预算（元）"))

    class Meta:
        verbose_name = _("预算项目")
        verbose_name_plural = _("预算项目")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="uniq_budget_project_number")
        ]

    def __str__(self) -> str:
        return self.title


class BudgetBallot(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="budget_ballots")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    projects = models.ManyToManyField(BudgetProject, related_name="ballots")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "participant"], name="uniq_budget_ballot")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} #{self.pk}"
