"""Participatory budgeting: the organiser lists the projects and the budget; each participant casts
one ballot of projects whose costs fit within the budget; the funded set maximises the votes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import ConflictError, ValidationFailedError
from lianxin.org.models import User

from .. import events
from ..models import BudgetBallot, BudgetProject, Consultation
from ..models.budget import COST_MAX, PROJECT_TEXT_MAX, PROJECT_TITLE_MAX, PROJECTS_MAX
from ..policy import Action, ensure_allowed
from .lifecycle import _text
from .participation import participant_for


@dataclass(frozen=True)
class ProjectInput:
    title: str
    cost: int
    description: str = ""


@transaction.atomic
def budget_set(
    *, actor: User, consultation: Consultation, total: int, projects: Sequence[ProjectInput]
) -> list[BudgetProject]:
    """Set the budget (yuan) and replace its projects (while the consultation is a draft)."""
    ensure_allowed(actor, consultation, Action.EDIT)
    if not 0 <= total <= COST_MAX * PROJECTS_MAX:
        raise ValidationFailedError(
            _("预算总额应在 0 到 {n} 元之间。").format(n=COST_MAX * PROJECTS_MAX), field="budget_total"
        )
    if len(projects) > PROJECTS_MAX:
        raise ValidationFailedError(_("最多 {n} 个预算项目。").format(n=PROJECTS_MAX), field="projects")
    rows = []
    for i, p in enumerate(projects, start=1):
        if not 1 <= p.cost <= COST_MAX:
            raise ValidationFailedError(
                _("第 {n} 个项目的预算应在 1 到 {m} 元之间。").format(n=i, m=COST_MAX), field="projects"
            )
        if p.cost > total:
            raise ValidationFailedError(
                _("第 {n} 个项目的预算超过了预算总额。").format(n=i), field="projects"
            )
        rows.append(
            BudgetProject(
                consultation=consultation,
                number=i,
                cost=p.cost,
                title=_text(
                    p.title, name=f"projects[{i - 1}].title", label=_("项目名称"), maximum=PROJECT_TITLE_MAX
                ),
                description=_text(
                    p.description,
                    name=f"projects[{i - 1}].description",
                    label=_("项目说明"),
                    maximum=PROJECT_TEXT_MAX,
                    required=False,
                ),
            )
        )
    consultation.budget_total = total
    consultation.save(update_fields=["budget_total"])
    consultation.budget_projects.all().delete()
    created = BudgetProject.objects.bulk_create(rows)
    events.record(consultation, events.Edited(fields=("budget",)), actor=actor)
    return created


@transaction.atomic
def budget_vote(*, actor: User, consultation: Consultation, project_numbers: Sequence[int]) -> BudgetBallot:
    """One ballot per participant: distinct projects whose total cost is within the budget."""
    ensure_allowed(actor, consultation, Action.VOTE_BUDGET)
    projects = {p.number: p for p in consultation.budget_projects.all()}
    if not projects:
        raise ValidationFailedError(_("本次征求意见没有预算项目。"), field="projects")
    if not project_numbers or len(set(project_numbers)) != len(project_numbers):
        raise ValidationFailedError(_("请至少选择一个项目，每个项目只能选一次。"), field="projects")
    unknown = [n for n in project_numbers if n not in projects]
    if unknown:
        raise ValidationFailedError(_("没有第 {n} 个项目。").format(n=unknown[0]), field="projects")
    cost = sum(projects[n].cost for n in project_numbers)
    if cost > consultation.budget_total:
        raise ValidationFailedError(
            _("所选项目共需 {c} 元，超过预算总额 {t} 元，请减少项目。").format(
                c=f"{cost:,}", t=f"{consultation.budget_total:,}"
            ),
            field="projects",
        )
    participant = participant_for(consultation=consultation, user=actor)
    if BudgetBallot.objects.filter(consultation=consultation, participant=participant).exists():
        raise ConflictError(_("您已经投过票了，每人只能投一次。"), code="already_voted")
    ballot = BudgetBallot.objects.create(consultation=consultation, participant=participant)
    ballot.projects.set([projects[n] for n in project_numbers])
    events.record(
        consultation,
        events.Contributed(kind="budget", object_id=ballot.pk, participant=participant.pseudonym),
        label=participant.pseudonym,
    )
    return ballot
