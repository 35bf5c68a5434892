"""Course authoring pages (supervisors and admins): courses with their lessons and quiz, typical
appeals turned into case-study lessons, publishing; and a passed cadre's certificate as a PDF.
Views parse, authorise (learning.policy) and respond; every change is a learning service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.appeals.selectors import appeals_visible_to
from lianxin.core.errors import DomainError, NotFoundError, TransitionNotAllowedError
from lianxin.core.ratelimit import check_rate
from lianxin.org.models import Role, User
from lianxin.web.forms import add_domain_error

from . import selectors, services
from .certificate import certificate_pdf
from .models import (
    BODY_MAX_LENGTH,
    CHOICE_MAX_LENGTH,
    MAX_CHOICES,
    TITLE_MAX_LENGTH,
    EnrolmentStatus,
    MaterialKind,
)
from .policy import ensure_manager

CERTIFICATE_RATE = "30/h"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class CourseForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("课程编码"),
        max_length=40,
        help_text=gettext_lazy("字母、数字和短横线，如 C-MED-02；创建后不能修改。"),
    )
    title = forms.CharField(label=gettext_lazy("课程名称"), max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        label=gettext_lazy("简介（可选）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hours = forms.DecimalField(
        label=gettext_lazy("学时"), min_value=0.5, max_value=100, decimal_places=1, initial=1
    )
    pass_mark = forms.IntegerField(
        label=gettext_lazy("及格分（百分制）"), min_value=1, max_value=100, initial=80
    )
    days_to_complete = forms.IntegerField(
        label=gettext_lazy("完成期限（天）"), min_value=1, max_value=services.MAX_DUE_DAYS, initial=30
    )
    required_for = forms.MultipleChoiceField(
        label=gettext_lazy("必修角色（可选）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[*Role.choices, ("mediator", gettext_lazy("调解员"))],
        help_text=gettext_lazy("担任这些角色的人第一次进入学习中心时自动获得这门课程。"),
    )


class LessonForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("课时标题"), max_length=TITLE_MAX_LENGTH)
    material_kind = forms.ChoiceField(label=gettext_lazy("材料形式"), choices=MaterialKind.choices)
    body = forms.CharField(
        label=gettext_lazy("正文（与链接至少填一项）"),
        max_length=BODY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    url = forms.URLField(
        label=gettext_lazy("PDF 或视频链接（可选）"), max_length=500, required=False, assume_scheme="https"
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("学习时长（分钟）"), min_value=1, max_value=600, initial=20
    )


class QuestionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("题目"), max_length=500)
    choices = forms.CharField(
        label=gettext_lazy("选项（每行一个）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_CHOICES * (CHOICE_MAX_LENGTH + 2),
        help_text=format_lazy(
            gettext_lazy("2 到 {n} 个选项，每项不超过 {m} 字。"), n=MAX_CHOICES, m=CHOICE_MAX_LENGTH
        ),
    )
    answer = forms.IntegerField(
        label=gettext_lazy("正确选项是第几个"),
        min_value=1,
        max_value=MAX_CHOICES,
        help_text=gettext_lazy("从 1 数起。"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = [line.strip() for line in (data.get("choices") or "").splitlines() if line.strip()]
        data["choice_list"] = lines
        if data.get("answer") and lines and data["answer"] > len(lines):
            self.add_error("answer", _("只有 {n} 个选项，正确选项的序号不能超过 {n}。").format(n=len(lines)))
        return data


class CaseStudyForm(forms.Form):
    tracking_number = forms.CharField(
        label=gettext_lazy("诉求编号"),
        max_length=32,
        help_text=gettext_lazy("已答复的诉求；姓名、电话、身份证号和地址会被隐去。"),
    )
    title = forms.CharField(
        label=gettext_lazy("课时标题（可选）"), max_length=TITLE_MAX_LENGTH, required=False
    )


FORMS: dict[str, type[forms.Form]] = {"lesson": LessonForm, "question": QuestionForm, "case": CaseStudyForm}


@login_required
@require_http_methods(["GET", "POST"])
def courses(request: HttpRequest) -> HttpResponse:
    """Every course, drafts included, and a new one."""
    user = _user(request)
    ensure_manager(user)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            course = services.course_create(
                actor=user,
                code=d["code"],
                title=d["title"],
                description=d["description"],
                hours=d["hours"],
                pass_mark=d["pass_mark"],
                required_for=d["required_for"],
                days_to_complete=d["days_to_complete"],
            )
        except DomainError as error:
            add_domain_error(form, error.field, error.message)
        else:
            messages.success(request, _("课程已创建（草稿）。请添加课时和测验题后发布。"))
            return redirect("learning:course_edit", code=course.code)
    return render(
        request,
        "learning/courses.html",
        {"form": form, "courses": selectors.all_courses()},
        status=400 if request.method == "POST" else 200,
    )


def _edit_page(
    request: HttpRequest, code: str, bound: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    course = selectors.course_by_code(code)
    context: dict[str, Any] = {
        f"{name}_form": (bound if isinstance(bound, cls) else cls(prefix=name)) for name, cls in FORMS.items()
    }
    return render(
        request,
        "learning/course_edit.html",
        {
            **context,
            "course": course,
            "lessons": course.lessons.all(),
            "questions": course.questions.all(),
            "enrolled": course.enrolments.count(),
        },
        status=status,
    )


@login_required
@require_GET
def course_edit(request: HttpRequest, code: str) -> HttpResponse:
    ensure_manager(_user(request))
    return _edit_page(request, code)


@login_required
@require_POST
def course_add(request: HttpRequest, code: str, part: str) -> HttpResponse:
    """Add a lesson, a quiz question or a case study (from an appeal) to a course."""
    user = _user(request)
    ensure_manager(user)
    if part not in FORMS:
        raise NotFoundError(_("没有这个页面。"))
    course = selectors.course_by_code(code)
    form = FORMS[part](request.POST, prefix=part)  # three forms on one page: prefixed ids
    if form.is_valid():
        d = form.cleaned_data
        try:
            if part == "lesson":
                services.lesson_add(
                    actor=user,
                    course=course,
                    title=d["title"],
                    body=d["body"],
                    url=d["url"],
                    material_kind=d["material_kind"],
                    minutes=d["minutes"],
                )
            elif part == "question":
                services.question_add(
                    actor=user,
                    course=course,
                    text=d["text"],
                    choices=d["choice_list"],
                    answer=d["answer"] - 1,
                )
            else:
                appeal = (
                    appeals_visible_to(user)
                    .filter(tracking_number=d["tracking_number"].strip().upper())
                    .first()
                )
                if appeal is None:
                    raise NotFoundError(
                        _("没有找到编号为 {n} 的诉求，或您无权查看。").format(n=d["tracking_number"]),
                        field="tracking_number",
                    )
                services.lesson_from_appeal(actor=user, course=course, appeal=appeal, title=d["title"])
        except DomainError as error:
            add_domain_error(form, FIELDS_OF_SERVICE.get((part, error.field), error.field), error.message)
        else:
            messages.success(request, _("已添加。"))
            return redirect(reverse("learning:course_edit", args=[course.code]) + f"#{part}")
    return _edit_page(request, code, form, status=400)


# the services name some fields differently from the forms
FIELDS_OF_SERVICE: dict[tuple[str, str | None], str | None] = {("case", "appeal"): "tracking_number"}


@login_required
@require_POST
def course_publish(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    ensure_manager(user)
    course = selectors.course_by_code(code)
    try:
        services.course_publish(actor=user, course=course)
    except DomainError as error:
        messages.error(request, error.message)
        return _edit_page(request, code, status=error.status_code)
    messages.success(request, _("课程已发布，可以指定给干部学习。"))
    return redirect("learning:course_edit", code=course.code)


@login_required
@require_GET
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A passed enrolment's certificate as a PDF: for the cadre who passed, and those who oversee."""
    user = _user(request)
    found = selectors.enrolment_for(user, pk)
    if found.status != EnrolmentStatus.PASSED or not found.certificate_code:
        raise TransitionNotAllowedError(_("这门课程还没有通过，暂无证书。"))
    check_rate(f"learning-certificate:{user.pk}", CERTIFICATE_RATE)
    verify = request.build_absolute_uri(reverse("learning:certificate", args=[found.certificate_code]))
    response = HttpResponse(
        certificate_pdf(enrolment=found, verify_url=verify), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{found.certificate_code}.pdf"'
    return response
