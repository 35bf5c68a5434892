"""Staff pages: my activities and wishes to look after, create and publish, the roster with the
manual check-in list and the QR code, confirming hours, recording a wish met on a visit."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.core.errors import DomainError, ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.org.models import Area, User

from . import hours, orgs, photos, selectors, services, wishes
from .forms import ActivityActForm, ActivityForm, MemberForm, OrganizationForm, ProjectForm, WishRecordForm
from .models import HoursEntry, Signup
from .policy import Action, allowed_actions, ensure_allowed, is_organiser_anywhere, organised_areas_q


def organiser_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_organiser_anywhere(request.user):  # type: ignore[arg-type]
            raise ForbiddenError(_("只有网格员、社区和街道工作人员可以组织活动、登记心愿。"))
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _my_areas(user: User):  # type: ignore[no-untyped-def]
    return Area.objects.filter(organised_areas_q(user, prefix="path")).order_by("path")


@require_GET
@organiser_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    managed = selectors.wishes_managed(user)
    return render(
        request,
        "activities/staff_home.html",
        {
            "activities": selectors.activities_managed(user)[:100],
            "review": managed.filter(status="review")[:50],
            "escalated": managed.filter(status="open", escalated_at__isnull=False)[:50],
            "open_wishes": managed.filter(status__in=("open", "claimed", "delivered"))[:100],
        },
    )


@require_http_methods(["GET", "POST"])
@organiser_required
def activity_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ActivityForm(request.POST or None, areas=_my_areas(user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                activity = services.activity_create(
                    actor=user,
                    kind=d["kind"],
                    title=d["title"],
                    place=d["place"],
                    area=d["area"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    capacity=d["capacity"],
                    description=d["description"],
                    organization=d["organization"],
                    visit_notes=d["visit_notes"],
                )
                messages.success(request, _("活动已保存为草稿；检查无误后请发布。"))
                return redirect("activities:manage", pk=activity.pk)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status_code
        else:
            status = 400
    return render(request, "activities/activity_new.html", {"form": form}, status=status)


def _manage_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = _user(request)
    activity = selectors.activity_get(user, pk)
    ensure_allowed(user, activity, Action.VIEW_ROSTER)
    checkin_url = request.build_absolute_uri(reverse("activities:check_in", args=[activity.pk]))
    link = f"{checkin_url}?code={activity.checkin_code}"
    return {
        "qr": segno.make(link, error="m").svg_inline(scale=5, dark="#1f2937", light="#ffffff"),
        "activity": activity,
        "places": selectors.places(activity),
        "roster": selectors.roster(user, activity),
        "actions": allowed_actions(user, activity),
        "pending": list(hours.pending_for(activity)),
        "checkin_link": link,
        "checkout_link": f"{checkin_url}?out=1&code={activity.checkin_code}",
    }


@require_GET
@organiser_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "activities/manage.html", _manage_context(request, pk))


def _act(user: User, pk: int, d: dict[str, Any]) -> str:
    activity = selectors.activity_get(user, pk)
    action = d["action"]
    if action == "publish":
        services.activity_publish(actor=user, activity=activity)
        return _("已发布，居民现在可以报名。")
    if action == "cancel":
        services.activity_cancel(actor=user, activity=activity, reason=d["reason"])
        return _("活动已取消，已通知报名的居民。")
    if action == "capacity":
        if not d["capacity"]:
            raise ValidationFailedError(_("请填写名额。"), field="capacity")
        services.activity_change_capacity(actor=user, activity=activity, capacity=d["capacity"])
        return _("名额已修改；候补的居民已按顺序补上。")
    if action == "finish":
        services.activity_finish(actor=user, activity=activity)
        return _("活动已结束。")
    if action in ("check_in", "check_out"):
        signup = Signup.objects.filter(pk=d["signup"] or 0, activity=activity).first()
        if signup is None:
            raise NotFoundError(_("该活动没有这条报名。"))
        if action == "check_in":
            services.signup_check_in(actor=user, signup=signup)
            return _("已签到。")
        services.signup_check_out(actor=user, signup=signup)
        return _("已签退。")
    entry = HoursEntry.objects.filter(pk=d["entry"] or 0, activity=activity).first()
    if entry is None:
        raise NotFoundError(_("没有找到该时长记录。"))
    hours.hours_confirm(actor=user, entry=entry, approve=action == "confirm_hours", minutes=d["minutes"])
    return _("时长已确认。") if action == "confirm_hours" else _("已不予确认。")


@require_POST
@organiser_required
def act(request: HttpRequest, pk: int) -> HttpResponse:
    form = ActivityActForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请求不完整：请从页面上的按钮操作。"))
        messages.success(request, _act(_user(request), pk, form.cleaned_data))
    except DomainError as error:
        context = _manage_context(request, pk)
        context["error"] = error.message
        return render(request, "activities/manage.html", context, status=error.status_code)
    return redirect("activities:manage", pk=pk)


@require_http_methods(["GET", "POST"])
@organiser_required
def wish_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = WishRecordForm(request.POST or None, areas=_my_areas(user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                wish = wishes.wish_record(
                    actor=user,
                    title=d["title"],
                    public_text=d["public_text"],
                    area=d["area"],
                    beneficiary_name=d["beneficiary_name"],
                    beneficiary_phone=d["beneficiary_phone"],
                    detail=d["detail"],
                    category=d["category"],
                    anonymous=d["anonymous"],
                )
                messages.success(request, _("心愿已登记并公开，等待认领。"))
                return redirect("activities:wish", pk=wish.pk)
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status_code
        else:
            status = 400
    return render(request, "activities/wish_new.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@organiser_required
def organization_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = OrganizationForm(request.POST or None, areas=_my_areas(user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                org = orgs.organization_register(
                    actor=user,
                    name=d["name"],
                    kind=d["kind"],
                    areas=list(d["areas"]),
                    registration_number=d["registration_number"],
                    categories=form.category_list(),
                    description=d["description"],
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                )
                messages.success(request, _("组织已登记。"))
                return redirect("activities:organization", pk=org.pk)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status_code
        else:
            status = 400
    return render(request, "activities/organization_new.html", {"form": form}, status=status)


@require_POST
@login_required
def organization_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager of the organization (or a cadre of its areas) adds a member by username."""
    user = _user(request)
    org = selectors.organization_get(pk)
    form = MemberForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请填写成员的用户名。"), field="username")
        member = User.objects.filter(username=form.cleaned_data["username"]).first()
        if not orgs.may_manage_organization(user, org):
            raise ForbiddenError(_("只有该组织的负责人或服务区域的社区工作人员可以添加成员。"))
        if member is None:
            raise NotFoundError(_("没有这个用户名的用户。"), field="username")
        orgs.organization_add_member(
            actor=user, organization=org, user=member, manager=form.cleaned_data["manager"]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return render(
            request,
            "activities/organization.html",
            {**selectors.organization_page(org, user), "error": error.message},
            status=error.status_code,
        )
    messages.success(request, _("已添加成员。"))
    return redirect("activities:organization", pk=pk)


@require_POST
@organiser_required
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = selectors.activity_get(user, pk)
    upload = request.FILES.get("photo")
    try:
        if upload is None:
            raise DomainError(_("请选择一张照片。"), field="photo")
        if upload.size and upload.size > photos.MAX_PHOTO_BYTES:
            raise DomainError(_("照片最大 5 MB，请压缩后再传。"), field="photo")
        photos.activity_add_photo(actor=user, activity=activity, content=upload.read())
    except DomainError as error:
        context = _manage_context(request, pk)
        context["error"] = error.message
        return render(request, "activities/manage.html", context, status=error.status_code)
    messages.success(request, _("照片已上传。"))
    return redirect("activities:manage", pk=pk)


@require_POST
@login_required
def project_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    org = selectors.organization_get(pk)
    form = ProjectForm(request.POST)
    try:
        if not orgs.may_manage_organization(user, org):  # refuse before looking at the form
            raise ForbiddenError(_("只有该组织的负责人和所在区域的社区工作人员可以登记服务项目。"))
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise DomainError(f"{form.fields[field].label}：{errors[0]}", field=field)
        d = form.cleaned_data
        orgs.project_add(
            actor=user,
            organization=org,
            title=d["title"],
            started_on=d["started_on"],
            ended_on=d["ended_on"],
            description=d["description"],
        )
    except DomainError as error:
        return render(
            request,
            "activities/organization.html",
            {**selectors.organization_page(org, user), "error": error.message},
            status=error.status_code,
        )
    messages.success(request, _("服务项目已登记。"))
    return redirect("activities:organization", pk=pk)
