"""Learning centre pages: a cadre's courses and record, a course with its lessons and quiz, the
public certificate check, and the supervisors' assignment page. Views parse, authorise, respond."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lianxin.core.errors import DomainError, ForbiddenError
from lianxin.org.models import Unit, User
from lianxin.web.forms import add_domain_error

from . import selectors, services
from .policy import is_cadre, may_manage, may_oversee


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _cadre(request: HttpRequest) -> User:
    user = _user(request)
    if not is_cadre(user):
        raise ForbiddenError(_("学习中心仅供干部、工作人员和调解员使用。"))
    return user


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _cadre(request)
    services.enrol_required(user=user)  # idempotent: the courses the roles require appear on first visit
    return render(
        request,
        "learning/home.html",
        {
            "record": selectors.record_of(user),
            "enrolments": selectors.enrolments_of(user),
            "may_manage": may_manage(user),
        },
    )


@login_required
@require_GET
def enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    user = _cadre(request)
    found = selectors.enrolment_for(user, pk)
    done = set(found.lessons_done.values_list("lesson_id", flat=True))
    return render(
        request,
        "learning/course.html",
        {
            "enrolment": found,
            "course": found.course,
            "lessons": found.course.lessons.all(),
            "done": done,
            "questions": found.course.questions.all(),
            "mine": found.user_id == user.pk,
            "attempts": found.attempts.all(),
            "all_done": len(done) >= found.course.lessons.count(),
        },
    )


@login_required
@require_POST
def lesson_done(request: HttpRequest, pk: int, lesson_id: int) -> HttpResponse:
    user = _cadre(request)
    services.lesson_complete(actor=user, enrolment=selectors.enrolment_for(user, pk), lesson=lesson_id)
    return redirect("learning:enrolment", pk=pk)


@login_required
@require_POST
def quiz(request: HttpRequest, pk: int) -> HttpResponse:
    user = _cadre(request)
    found = selectors.enrolment_for(user, pk)
    answers = []
    for question in found.course.questions.all():
        value = request.POST.get(f"q{question.pk}", "")
        answers.append(int(value) if value.isdigit() and len(value) < 3 else -1)
    attempt = services.quiz_submit(actor=user, enrolment=found, answers=answers)
    if attempt.passed:
        messages.success(request, _("测验得分 {score}，已通过！").format(score=attempt.score))
    else:
        messages.error(
            request,
            _("测验得分 {score}，未达到及格分 {mark}，请复习后再试。").format(
                score=attempt.score, mark=found.course.pass_mark
            ),
        )
    return redirect("learning:enrolment", pk=pk)


@require_GET
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone may check a certificate by its verification code."""
    return render(request, "learning/certificate.html", {"enrolment": selectors.certificate(code[:16])})


class AssignForm(forms.Form):
    user = forms.TypedChoiceField(label=gettext_lazy("学习人"), coerce=int, required=False, empty_value=None)
    unit = forms.TypedChoiceField(
        label=gettext_lazy("或：整个单位的承办人"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("满意度或及时率低于目标的单位，可以给该单位全体承办人指定课程。"),
    )
    course = forms.ChoiceField(label=gettext_lazy("课程"))
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=services.REASON_MAX_LENGTH,
        help_text=gettext_lazy("如：本季度满意度低于目标、办理超时较多。"),
    )
    due_days = forms.IntegerField(
        label=gettext_lazy("完成期限（天）"), min_value=1, max_value=services.MAX_DUE_DAYS, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cadres = (
            User.objects.filter(roles__isnull=False, is_active=True).distinct().order_by("username")[:500]
        )
        self.fields["user"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (u.pk, f"{u.display_name or u.username}（{u.username}）") for u in cadres
        ]
        units = Unit.objects.filter(active=True).order_by("code")[:500]
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]
        self.fields["course"].choices = [(c.code, c.title) for c in selectors.published_courses()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("unit")):
            raise forms.ValidationError(_("请选择一位学习人，或选择一个单位（二选一）。"))
        return data


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_oversee(user):
        raise ForbiddenError(_("只有督查员、领导和管理员可以查看干部学习情况。"))
    form = AssignForm(request.POST or None)
    if request.method == "POST":
        if not may_manage(user):
            raise ForbiddenError(_("只有督查员和管理员可以指定学习任务。"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["unit"]:
                    unit = Unit.objects.filter(pk=d["unit"]).first()
                    if unit is None:
                        raise ForbiddenError(_("没有这个单位。"))
                    services.enrolment_assign_unit(
                        actor=user, unit=unit, course=d["course"], reason=d["reason"]
                    )
                else:
                    services.enrolment_assign(
                        actor=user,
                        user=d["user"],
                        course=d["course"],
                        reason=d["reason"],
                        due_days=d["due_days"],
                    )
            except DomainError as error:
                add_domain_error(form, error.field, error.message)
            else:
                messages.success(request, _("已指定学习任务。"))
                return redirect("learning:manage")
    return render(
        request,
        "learning/manage.html",
        {
            "form": form,
            "may_assign": may_manage(user),
            "rows": selectors.records_overview(user)[:300],
        },
        status=400 if request.method == "POST" else 200,
    )
