"""Staff pages: the organiser's consultations, create and edit (paragraphs, phases, survey) with a
preview, publish / close / archive, the moderation queue, and feedback and decision entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.errors import DomainError, ForbiddenError, ValidationFailedError
from lianxin.org.models import Area, Unit, User
from lianxin.org.selectors import scope_of

from . import selectors, services
from .models import Audience, Consultation, ConsultationOrigin, PhaseType, QuestionKind
from .policy import allowed_actions, is_organiser, moderation_q, organising_units_q

PHASE_TYPES = list(PhaseType)


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_of(request.user).is_staff_member:  # type: ignore[arg-type]
            raise ForbiddenError(_("只有工作人员可以访问该页面。"))
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _own(request: HttpRequest, slug: str) -> Consultation:
    user = _user(request)
    c = selectors.consultation_get(user, slug)
    if not is_organiser(user, c):
        raise ForbiddenError(_("只有组织单位的工作人员可以管理该征求意见。"))
    return c


def _units(user: User) -> list[Unit]:
    return list(Unit.objects.filter(organising_units_q(user), active=True))


@staff_only
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = Consultation.objects.filter(moderation_q(user)).select_related("unit")[:200]
    queue = selectors.moderation_queue(user)
    return render(
        request,
        "consultations/staff/list.html",
        {
            "consultations": mine,
            "pending": sum(len(v) for v in queue.values()),
            "may_create": bool(_units(user)),
        },
    )


@staff_only
def staff_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    units = _units(user)
    if not units:  # the list hides the link: no form that could never be sent
        raise ForbiddenError(_("只有单位工作人员可以为本单位发起征求意见。"))
    if request.method == "POST":
        try:
            unit = next((u for u in units if u.code == request.POST.get("unit")), None)
            if unit is None:
                raise ValidationFailedError(_("请选择本单位作为组织单位。"), field="unit")
            c = services.consultation_create(
                actor=user,
                unit=unit,
                title=request.POST.get("title", ""),
                summary=request.POST.get("summary", ""),
                area=Area.objects.filter(code=request.POST.get("area", "")).first(),
                audience=request.POST.get("audience", Audience.ANYONE),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("草稿已创建，请添加条款和阶段。"))
            return redirect("consultations:staff_edit", slug=c.slug)
    return render(
        request,
        "consultations/staff/new.html",
        {
            "units": units,
            "areas": Area.objects.filter(level__in=["district", "street", "community"]),
            "audiences": Audience.choices,
            "posted": request.POST,
        },
    )


def _paragraphs(text: str) -> list[services.ParagraphInput]:
    """Paragraphs separated by blank lines; a first line starting with "#" is the heading."""
    out = []
    for block in [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]:
        first, _sep, rest = block.partition("\n")
        if first.startswith("#") and rest.strip():
            out.append(services.ParagraphInput(rest.strip(), first.lstrip("#").strip()))
        else:
            out.append(services.ParagraphInput(block))
    return out


def _questions(text: str) -> list[services.QuestionInput]:
    """One question a line: `kind | * | text | option; option` (`*` marks a required question)."""
    out = []
    for n, line in enumerate([ln.strip() for ln in text.splitlines() if ln.strip()], start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or parts[0] not in QuestionKind.values:
            raise ValidationFailedError(
                _(
                    "第 {n} 行格式应为：类型 | * | 题目 | 选项1; 选项2"
                    "（类型：single、multiple、scale、text）。"
                ).format(n=n),
                field="questions",
            )
        options = [o.strip() for o in parts[3].split(";") if o.strip()] if len(parts) > 3 else []
        out.append(services.QuestionInput(parts[2], parts[0], parts[1] == "*", options))
    return out


def _projects(text: str) -> list[services.ProjectInput]:
    """One budget project a line: `title | cost in yuan | description`."""
    out = []
    for n, line in enumerate([ln.strip() for ln in text.splitlines() if ln.strip()], start=1):
        parts = [p.strip() for p in line.split("|")]
        try:
            cost = int(parts[1].replace(",", "")) if len(parts) > 1 else -1
        except ValueError:
            cost = -1
        if cost < 0:
            raise ValidationFailedError(
                _("预算项目第 {n} 行格式应为：项目名称 | 预算（元，整数）| 说明。").format(n=n),
                field="projects",
            )
        out.append(services.ProjectInput(parts[0], cost, parts[2] if len(parts) > 2 else ""))
    return out


def _int_field(request: HttpRequest, name: str) -> int:
    raw = (request.POST.get(name) or "0").replace(",", "").strip()
    if not raw.isdigit():
        raise ValidationFailedError(_("“{field}”应为不小于 0 的整数。").format(field=name), field=name)
    return int(raw)


def _phases(request: HttpRequest) -> list[services.PhaseInput]:
    out = []
    for t in PHASE_TYPES:
        start, end = (
            parse_date(request.POST.get(f"{t}_start", "") or ""),
            parse_date(request.POST.get(f"{t}_end", "") or ""),
        )
        if start is None and end is None:
            continue
        if start is None or end is None:
            raise ValidationFailedError(
                _("“{p}”阶段请同时填写开始和结束日期。").format(p=t.label), field="phases"
            )
        tz = timezone.get_current_timezone()
        out.append(
            services.PhaseInput(
                t, dt.datetime.combine(start, dt.time(), tz), dt.datetime.combine(end, dt.time(23, 59), tz)
            )
        )
    return out


@staff_only
def staff_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    c = _own(request, slug)
    if request.method == "POST":
        try:
            with transaction.atomic():
                services.consultation_update(
                    actor=user,
                    consultation=c,
                    title=request.POST.get("title", ""),
                    summary=request.POST.get("summary", ""),
                    audience=request.POST.get("audience", c.audience),
                )
                services.paragraphs_set(
                    actor=user, consultation=c, paragraphs=_paragraphs(request.POST.get("paragraphs", ""))
                )
                services.phases_set(actor=user, consultation=c, phases=_phases(request))
                services.questions_set(
                    actor=user, consultation=c, questions=_questions(request.POST.get("questions", ""))
                )
                services.budget_set(
                    actor=user,
                    consultation=c,
                    total=_int_field(request, "budget_total"),
                    projects=_projects(request.POST.get("projects", "")),
                )
        except DomainError as exc:
            messages.error(request, exc.message)
            c.refresh_from_db()
        else:
            messages.success(request, _("已保存。可以预览后发布。"))
            return redirect("consultations:staff_edit", slug=slug)
    phases = {p.type: p for p in c.phases.all()}
    return render(
        request,
        "consultations/staff/edit.html",
        {
            "c": c,
            "allowed": allowed_actions(user, c),
            "audiences": Audience.choices,
            "phase_rows": [(t, phases.get(t)) for t in PHASE_TYPES],
            "paragraphs_text": "\n\n".join(
                (f"# {p.heading}\n" if p.heading else "") + p.text for p in c.paragraphs.all()
            ),
            "questions_text": "\n".join(
                f"{q.kind} | {'*' if q.required else '-'} | {q.text}"
                + (f" | {'; '.join(q.options)}" if q.options else "")
                for q in c.questions.all()
            ),
            "events": c.events.order_by("-at")[:20],
            "attachments": list(c.attachments.all()),
            "origin": ConsultationOrigin.objects.filter(consultation=c).select_related("category").first(),
            "projects_text": "\n".join(
                f"{p.title} | {p.cost} | {p.description}".rstrip(" |") for p in c.budget_projects.all()
            ),
        },
    )


@staff_only
@require_POST
def staff_transition(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    c = _own(request, slug)
    service = {
        "publish": services.consultation_publish,
        "close": services.consultation_close,
        "archive": services.consultation_archive,
    }.get(action)
    if service is None:
        raise ValidationFailedError(_("未知操作。"))
    try:
        service(actor=_user(request), consultation=c)
        messages.success(request, _("已完成。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("consultations:staff_edit", slug=slug)


@staff_only
def staff_moderation(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        c = _own(request, request.POST.get("slug", ""))
        try:
            services.content_moderate(
                actor=user,
                consultation=c,
                kind=request.POST.get("kind", ""),
                object_id=int(request.POST.get("object_id") or 0),
                visibility=request.POST.get("visibility", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已处理。"))
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("参数有误。")))
        return redirect("consultations:staff_moderation")
    return render(request, "consultations/staff/moderation.html", {"queue": selectors.moderation_queue(user)})


@staff_only
def staff_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    c = _own(request, slug)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "decision":
                finals = {
                    p.number: (
                        request.POST.get(f"final_{p.number}", p.text),
                        request.POST.get(f"reason_{p.number}", ""),
                    )
                    for p in c.paragraphs.all()
                }
                services.decision_publish(
                    actor=user, consultation=c, summary=request.POST.get("summary", ""), final_texts=finals
                )
            else:
                services.feedback_give(
                    actor=user,
                    consultation=c,
                    kind=request.POST.get("kind", ""),
                    object_id=int(request.POST.get("object_id") or 0),
                    decision=request.POST.get("decision", ""),
                    reason=request.POST.get("reason", ""),
                )
            messages.success(request, _("已保存。"))
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("参数有误。")))
        return redirect("consultations:staff_feedback", slug=slug)
    from .models import Adoption

    return render(
        request,
        "consultations/staff/feedback.html",
        {
            "c": c,
            "opinions": selectors.feedback_queue(c)[:200],
            "review": selectors.review_queue(c),
            "proposals": c.proposals.filter(feedback__isnull=True, visibility="visible")[:200],
            "decisions": Adoption.choices,
            "paragraphs": c.paragraphs.all(),
            "figures": selectors.feedback_figures(c),
            "allowed": allowed_actions(user, c),
        },
    )


@staff_only
def staff_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """`export.xlsx` (all sheets) or `export-<sheet>.csv`; pseudonyms only, every export audited."""
    from . import exports

    c = _own(request, slug)
    user = _user(request)
    if fmt == "xlsx":
        data = exports.export_xlsx(actor=user, consultation=c)
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{c.slug}.xlsx"'
        return response
    sheet = fmt.removeprefix("csv-")
    if sheet not in exports.SHEETS:
        raise ValidationFailedError(
            _("导出格式只能是 xlsx 或 csv-opinions、csv-proposals、csv-survey、csv-votes。"), field="format"
        )
    response = HttpResponse(
        exports.export_csv(actor=user, consultation=c, sheet=sheet), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{c.slug}-{sheet}.csv"'
    return response


@staff_only
def staff_analysis(request: HttpRequest, slug: str) -> HttpResponse:
    """Per paragraph: counts, support / oppose, key words and the main points (clusters of opinions)."""
    from .points import opinion_points

    c = _own(request, slug)
    return render(request, "consultations/staff/analysis.html", {"c": c, "rows": opinion_points(c)})


def _hearing_post(request: HttpRequest, user: User, c: Consultation) -> str:
    step = request.POST.get("step")
    hearing_id = int(request.POST.get("hearing") or 0)
    if step == "create":
        when = parse_datetime(request.POST.get("starts_at", "") or "")
        if when is None:
            raise ValidationFailedError(_("请填写时间，例如 2026-12-20 14:30。"), field="starts_at")
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        services.hearing_create(
            actor=user,
            consultation=c,
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            starts_at=when,
            place=request.POST.get("place", ""),
            capacity=_int_field(request, "capacity"),
            agenda=request.POST.get("agenda", ""),
        )
    elif step == "select":
        services.hearing_select(actor=user, consultation=c, hearing_id=hearing_id)
    elif step == "check_in":
        services.hearing_check_in(
            actor=user,
            consultation=c,
            hearing_id=hearing_id,
            registration_id=int(request.POST.get("registration") or 0),
        )
    elif step == "minutes":
        opinions = [line.strip() for line in request.POST.get("opinions", "").splitlines() if line.strip()]
        services.hearing_minutes(
            actor=user,
            consultation=c,
            hearing_id=hearing_id,
            minutes=request.POST.get("minutes", ""),
            opinions=opinions,
        )
    else:
        raise ValidationFailedError(_("未知操作。"))
    return _("已保存。")


@staff_only
def staff_hearings(request: HttpRequest, slug: str) -> HttpResponse:
    """Forums and hearings of a consultation: create, select representatives, check in, minutes."""
    user = _user(request)
    c = _own(request, slug)
    if request.method == "POST":
        try:
            messages.success(request, _hearing_post(request, user, c))
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("参数有误。")))
        return redirect("consultations:staff_hearings", slug=slug)
    from .models import Hearing, HearingKind

    return render(
        request,
        "consultations/staff/hearings.html",
        {
            "c": c,
            "kinds": HearingKind.choices,
            "hearings": Hearing.objects.filter(consultation=c).prefetch_related("registrations__participant"),
        },
    )
