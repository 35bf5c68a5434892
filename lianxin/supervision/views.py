"""Supervision pages: thin views that parse, authorise through the selectors and call services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lianxin.appeals.actors import Actor
from lianxin.appeals.events import with_payloads
from lianxin.appeals.models import Appeal
from lianxin.core import replicas
from lianxin.core.errors import DomainError, NotFoundError, ValidationFailedError
from lianxin.org import directory
from lianxin.org.models import Area, AreaLevel, Category, Unit, User
from lianxin.worktime import calendar

from . import alerts, policy, selectors, services
from .dashboard import figures_html, figures_table, series_chart
from .events import with_order_payloads
from .forms import CloseForm, FollowUpForm, OrderForm, RespondForm, yes_no
from .models import FollowUp, OrderStatus, RaisedWarning, WarningStatus
from .policy import OrderAction, follow_up_caller
from .selectors import FIGURE_LABELS, Jurisdiction, Period, Slice

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _int(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailedError(
            _("参数 {field} 应为数字编号。").format(field=field), field=field
        ) from None


def _period(request: HttpRequest) -> Period:
    return Period.parse(request.GET.get("period"))


def _overseer_slice(request: HttpRequest, j: Jurisdiction) -> tuple[Slice, Area | None]:
    slc = j.slice()
    area_id = _int(request.GET.get("area"), "area")
    area = None
    if area_id is not None:
        area = Area.objects.filter(pk=area_id).first()
        if area is None or not j.covers_area(area):
            raise NotFoundError(_("没有找到该区域，或它不在您的督查范围内。"))
        slc = slc.narrow(area=area)
    return slc, area


def _jurisdiction_areas(j: Jurisdiction) -> list[Area]:
    levels = (AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY)
    areas = sorted(directory.current().areas.values(), key=lambda a: a.path)
    return [a for a in areas if a.level in levels and j.covers_area(a)]


@login_required
@replicas.replica_reads  # read-only: a streaming replica when configured (docs/operations.md)
def dashboard(request: HttpRequest) -> HttpResponse:
    j = policy.require_overseer(_user(request))
    period = _period(request)
    slc, area = _overseer_slice(request, j)
    metric = "satisfaction" if request.GET.get("metric") == "satisfaction" else "received"
    context = {
        "period": period,
        "area": area,
        "areas": _jurisdiction_areas(j),
        "metric": metric,
        "figures_html": mark_safe(figures_html(period, slc, area, metric, request=request)),
        "overdue": selectors.overdue_appeals(slc)[:PAGE_SIZE],
        "hotspots": selectors.surge_warnings(j),
        "area_param": f"&area={area.pk}" if area else "",
        "replica": replicas.status(),
    }
    return render(request, "supervision/dashboard.html", context)


@login_required
def text_hotspots(request: HttpRequest) -> HttpResponse:
    """Clusters of similar recent appeals; loaded after the dashboard (clustering is slow when cold)."""
    j = policy.require_overseer(_user(request))
    slc, area = _overseer_slice(request, j)
    template = (
        "supervision/_text_hotspots.html"
        if request.headers.get("HX-Request")
        else "supervision/text_hotspots.html"
    )
    return render(request, template, {"text_hotspots": selectors.text_hotspots(slc), "area": area})


@login_required
def unit_dashboard(request: HttpRequest) -> HttpResponse:
    j = policy.require_unit_member(_user(request))
    units = list(Unit.objects.filter(pk__in=j.unit_ids).order_by("code"))
    unit_id = _int(request.GET.get("unit"), "unit")
    unit = next((u for u in units if u.pk == unit_id), None) if unit_id is not None else units[0]
    if unit is None:
        raise NotFoundError(_("没有找到该单位，或您不在该单位工作。"))
    period = _period(request)
    slc = Slice().narrow(unit=unit)
    context = {
        "unit": unit,
        "units": units,
        "period": period,
        "figures": figures_table(selectors.kpis(period, slc)),
        "previous": figures_table(selectors.kpis(period.previous(), slc)),
        "district": figures_table(selectors.kpis(period)),
        "daily": series_chart(selectors.daily_series(period, slc)),
        "overdue": selectors.overdue_appeals(slc)[:PAGE_SIZE],
        "due_soon": selectors.due_soon_appeals(slc)[:PAGE_SIZE],
        "orders": policy.orders_visible(_user(request))
        .filter(unit=unit)
        .exclude(status=OrderStatus.CLOSED)[:20],
    }
    return render(request, "supervision/unit.html", context)


@login_required
@replicas.replica_reads
def cadres(request: HttpRequest) -> HttpResponse:
    """Cadre figures (承办人考核): supervisors and leaders for the units in their jurisdiction, a
    unit's leader for their unit, admins for all."""
    allowed = policy.cadre_units(_user(request))
    period = _period(request)
    units = Unit.objects.order_by("code")
    if allowed is not None:
        units = units.filter(pk__in=allowed)
    unit_id = _int(request.GET.get("unit"), "unit")
    unit_ids = policy.cadre_unit_ids(_user(request), unit_id=unit_id)
    rows = [r.as_dict() for r in selectors.cadre_figures(period, unit_ids)]
    for row in rows:
        for name in ("on_time_rate", "satisfaction_rate"):
            row[name] = round(row[name] * 100, 1) if row[name] is not None else None
    context = {"period": period, "units": list(units), "unit_id": unit_id, "rows": rows}
    return render(request, "supervision/cadres.html", context)


@login_required
def drilldown(request: HttpRequest) -> HttpResponse:
    """The appeals behind one figure: overseers within their jurisdiction, units for themselves."""
    j = policy.require_drilldown_reader(_user(request))
    figure = request.GET.get("figure", "")
    if figure not in FIGURE_LABELS:
        raise ValidationFailedError(
            _("未知指标“{figure}”，可选：{choices}。").format(
                figure=figure, choices="、".join(FIGURE_LABELS)
            ),
            field="figure",
        )
    period = _period(request)
    unit_id = _int(request.GET.get("unit"), "unit")
    if j.is_overseer:
        slc, _area = _overseer_slice(request, j)
    else:
        slc = j.unit_slice()
        if unit_id is not None and unit_id not in j.unit_ids:
            raise NotFoundError(_("没有找到该单位的数据，或您无权查看。"))
    if unit_id is not None:
        slc = slc.narrow(unit=unit_id)
    category_id = _int(request.GET.get("category"), "category")
    if category_id is not None:
        category = Category.objects.filter(pk=category_id).first()
        if category is None:
            raise NotFoundError(_("没有找到该分类。"))
        slc = slc.narrow(category=category)
    qs = (
        selectors.appeals_behind(figure, period, slc)
        .select_related("unit", "area", "category")
        .order_by("-submitted_at")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # A figure counts events (an appeal dispatched twice is two 派单): say how many, beside the
    # appeals listed, so the page shows the dashboard's number (false closures count appeals).
    events = None if figure == "false_closures" else selectors.events_behind(figure, period, slc).count()
    return render(
        request,
        "supervision/drilldown.html",
        {
            "figure": figure,
            "figure_label": FIGURE_LABELS[figure],
            "period": period,
            "page": page,
            "events": events,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def warnings_list(request: HttpRequest) -> HttpResponse:
    j = policy.require_overseer(_user(request))
    status = request.GET.get("status", WarningStatus.OPEN)
    if status not in WarningStatus.values:
        raise ValidationFailedError(_("预警状态只能是 open（预警中）或 cleared（已解除）。"), field="status")
    page = Paginator(selectors.warnings_visible(j, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "supervision/warnings.html", {"page": page, "status": status})


@login_required
def weak_replies(request: HttpRequest) -> HttpResponse:
    j = policy.require_overseer(_user(request))
    page = Paginator(selectors.weak_replies(j), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_payloads(page.object_list)
    return render(
        request, "supervision/replies.html", {"page": page, "threshold": selectors.WEAK_REPLY_THRESHOLD}
    )


@login_required
def orders_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    j = policy.require_order_reader(user)
    page = Paginator(policy.orders_visible(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/orders.html", {"page": page, "overseer": j.is_overseer})


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    j = policy.require_overseer(user)
    source = request.POST if request.method == "POST" else request.GET
    warning: RaisedWarning | None = None
    appeal: Appeal | None = None
    if (wid := _int(source.get("warning"), "warning")) is not None:
        warning = selectors.warnings_visible(j, status="").filter(pk=wid).first()
        if warning is None:
            raise NotFoundError(_("没有找到该预警，或它不在您的督查范围内。"))
        appeal = warning.appeal
    if (aid := _int(source.get("appeal"), "appeal")) is not None:
        appeal = Appeal.objects.select_related("area", "unit").filter(pk=aid).first()
        if appeal is None or not j.covers_area(appeal.area):
            raise NotFoundError(_("没有找到该诉求，或它不在您的督查范围内。"))
    status = 200
    if request.method == "POST":
        form = OrderForm(request.POST)
        if form.is_valid():
            try:
                order = services.order_create(
                    actor=Actor.staff(user),
                    unit=form.cleaned_data["unit"],
                    title=form.cleaned_data["title"],
                    instructions=form.cleaned_data["instructions"],
                    due_working_days=form.cleaned_data["due_working_days"],
                    warning=warning,
                    appeal=appeal,
                )
            except ValidationFailedError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("督办单 {number} 已发出。").format(number=order.number))
                return redirect("supervision:order", pk=order.pk)
        status = 400
    else:
        initial: dict[str, Any] = {}
        if warning is not None:
            initial["title"] = alerts.warning_message(warning)[:100]
            initial["unit"] = warning.unit_id or (appeal.unit_id if appeal else None)
        elif appeal is not None:
            initial["title"] = f"{appeal.tracking_number} {appeal.title}"[:100]
            initial["unit"] = appeal.unit_id
        form = OrderForm(initial=initial)
    return render(
        request,
        "supervision/order_new.html",
        {"form": form, "warning": warning, "appeal": appeal},
        status=status,
    )


def _order_context(request: HttpRequest, pk: int, **forms: Any) -> dict[str, Any]:
    user = _user(request)
    order = policy.order_get_for_user(user, pk)
    allowed = policy.order_allowed_actions(user, order)
    may_respond, may_close = OrderAction.RESPOND in allowed, OrderAction.CLOSE in allowed
    return {
        "order": order,
        "events": with_order_payloads(order.events.select_related("actor")),
        "respond_form": forms.get("respond_form") or (RespondForm() if may_respond else None),
        "close_form": forms.get("close_form") or (CloseForm() if may_close else None),
    }


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "supervision/order.html", _order_context(request, pk))


@login_required
@require_POST
def order_respond(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    order = policy.order_get_for_user(user, pk)
    policy.ensure_may_act_on_order(
        Actor.staff(user), order, OrderAction.RESPOND
    )  # authorise before validating
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            services.order_respond(order=order, actor=Actor.staff(user), text=form.cleaned_data["text"])
        except ValidationFailedError as error:
            form.add_error("text", error.message)
        else:
            messages.success(request, _("已提交反馈。"))
            return redirect("supervision:order", pk=pk)
    return render(
        request, "supervision/order.html", _order_context(request, pk, respond_form=form), status=400
    )


@login_required
@require_POST
def order_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    order = policy.order_get_for_user(user, pk)
    policy.ensure_may_act_on_order(Actor.staff(user), order, OrderAction.CLOSE)  # authorise before validating
    form = CloseForm(request.POST)
    if form.is_valid():
        services.order_close(order=order, actor=Actor.staff(user), note=form.cleaned_data["note"])
        messages.success(request, _("督办单已办结。"))
        return redirect("supervision:order", pk=pk)
    return render(request, "supervision/order.html", _order_context(request, pk, close_form=form), status=400)


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    j = follow_up_caller(_user(request))
    done = request.GET.get("status") == "done"
    qs = selectors.follow_ups_visible(j)
    qs = qs.exclude(status="pending").order_by("-done_at") if done else selectors.follow_up_queue(j)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/follow_ups.html", {"page": page, "done": done})


def _follow_up(request: HttpRequest, pk: int) -> tuple[User, FollowUp]:
    user = _user(request)
    j = follow_up_caller(user)
    follow_up = (
        selectors.follow_ups_visible(j).select_related("appeal__area", "appeal__unit").filter(pk=pk).first()
    )
    if follow_up is None:
        raise NotFoundError(_("没有找到该回访任务。"))
    return user, follow_up


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, follow_up = _follow_up(request, pk)
    contact = None
    status = 200
    form = FollowUpForm()
    if request.method == "POST":
        if "reveal" in request.POST:
            contact = services.follow_up_contact(follow_up=follow_up, actor=Actor.staff(user))
        elif "dial_sealed" in request.POST:
            services.follow_up_dial_sealed(follow_up=follow_up, actor=Actor.staff(user))
            messages.success(
                request, _("已由系统代拨群众留下的回访电话（号码保密），请接听话务并记录回访结果。")
            )
            return redirect("supervision:follow_up", pk=follow_up.pk)
        else:
            form = FollowUpForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.follow_up_record(
                        follow_up=follow_up,
                        actor=Actor.staff(user),
                        reached=data["reached"] == "yes",
                        really_solved=yes_no(data["really_solved"]),
                        satisfied=yes_no(data["satisfied"]),
                        pressured=yes_no(data["pressured"]),
                        note=data["note"],
                    )
                except DomainError as error:
                    if error.status_code != 400:
                        raise
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                else:
                    messages.success(request, _("回访结果已记录。"))
                    return redirect("supervision:follow_ups")
            status = 400
    from lianxin.appeals.privacy import contact_for

    masked = contact_for(user, follow_up.appeal)
    return render(
        request,
        "supervision/follow_up.html",
        {
            "follow_up": follow_up,
            "form": form,
            "contact": contact,
            "masked": masked,
            "now": timezone.now().astimezone(calendar.TZ),
        },
        status=status,
    )
