"""Outreach pages: a cadre's households, visits and follow-ups, the visit form (phone first, draft
kept in localStorage), a household, the leader's 联系点, coverage, the import page.

Views only parse, authorise (through selectors and the policy) and call the services. Absent and
not-yours are the same 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.appeals.attachments import AttachmentInput
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.org.models import Area, Category, User

from . import photos, policy, privacy, selectors
from .appeals_bridge import concern_to_appeal
from .importer import households_import
from .models import Concern, FollowUp, Member, SpecialGroup
from .services import (
    ConcernInput,
    FollowUpInput,
    VisitInput,
    assignment_create,
    assignment_end,
    follow_up_done,
    visit_add_photos,
    visit_log,
)

MAX_FORM_CONCERNS = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _date(value: str, *, field: str, default: dt.date | None = None) -> dt.date:
    value = (value or "").strip()
    if not value and default is not None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailedError(
            _("日期“{v}”格式不正确，应为 YYYY-MM-DD。").format(v=value[:20]), field=field
        ) from None


def _pk(value: str, *, field: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise ValidationFailedError(_("{field} 应为数字编号。").format(field=field), field=field)
    return int(value)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("outreach:mine")


@login_required
def my_households(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    lines = selectors.my_households(_user(request), today)
    return render(request, "outreach/mine.html", {"lines": lines, "today": today})


@login_required
def my_visits(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/visits.html", {"visits": selectors.my_visits(_user(request))})


@login_required
@require_http_methods(["GET", "POST"])
def my_follow_ups(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        pk = _pk(request.POST.get("id", ""), field="id")
        follow = (
            FollowUp.objects.select_related("visit__household__grid").filter(pk=pk, visit__cadre=user).first()
        )
        if follow is None:
            raise NotFoundError(_("承诺事项不存在或您无权处理。"))
        follow_up_done(actor=user, follow_up=follow)
        messages.success(request, _("已标记为完成。"))
        return redirect("outreach:follow_ups")
    return render(
        request,
        "outreach/follow_ups.html",
        {"items": selectors.my_follow_ups(user), "today": timezone.localdate()},
    )


@login_required
def points(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    summaries = [selectors.point_summary(p, today) for p in selectors.my_points(_user(request))]
    return render(request, "outreach/points.html", {"summaries": summaries})


@login_required
def households(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    phone = request.GET.get("phone", "").strip()[:20]
    if phone:
        qs = selectors.households_by_identifier(user, phone=phone)
    else:
        qs = selectors.households_visible_to(user)
    page = list(qs.prefetch_related("groups")[:200])
    return render(
        request,
        "outreach/households.html",
        {
            "households": [(h, selectors.group_labels(h)) for h in page],
            "phone": phone,
            "may_import": policy.manageable_area_paths(user) != (),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = selectors.household_get_for_user(user, pk)
    reveal = request.method == "POST" and request.POST.get("reveal") == "1"
    members = privacy.members_for(
        user, household, reveal=reveal, purpose=request.POST.get("purpose", "")[:50]
    )
    visits = household.visits.select_related("cadre").prefetch_related(
        "concerns__appeal", "follow_ups", "photos"
    )[:50]
    return render(
        request,
        "outreach/household.html",
        {
            "household": household,
            "members": members,
            "groups": selectors.group_labels(household),
            "address": privacy.address_for(user, household, revealed=reveal),
            "may_reveal": privacy.may_reveal(user, household) and not reveal,
            "may_visit": policy.can(user, household, policy.Action.LOG_VISIT),
            "visits": visits,
            "max_photos": photos.MAX_VISIT_PHOTOS,
            "may_manage": policy.can(user, household, policy.Action.MANAGE),
            "assignments": household.assignments.select_related("cadre")[:20],
        },
    )


@login_required
@require_POST
def household_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Tie a cadre (by login name) to the household, or end an assignment (`end` = its id)."""
    user = _user(request)
    household = selectors.household_get_for_user(user, pk, policy.Action.MANAGE)
    if request.POST.get("end"):
        assignment = household.assignments.filter(pk=_pk(request.POST["end"], field="end")).first()
        if assignment is None:
            raise NotFoundError(_("联系关系不存在或您无权管理。"))
        assignment_end(actor=user, assignment=assignment, reason=request.POST.get("reason", ""))
        messages.success(request, _("联系关系已结束。"))
    else:
        username = request.POST.get("username", "").strip()[:150]
        cadre = User.objects.filter(username=username, is_active=True).first()
        if cadre is None:
            raise ValidationFailedError(
                _("找不到登录名为“{name}”的干部，请核对后再分配。").format(name=username[:30]),
                field="username",
            )
        assignment_create(actor=user, cadre=cadre, household=household)
        messages.success(request, _("已分配联系干部。"))
    return redirect("outreach:household", pk=household.pk)


def _concerns_from(post: Any) -> list[ConcernInput]:
    texts = post.getlist("concern_text")[: MAX_FORM_CONCERNS + 1]
    codes = post.getlist("concern_category")
    solved = set(post.getlist("concern_solved"))
    items = []
    for i, text in enumerate(texts):
        if text.strip():
            items.append(
                ConcernInput(
                    text=text,
                    category_code=codes[i] if i < len(codes) else "",
                    solved_on_spot=str(i) in solved,
                )
            )
    return items


def _follow_ups_from(post: Any, visited_on: dt.date) -> list[FollowUpInput]:
    texts = post.getlist("follow_text")[: MAX_FORM_CONCERNS + 1]
    dues = post.getlist("follow_due")
    return [
        FollowUpInput(
            text=text,
            due_on=_date(
                dues[i] if i < len(dues) else "",
                field="follow_due",
                default=visited_on + dt.timedelta(days=7),
            ),
        )
        for i, text in enumerate(texts)
        if text.strip()
    ]


def _photos_from(request: HttpRequest) -> list[AttachmentInput]:
    files = request.FILES.getlist("photos")
    if len(files) > photos.MAX_VISIT_PHOTOS:
        raise ValidationFailedError(
            _("每次走访最多 {n} 张照片。").format(n=photos.MAX_VISIT_PHOTOS), field="photos"
        )
    limit = int(settings.LIANXIN["MAX_ATTACHMENT_BYTES"]) + 1  # read no more than the check needs
    return [AttachmentInput(f.name or "", f.read(limit), f.content_type or "") for f in files]


@login_required
@require_GET
def visit_photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    """A visit's photo, for those who may see the visit (the household); 404 for anyone else."""
    found = photos.photo_for(_user(request), visit_id=pk, photo_id=photo_id)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def visit_photos_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Photos sent after the visit was recorded (by those who may log visits for the household)."""
    user = _user(request)
    visit = photos.visit_for(user, pk, policy.Action.LOG_VISIT)
    added = visit_add_photos(actor=user, visit=visit, photos=_photos_from(request))
    messages.success(request, _("已添加 {n} 张照片。").format(n=len(added)))
    return redirect("outreach:household", pk=visit.household_id)


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = selectors.household_get_for_user(user, pk, policy.Action.LOG_VISIT)
    if request.method == "POST":
        visited_on = _date(
            request.POST.get("visited_on", ""), field="visited_on", default=timezone.localdate()
        )
        data = VisitInput(
            household_id=household.pk,
            visited_on=visited_on,
            said=request.POST.get("said", ""),
            companions=request.POST.get("companions", ""),
            concerns=_concerns_from(request.POST),
            follow_ups=_follow_ups_from(request.POST, visited_on),
            client_ref=request.POST.get("client_ref", "")[:64],
            photos=_photos_from(request),
        )
        visit, created = visit_log(actor=user, data=data)
        messages.success(request, _("走访已记录。") if created else _("这份走访已经记录过了。"))
        return redirect(reverse("outreach:household", args=[household.pk]) + f"?saved={visit.client_ref}")
    categories = (
        Category.objects.filter(active=True, level__lte=2).order_by("path").values_list("code", "name")
    )
    return render(
        request,
        "outreach/visit_form.html",
        {
            "household": household,
            "today": timezone.localdate(),
            "categories": list(categories),
            "draft_key": f"lianxin-visit-draft-{household.pk}",
            "max_photos": photos.MAX_VISIT_PHOTOS,
        },
    )


@login_required
@require_POST
def concern_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    concern = (
        Concern.objects.select_related("visit__household__grid", "category", "appeal").filter(pk=pk).first()
    )
    if concern is None or not policy.can(user, concern.visit.household, policy.Action.VIEW):
        raise NotFoundError(_("问题不存在或您无权处理。"))
    member = None
    if request.POST.get("member"):
        member = Member.objects.filter(
            pk=_pk(request.POST["member"], field="member"), household=concern.visit.household
        ).first()
    appeal = concern_to_appeal(
        actor=user, concern=concern, consent=request.POST.get("consent") == "1", member=member
    )
    messages.success(request, _("已转为诉求 {number}。").format(number=appeal.tracking_number))
    return redirect("outreach:household", pk=concern.visit.household_id)


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    code = request.GET.get("area", "").strip()[:40]
    level = request.GET.get("level", "community")
    if level not in selectors.LEVEL_DEPTH:
        raise ValidationFailedError(_("level 应为 street、community 或 grid。"), field="level")
    area = None
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise NotFoundError(_("区域不存在或您无权查看其走访覆盖情况。"))
    if policy.coverage_area_paths(user) == ():
        raise NotFoundError(_("区域不存在或您无权查看其走访覆盖情况。"))
    board = selectors.coverage_dashboard(user, area=area, level=level, today=timezone.localdate())
    labels = dict(SpecialGroup.choices)
    return render(
        request,
        "outreach/coverage.html",
        {
            "board": board,
            "area": area,
            "level": level,
            "group_labels": {k: str(v) for k, v in labels.items()},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if policy.manageable_area_paths(user) == ():
        raise NotFoundError(_("页面不存在或您无权使用。"))
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailedError(_("请选择要导入的 CSV 或 XLSX 文件。"), field="file")
        report = households_import(
            actor=user,
            name=upload.name or "",
            content=upload.read(),
            dry_run=request.POST.get("dry_run") == "1",
        )
    return render(request, "outreach/import.html", {"report": report})


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    """The register as CSV for those who manage households (POST: it is an audited act)."""
    from .export import register_csv

    user = _user(request)
    if policy.manageable_area_paths(user) == ():
        raise NotFoundError(_("页面不存在或您无权使用。"))
    text, _rows = register_csv(actor=user)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="households.csv"'
    return response
