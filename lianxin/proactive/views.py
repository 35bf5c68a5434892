"""Proactive-task pages (list, proposals, a task with its evidence and before/after counts) and
residents' subscriptions. Views parse, authorise (selectors + policy) and call the services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lianxin.core import phoneverify
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ValidationFailedError,
)
from lianxin.core.masking import mask_phone
from lianxin.org.models import Area, AreaLevel, Category, Unit, User

from . import policy, selectors, services
from .models import Subscription, TaskStatus


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.tasks_for(_user(request))
    if status in (TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.DISMISSED):
        qs = qs.filter(status=status)
    return render(
        request,
        "proactive/tasks.html",
        {"tasks": list(qs[:200]), "status": status, "may_decide": policy.may_see_proposals(_user(request))},
    )


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.may_see_proposals(user):
        raise ForbiddenError(_("只有督查员可以研判主动治理建议。"))
    return render(
        request, "proactive/proposals.html", {"tasks": list(selectors.tasks_for(user, proposals=True)[:200])}
    )


@login_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    t = selectors.task_for(user, pk)
    return render(
        request,
        "proactive/task.html",
        {
            "task": t,
            "evidence": selectors.evidence_of(t),
            "counts": selectors.before_after(t),
            "events": t.events.select_related("actor"),
            "window": selectors.WINDOW_DAYS,
            "may_decide": policy.can(user, t, policy.Action.DECIDE),
            "may_record": policy.can(user, t, policy.Action.RECORD_OUTCOME),
        },
    )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ValidationFailedError(_("完成时限格式不正确，应为 YYYY-MM-DD。"), field="deadline") from None


def _owner(request: HttpRequest) -> tuple[Unit | None, Area | None]:
    unit_code = request.POST.get("owner_unit", "").strip()[:40]
    grid_code = request.POST.get("owner_grid", "").strip()[:40]
    unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
    grid = Area.objects.filter(code=grid_code, level=AreaLevel.GRID).first() if grid_code else None
    if unit_code and unit is None:
        raise ValidationFailedError(_("没有编码为“{c}”的单位。").format(c=unit_code), field="owner_unit")
    if grid_code and grid is None:
        raise ValidationFailedError(_("没有编码为“{c}”的网格。").format(c=grid_code), field="owner_grid")
    return unit, grid


def _act(request: HttpRequest, pk: int, action: str, *, dismiss: bool = False) -> HttpResponse:
    user = _user(request)
    t = selectors.task_for(user, pk)  # 404 before anything else
    if not policy.can(user, t, action):
        raise ForbiddenError(_("您不能对这项任务执行此操作。"))
    try:
        if action == policy.Action.RECORD_OUTCOME:
            services.task_record_outcome(task=t, actor=user, outcome=request.POST.get("outcome", "")[:5000])
            messages.success(request, _("已反馈办理结果。"))
        elif dismiss:
            services.task_dismiss(task=t, actor=user, reason=request.POST.get("reason", "")[:3000])
            messages.success(request, _("已不予立项。"))
        else:
            unit, grid = _owner(request)
            services.task_accept(
                task=t,
                actor=user,
                owner_unit=unit,
                owner_grid=grid,
                deadline=_date(request.POST.get("deadline", "")),
                instructions=request.POST.get("instructions", "")[:3000],
            )
            messages.success(request, _("已立项交办。"))
    except (ValidationFailedError, ConflictError) as error:
        messages.error(request, str(error))
        response = task(request, pk)
        response.status_code = 409 if isinstance(error, ConflictError) else 400
        return response
    return redirect("proactive:task", pk=t.pk)


@login_required
@require_POST
def task_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, policy.Action.DECIDE)


@login_required
@require_POST
def task_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, policy.Action.DECIDE, dismiss=True)


@login_required
@require_POST
def task_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, policy.Action.RECORD_OUTCOME)


def _subscription_target(request: HttpRequest) -> tuple[Area | None, Category | None]:
    area_code = request.POST.get("area", "").strip()[:40]
    cat_code = request.POST.get("category", "").strip()[:40]
    area = Area.objects.filter(code=area_code).first() if area_code else None
    category = Category.objects.filter(code=cat_code).first() if cat_code else None
    if area_code and area is None:
        raise ValidationFailedError(_("没有编码为“{c}”的区域。").format(c=area_code), field="area")
    if cat_code and category is None:
        raise ValidationFailedError(_("没有编码为“{c}”的类别。").format(c=cat_code), field="category")
    return area, category


@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    """By account when signed in; otherwise by a phone verified with a one-time code (core/phoneverify.py)."""
    user = _user(request)
    signed_in = user.is_authenticated
    phone = None if signed_in else phoneverify.verified_phone(request)
    status = 200
    if request.method == "POST":
        try:
            said = None if signed_in else phoneverify.form_step(request, purpose="subscriptions")
            if said is not None:
                messages.success(request, said)
                return redirect("proactive:subscriptions")
            if request.POST.get("step") == "forget_phone":
                phoneverify.forget(request)
                return redirect("proactive:subscriptions")
            area, category = _subscription_target(request)
            if signed_in:
                services.subscription_create(user=user, area=area, category=category)
            else:
                services.subscription_create_for_phone(phone=phone or "", area=area, category=category)
        except (ValidationFailedError, RateLimitedError) as error:
            messages.error(request, str(error))
            status = 429 if isinstance(error, RateLimitedError) else 400
        except ForbiddenError as error:
            messages.error(request, str(error))
            status = 403
        else:
            messages.success(request, _("已订阅。相关通知、计划施工和主动治理结果会通知您。"))
            return redirect("proactive:subscriptions")
    if signed_in:
        subs = selectors.subscriptions_of(user)
    else:
        subs = selectors.subscriptions_of_phone(phone) if phone else Subscription.objects.none()
    return render(
        request,
        "proactive/subscriptions.html",
        {
            "subscriptions": subs,
            "signed_in": signed_in,
            "verified_phone": phone and mask_phone(phone),
            "pending_phone": "" if signed_in else phoneverify.pending_phone(request),
            "areas": Area.objects.exclude(level=AreaLevel.GRID).order_by("path")[:300],
            "categories": Category.objects.order_by("path")[:300],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every subscription notice: works without logging in (the token is the proof)."""
    sub = Subscription.objects.select_related("area", "category").filter(token=token[:40]).first()
    if sub is None:
        raise NotFoundError(_("这个退订链接无效或已退订。"))
    if request.method == "POST":
        services.subscription_cancel(token=sub.token)
        return render(request, "proactive/unsubscribed.html", {})
    return render(request, "proactive/unsubscribe.html", {"sub": sub})
