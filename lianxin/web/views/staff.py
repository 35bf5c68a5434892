"""The staff workbench: queues, the case page and its actions, notifications (the hotline: hotline.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lianxin.activities.policy import is_organiser_anywhere
from lianxin.appeals import events, services
from lianxin.appeals.actors import Actor
from lianxin.appeals.counting import count_for_pager
from lianxin.appeals.filters import AppealFilter, SearchStyle, area_paths, category_paths
from lianxin.appeals.intake import AttachmentInput
from lianxin.appeals.merged import merge_proposals
from lianxin.appeals.models import Appeal, EventType, Status
from lianxin.appeals.policy import (
    ACTION_LABELS,
    Action,
    allowed_actions,
    ensure_allowed,
    may_dispatch_somewhere,
    may_take_hotline_calls,
    sees_calendar_gaps,
    staff_queues_for,
)
from lianxin.appeals.privacy import contact_for, may_see_contact
from lianxin.appeals.review_rules import pending_review
from lianxin.appeals.routing import units_for_dispatch
from lianxin.appeals.selectors import (
    appeal_get_for_user,
    appeals_filtered,
    appeals_visible_to,
    full_timeline,
    pending_extensions,
    queue,
    recent_appeals_from_phone,
)
from lianxin.core.errors import DomainError, ForbiddenError, NotFoundError
from lianxin.notifications.selectors import notifications_for
from lianxin.notifications.services import notification_mark_read
from lianxin.org.models import Role, Unit, User
from lianxin.org.selectors import area_choices_above_grids, area_choices_by_street, category_choices, scope_of
from lianxin.worktime.calendar import missing_schedules

from ..forms import (
    BulkDispatchForm,
    CallbackForm,
    ChaseForm,
    CoHandlerForm,
    ContactForm,
    DecideExtensionForm,
    DispatchForm,
    ExtensionForm,
    FieldRecordForm,
    JudgeReturnForm,
    MergeForm,
    NoteForm,
    QueueFilterForm,
    ReasonForm,
    ReclassifyForm,
    RedispatchForm,
    ReplyForm,
    TextForm,
    add_domain_error,
)

PAGE_SIZE = 25
COUNT_CAP = 999

QUEUE_LABELS = {
    "to_dispatch": gettext_lazy("待派单"),
    "returned": gettext_lazy("被退回"),
    "to_accept": gettext_lazy("待签收"),
    "in_progress": gettext_lazy("办理中"),
    "due_soon": gettext_lazy("即将超期"),
    "overdue": gettext_lazy("已超期"),
    "awaiting_rating": gettext_lazy("待评价"),
    "extensions": gettext_lazy("待审批延期"),
    "reply_review": gettext_lazy("待审核答复"),
    "closed": gettext_lazy("已办结"),
    "all": gettext_lazy("全部诉求"),
}

# The staff buttons: the policy's action names, a few spelled out as what the button does.
ACTION_TEXT = {
    **ACTION_LABELS,
    Action.REPLY: gettext_lazy("答复群众"),
    Action.ANSWER_DIRECTLY: gettext_lazy("直接答复并办结"),
    Action.APPROVE_REPLY: gettext_lazy("审核通过并答复群众"),
    Action.CONTACT_RESIDENT: gettext_lazy("记录联系群众"),
    Action.CALLBACK: gettext_lazy("回访记录"),
    Action.CHASE: gettext_lazy("催办/补充"),
    Action.FIELD_RECORD: gettext_lazy("现场核查 / 拍照 / 回告"),
}

Handler = Callable[[Appeal, Actor, dict[str, Any]], object]


def _uploaded(file: Any) -> list[AttachmentInput]:
    """A form's uploaded file as the services' input (none: an empty list)."""
    return [AttachmentInput(file.name, file.read(), file.content_type)] if file else []


# Each staff action: its small form and the one service function it calls.
ACTIONS: dict[str, tuple[type[forms.Form], Handler]] = {
    Action.DISPATCH: (
        DispatchForm,
        lambda a, actor, d: services.appeal_dispatch(appeal=a, actor=actor, unit=d["unit"], note=d["note"]),
    ),
    Action.REDISPATCH: (
        RedispatchForm,
        lambda a, actor, d: services.appeal_redispatch(appeal=a, actor=actor, unit=d["unit"], note=d["note"]),
    ),
    Action.ACCEPT: (
        NoteForm,
        lambda a, actor, d: services.appeal_accept(appeal=a, actor=actor, note=d["note"]),
    ),
    Action.RETURN: (
        ReasonForm,
        lambda a, actor, d: services.appeal_return(appeal=a, actor=actor, reason=d["reason"]),
    ),
    Action.ADD_CO_HANDLER: (
        CoHandlerForm,
        lambda a, actor, d: services.appeal_add_co_handler(
            appeal=a, actor=actor, unit=d["unit"], note=d["note"]
        ),
    ),
    Action.CO_REPLY: (
        TextForm,
        lambda a, actor, d: services.appeal_co_reply(appeal=a, actor=actor, text=d["text"]),
    ),
    Action.REQUEST_EXTENSION: (
        ExtensionForm,
        lambda a, actor, d: services.appeal_request_extension(
            appeal=a, actor=actor, working_days=d["working_days"], reason=d["reason"]
        ),
    ),
    Action.DECIDE_EXTENSION: (
        DecideExtensionForm,
        lambda a, actor, d: services.appeal_decide_extension(
            appeal=a, actor=actor, approve=d["approve"] == "yes", note=d["note"]
        ),
    ),
    Action.REPLY: (
        ReplyForm,
        lambda a, actor, d: services.appeal_reply(
            appeal=a,
            actor=actor,
            text=d["text"],
            attachments_public=bool(d.get("attachment_public")),
            attachments=_uploaded(d.get("attachment")),
            result=d["result"],
            contacted=d.get("contacted") or "",
        ),
    ),
    Action.FIELD_RECORD: (
        FieldRecordForm,
        lambda a, actor, d: services.appeal_field_record(
            appeal=a, actor=actor, kind=d["kind"], note=d["note"], photos=_uploaded(d.get("photo"))
        ),
    ),
    Action.APPROVE_REPLY: (
        NoteForm,
        lambda a, actor, d: services.appeal_approve_reply(appeal=a, actor=actor, note=d["note"]),
    ),
    Action.REJECT_REPLY: (
        ReasonForm,
        lambda a, actor, d: services.appeal_reject_reply(appeal=a, actor=actor, reason=d["reason"]),
    ),
    Action.ANSWER_DIRECTLY: (
        TextForm,
        lambda a, actor, d: services.appeal_answer_directly(appeal=a, actor=actor, text=d["text"]),
    ),
    Action.MERGE: (
        MergeForm,
        lambda a, actor, d: services.appeal_merge(appeal=a, actor=actor, into=d["into"], note=d["note"]),
    ),
    Action.WITHDRAW: (
        ReasonForm,
        lambda a, actor, d: services.appeal_withdraw(appeal=a, actor=actor, reason=d["reason"]),
    ),
    Action.RECLASSIFY: (
        ReclassifyForm,
        lambda a, actor, d: services.appeal_reclassify(
            appeal=a, actor=actor, category=d["category"], area=d["area"], reason=d["reason"]
        ),
    ),
    Action.CONTACT_RESIDENT: (
        ContactForm,
        lambda a, actor, d: services.appeal_record_contact(
            appeal=a, actor=actor, method=d["method"], note=d["note"]
        ),
    ),
    Action.JUDGE_RETURN: (
        JudgeReturnForm,
        lambda a, actor, d: services.appeal_judge_return(
            appeal=a, actor=actor, justified=d["justified"] == "yes", note=d["note"]
        ),
    ),
    Action.CHASE: (
        ChaseForm,
        lambda a, actor, d: services.appeal_chase(appeal=a, actor=actor, kind=d["kind"], note=d["note"]),
    ),
    Action.CALLBACK: (
        CallbackForm,
        lambda a, actor, d: services.appeal_callback_record(
            appeal=a,
            actor=actor,
            outcome=d["outcome"],
            satisfaction=d["satisfaction"],
            solved={"yes": True, "no": False}.get(d["solved"] or ""),
            note=d["note"],
            reopen_reason=d["reopen_reason"],
        ),
    ),
}

DONE_TEXT = {
    Action.DISPATCH: gettext_lazy("已派单。"),
    Action.REDISPATCH: gettext_lazy("已改派。"),
    Action.ACCEPT: gettext_lazy("已签收。"),
    Action.RETURN: gettext_lazy("已退单。"),
    Action.ADD_CO_HANDLER: gettext_lazy("已增加协办单位。"),
    Action.CO_REPLY: gettext_lazy("已提交协办意见。"),
    Action.REQUEST_EXTENSION: gettext_lazy("延期申请已提交。"),
    Action.DECIDE_EXTENSION: gettext_lazy("已审批延期申请。"),
    Action.REPLY: gettext_lazy("已答复，等待群众评价。"),
    Action.ANSWER_DIRECTLY: gettext_lazy("已答复并办结。"),
    Action.MERGE: gettext_lazy("已并案。"),
    Action.WITHDRAW: gettext_lazy("已撤回。"),
    Action.RECLASSIFY: gettext_lazy("已改分类；承办单位和办理时限不变。"),
    Action.APPROVE_REPLY: gettext_lazy("审核通过，已答复群众。"),
    Action.REJECT_REPLY: gettext_lazy("已退回答复，承办人修改后重新提交。"),
    Action.CONTACT_RESIDENT: gettext_lazy("已记录联系群众。"),
    Action.CHASE: gettext_lazy("已记录催办/补充，已通知承办单位。"),
    Action.JUDGE_RETURN: gettext_lazy("已记录退单审核意见。"),
    Action.CALLBACK: gettext_lazy("已记录回访结果。"),
    Action.FIELD_RECORD: gettext_lazy("已记录现场情况。"),
}


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Logged-in staff only: anonymous visitors go to the login page, residents get a 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_of(request.user).is_staff_member:  # type: ignore[arg-type]
            raise ForbiddenError(_("工作台仅供工作人员使用。群众可以在首页反映和查询诉求。"))
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapper


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def queues_for(user: User) -> list[str]:
    """The queues the workbench offers `user`, in order (who sees which: `appeals.policy`)."""
    return staff_queues_for(scope_of(user))


def capped_count(qs: QuerySet[Appeal], cap: int | None = None) -> tuple[int, bool]:
    """The queue's size: exact up to the cap, beyond it PostgreSQL's estimate, shown as "约 N"
    (`appeals.counting`); the second value says whether it is exact."""
    counted = count_for_pager(qs, cap=COUNT_CAP if cap is None else cap)
    return counted.n, counted.exact


@require_GET
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    counts = []
    for name in queues_for(user):
        n, exact = capped_count(queue(user, name))
        counts.append({"name": name, "label": QUEUE_LABELS[name], "n": n, "exact": exact})
    scope = scope_of(user)
    return render(
        request,
        "web/staff/home.html",
        {
            "counts": counts,
            "roles": [Role(r).label for r in sorted(scope.roles)],
            "may_hotline": may_take_hotline_calls(scope),
            # the activities workbench only for those it serves (the walk of linked pages found a 403)
            "may_organise": is_organiser_anywhere(user),
            # administrators keep the calendar: tell them when a year's holidays are missing
            "calendar_gaps": missing_schedules(timezone.localdate()) if sees_calendar_gaps(scope) else [],
        },
    )


def queue_filter(form: QueueFilterForm) -> AppealFilter:
    """The queue's filter form as the shared `AppealFilter`; an unknown code finds nothing (the
    form offers only known ones), an invalid form filters nothing."""
    if not form.is_valid():
        return AppealFilter()
    data = form.cleaned_data
    return AppealFilter(
        text=data.get("q") or "",
        search=SearchStyle.QUEUE,
        category_paths=category_paths([data["category"]]) if data.get("category") else None,
        area_paths=area_paths([data["area"]]) if data.get("area") else None,
        kind=data.get("kind") or "",
        urgency=data.get("urgency") or "",
        channel=data.get("channel") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


@require_GET
@staff_required
def queue_view(request: HttpRequest, name: str) -> HttpResponse:
    """A work queue with filters and search; "previous/next" paging without COUNT(*)."""
    user = _user(request)
    if name not in QUEUE_LABELS:
        raise NotFoundError(_("没有这个队列。"))
    form = QueueFilterForm(
        request.GET or None, categories=category_choices(), areas=area_choices_above_grids()
    )
    try:
        qs = appeals_filtered(queue(user, name), queue_filter(form), user=user)
    except ForbiddenError as exc:  # a search this role may not make: say so, find nothing
        messages.error(request, exc.message)
        qs = Appeal.objects.none()
    qs = qs.order_by(*qs.query.order_by, "id").select_related("category", "area", "unit")
    page = _page_number(request)
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if name == "extensions":  # the request beside each appeal: days, the deadline it would give, reason
        found = pending_extensions(rows)
        for appeal in rows:
            appeal.pending_extension = found.get(appeal.pk)  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    bulk = name in ("to_dispatch", "returned") and may_dispatch_somewhere(scope_of(user))
    return render(
        request,
        "web/staff/queue.html",
        {
            "name": name,
            "label": QUEUE_LABELS[name],
            "form": form,
            "appeals": rows,
            "page": page,
            "has_next": has_next,
            "has_prev": page > 1,
            "query": params.urlencode(),
            "bulk": bulk,
            "bulk_form": BulkDispatchForm(auto_id="bulk-%s") if bulk else None,
            "queues": [(n, QUEUE_LABELS[n]) for n in [*queues_for(user), "all"]],
            "now": timezone.now(),
        },
    )


@require_POST
@staff_required
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch several appeals to one unit; each goes through
    `appeal_dispatch`, failures reported one by one."""
    user = _user(request)
    if not may_dispatch_somewhere(
        scope_of(user)
    ):  # before reading the form: the same refusal whatever was sent
        raise ForbiddenError(_("只有派单员和管理员可以批量派单。"))
    back = request.POST.get("back") or reverse("web:queue", args=["to_dispatch"])
    if not back.startswith("/staff/"):
        back = reverse("web:queue", args=["to_dispatch"])
    unit = (
        Unit.objects.filter(pk=request.POST.get("unit") or 0, active=True).first()
        if (request.POST.get("unit") or "").isdigit()
        else None
    )
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:200]
    if unit is None:
        messages.error(request, _("请选择承办单位后再批量派单。"))
        return redirect(back)
    if not ids:
        messages.error(request, _("请至少勾选一件诉求。"))
        return redirect(back)
    actor = Actor.staff(user)
    done, failed = [], []
    for pk in ids:
        try:
            appeal = appeal_get_for_user(user, pk=pk)
        except NotFoundError as error:
            # absent or not the dispatcher's to see: the same answer, naming only what was sent
            failed.append(f"#{pk}：{error.message}")
            continue
        try:
            services.appeal_dispatch(appeal=appeal, actor=actor, unit=unit)
            done.append(appeal.tracking_number)
        except DomainError as error:
            failed.append(f"{appeal.tracking_number}：{error.message}")
    if done:
        messages.success(request, _("已派单 %(n)d 件：%(list)s") % {"n": len(done), "list": "、".join(done)})
    for line in failed:
        messages.error(request, _("未能派单 %(line)s") % {"line": line})
    return redirect(back)


def _action_form(action: str, *args: Any, **kwargs: Any) -> forms.Form:
    """The action's form, with the choices it needs read here (forms do not query)."""
    if action == Action.RECLASSIFY:
        kwargs.update(categories=category_choices(), areas=area_choices_by_street())
    return ACTIONS[action][0](*args, **kwargs)


def _action_forms(appeal: Appeal, actions: list[str], bound: dict[str, forms.Form]) -> list[dict[str, Any]]:
    suggested = appeal.suggested_unit
    if suggested is None and appeal.status in (Status.SUBMITTED, Status.RETURNED):
        options = units_for_dispatch(appeal.category, appeal.area)
        suggested = options[0] if options else None
    result = []
    for action in actions:
        if action not in ACTIONS:
            continue
        form = bound.get(action)
        if form is None:
            initial: dict[str, Any] = (
                {"unit": suggested.pk} if action == Action.DISPATCH and suggested else {}
            )
            if action == Action.RECLASSIFY:
                initial = {
                    "category": appeal.category.code if appeal.category else "",
                    "area": appeal.area.code if appeal.area else "",
                }
            form = _action_form(action, prefix=action, initial=initial)
        result.append({"name": action, "label": ACTION_TEXT[action], "form": form, "open": action in bound})
    return result


@require_GET
@staff_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, appeal_get_for_user(_user(request), pk=pk))


def _render_case(
    request: HttpRequest,
    appeal: Appeal,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
    contact_revealed: bool = False,
) -> HttpResponse:
    user = _user(request)
    actions = allowed_actions(Actor.staff(user), appeal)
    similar: list[Appeal] = []
    if appeal.contact_phone:
        similar = list(
            recent_appeals_from_phone(appeal.contact_phone, days=365, exclude_pk=appeal.pk).filter(
                pk__in=appeals_visible_to(user).values("pk")
            )[:5]
        )
    timeline = events.with_payloads(full_timeline(appeal))
    return render(
        request,
        "web/staff/appeal.html",
        {
            "appeal": appeal,
            "events": timeline,
            "suggestion": appeal.suggestion or {},
            "similar": similar,
            "attachments": list(appeal.attachments.all()),
            "co_handlers": list(appeal.co_handlers.select_related("unit")),
            "extensions": list(
                appeal.extensions.select_related("unit", "requested_by").order_by("-requested_at")[:5]
            ),
            "contact": contact_for(user, appeal),
            "may_reveal": may_see_contact(user, appeal),
            "actions": _action_forms(appeal, actions, bound or {}),
            "pending_review": pending_review(appeal),
            "merge_proposals": merge_proposals(appeal) if Action.MERGE in actions else [],
            "chase_count": sum(1 for e in timeline if e.type == EventType.CHASED),  # no extra query
            "now": timezone.now(),
        },
        status=status,
    )


@require_POST
@staff_required
def appeal_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Carry out one action from the case page; errors come back beside the field, input kept."""
    user = _user(request)
    appeal = appeal_get_for_user(user, pk=pk)
    if action not in ACTIONS:
        raise NotFoundError(_("没有这个操作。"))
    handler = ACTIONS[action][1]
    try:
        ensure_allowed(Actor.staff(user), appeal, action)  # authorise before validating the form
    except DomainError as error:
        messages.error(request, error.message)
        return _render_case(request, appeal, status=error.status_code)
    form = _action_form(action, request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            done = handler(appeal, Actor.staff(user), form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error.field, error.message)
            appeal = appeal_get_for_user(user, pk=pk)
            if action not in allowed_actions(Actor.staff(user), appeal):
                messages.error(request, error.message)
                return _render_case(request, appeal, status=error.status_code)
            return _render_case(request, appeal, bound={action: form}, status=error.status_code)
        held = action == Action.REPLY and getattr(done, "status", None) == Status.ACCEPTED
        messages.success(
            request, _("答复已提交审核，审核通过后群众才能看到。") if held else str(DONE_TEXT[action])
        )
        try:
            appeal_get_for_user(user, pk=pk)
        except NotFoundError:
            # e.g. a handler who returned the appeal no longer sees it.
            return redirect("web:staff_home")
        return redirect("web:appeal", pk=pk)
    return _render_case(request, appeal, bound={action: form}, status=400)


@require_POST
@staff_required
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the unmasked name and phone to a role that may see them; the look is audit-logged."""
    user = _user(request)
    appeal = appeal_get_for_user(user, pk=pk)
    if not may_see_contact(user, appeal):
        raise ForbiddenError(_("您的角色不能查看群众的完整联系方式。"))
    contact = contact_for(user, appeal, reveal=True, purpose="web_case_page")
    if request.headers.get("HX-Request"):
        return render(
            request,
            "web/staff/partials/contact.html",
            {"appeal": appeal, "contact": contact, "may_reveal": False},
        )
    return _render_case(request, appeal)


@require_GET
@staff_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    appeal = appeal_get_for_user(_user(request), pk=pk)
    attachment = appeal.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFoundError(_("没有这个附件。"))
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=attachment.original_name,
        as_attachment=attachment.content_type == "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- notifications -------------------------------------------------------------------------------


@staff_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        raw = request.POST.get("id", "")
        n = notification_mark_read(user_id=user.pk, notification_id=int(raw) if raw.isdigit() else None)
        messages.success(request, _("已标记 %(n)d 条为已读。") % {"n": n})
        return redirect("web:notifications")
    items = list(notifications_for(user.pk)[:100])
    return render(request, "web/staff/notifications.html", {"items": items})
