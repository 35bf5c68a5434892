"""Proactive tasks: proposing (the periodic job and `lianxin proactive propose`), accepting with an
owner and a deadline, dismissing, recording the outcome; subscriptions. Every state change is one
keyword-only function, recorded as a `ProactiveTaskEvent` and an audit entry."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, Status
from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.errors import ConflictError, ForbiddenError, ValidationFailedError
from lianxin.core.sms import SMS_MAX_LENGTH, sms_send
from lianxin.notifications.services import notify_users
from lianxin.org.models import Area, AreaLevel, Category, Role, RoleAssignment, Unit, User

from . import detection, policy
from .events import Accepted, Dismissed, Done, Proposed, record
from .models import ProactiveTask, Subscription, TaskKind, TaskStatus

logger = logging.getLogger(__name__)
MAX_TEXT = 2000
MAX_OUTCOME = 4000
MAX_DEADLINE_DAYS = 366


# --- proposing ------------------------------------------------------------------------------------


def _community_of() -> dict[int, int]:
    """Every area's community (or itself above the community level): patterns are per community."""
    rows = {pk: (level, parent) for pk, level, parent in Area.objects.values_list("pk", "level", "parent_id")}
    out = {}
    for pk, (_level, _parent) in rows.items():
        cur = pk
        while rows.get(cur, ("", None))[0] == AreaLevel.GRID and rows[cur][1] is not None:
            cur = rows[cur][1]
        out[pk] = cur
    return out


def _records(today: dt.date, *, building_days: int) -> list[detection.Record]:
    """Appeals since 1 January last year, as plain records; addresses (encrypted: decrypted row by
    row) are read only for the last `building_days`."""
    since = dt.date(today.year - 1, 1, 1)
    community = _community_of()
    live = Appeal.objects.exclude(status__in=(Status.MERGED, Status.WITHDRAWN))
    recent = today - dt.timedelta(days=building_days)
    buildings = {
        pk: detection.building_key(address)
        for pk, address in live.filter(submitted_at__date__gte=recent)
        .values_list("pk", "address")
        .iterator(chunk_size=2000)
        if address
    }
    rows = live.filter(submitted_at__date__gte=since).values_list(
        "pk", "category_id", "area_id", "submitted_at"
    )
    return [
        detection.Record(
            pk, cat, community.get(area) if area else None, timezone.localdate(at), buildings.get(pk, "")
        )
        for pk, cat, area, at in rows.iterator(chunk_size=5000)
    ]


def _title_and_reason(p: detection.Proposal) -> tuple[str, str]:
    cat = (
        Category.objects.filter(pk=p.category_id).values_list("name", flat=True).first()
        if p.category_id
        else None
    ) or _("（未分类）")
    area = (
        Area.objects.filter(pk=p.area_id).values_list("name", flat=True).first() if p.area_id else None
    ) or _("全区")
    f = p.facts
    if p.kind == TaskKind.RECURRING:
        return (
            _("{area}：{cat}问题反复出现").format(area=area, cat=cat),
            _("近 {n} 个月每月都有同类诉求（{counts} 件）。").format(
                n=f["months"], counts="、".join(str(c) for c in f["counts"])
            ),
        )
    if p.kind == TaskKind.BUILDING:
        return (
            _("{building}：同一楼栋多次诉求").format(building=f["building"]),
            _("{days} 天内同一楼栋 {count} 件诉求，主要是{cat}。").format(
                days=f["days"], count=f["count"], cat=cat
            ),
        )
    if p.kind == TaskKind.SEASONAL:
        return (
            _("{cat}：{month} 月的季节性问题").format(cat=cat, month=f["month"]),
            _("去年 {month} 月有 {count} 件，月均 {average} 件；请在旺季前处置。").format(**f),
        )
    return (
        _("热点：{label}").format(label=f["label"]),
        _("近期相似诉求 {size} 件，集中在 {places}。").format(
            size=f["size"], places="、".join(map(str, f["places"])) or "—"
        ),
    )


def proposals_generate(*, today: dt.date | None = None, building_days: int = 60) -> dict[str, int]:
    """Run every detector over the appeal data and propose each new pattern once (by its key)."""
    today = today or timezone.localdate()
    records = _records(today, building_days=building_days)
    found = [
        *detection.recurring(records, today=today),
        *detection.repeated_buildings(records, today=today, days=building_days),
        *detection.seasonal(records, today=today),
        *detection.hotspots(_text_hotspots(), today=today),
    ]
    by_id = {r.id: r for r in records}
    for p in found:
        if p.kind == TaskKind.HOTSPOT and p.category_id is None:  # its most common category: for the counts
            cats = [by_id[i].category_id for i in p.appeal_ids if i in by_id and by_id[i].category_id]
            p.category_id = max(set(cats), key=cats.count) if cats else None
    created: dict[str, int] = {k.value: 0 for k in TaskKind}
    existing = set(ProactiveTask.objects.filter(key__in=[p.key for p in found]).values_list("key", flat=True))
    for p in found:
        if p.key in existing:
            continue
        title, reason = _title_and_reason(p)
        try:
            with transaction.atomic():
                task = ProactiveTask.objects.create(
                    kind=p.kind,
                    key=p.key[:200],
                    title=title[:200],
                    reason=reason,
                    category_id=p.category_id,
                    area_id=p.area_id,
                    proposed_at=timezone.now(),
                )
                task.evidence.set(Appeal.objects.filter(pk__in=p.appeal_ids[:200]))
                record(task, Proposed(evidence=len(p.appeal_ids), facts=_json(p.facts)), actor=None)
        except IntegrityError:  # another run proposed it meanwhile
            continue
        created[p.kind] += 1
    return created


def _json(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if isinstance(v, (str, int, float, list))}


def _text_hotspots() -> list[dict[str, Any]]:
    from lianxin.supervision.selectors.hotspots import text_hotspots

    return text_hotspots(days=30) or []


# --- deciding and doing ---------------------------------------------------------------------------


def _owner_user_ids(task: ProactiveTask) -> set[int]:
    ids: set[int] = set()
    if task.owner_unit_id:
        ids |= set(
            RoleAssignment.objects.filter(unit_id=task.owner_unit_id, role=Role.HANDLER).values_list(
                "user_id", flat=True
            )
        )
    if task.owner_grid_id:
        from lianxin.outreach.models import AssignmentKind, ContactAssignment

        ids |= set(
            RoleAssignment.objects.filter(area_id=task.owner_grid_id, role=Role.GRID_WORKER).values_list(
                "user_id", flat=True
            )
        )
        ids |= set(
            ContactAssignment.objects.filter(
                kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True, household__grid_id=task.owner_grid_id
            ).values_list("cadre_id", flat=True)
        )
    return ids


def task_accept(
    *,
    task: ProactiveTask,
    actor: User,
    deadline: dt.date,
    owner_unit: Unit | None = None,
    owner_grid: Area | None = None,
    instructions: str = "",
) -> ProactiveTask:
    """立项交办: a supervisor makes a proposal a task with an owner (a unit
    or a grid's cadres) and a deadline."""
    if not policy.can(actor, task, policy.Action.DECIDE):
        raise ForbiddenError(_("只有辖区督查员可以对待研判的建议立项。"))
    if (owner_unit is None) == (owner_grid is None):
        raise ValidationFailedError(_("请指定一个责任单位或一个责任网格（二者选一）。"), field="owner")
    if owner_grid is not None and owner_grid.level != AreaLevel.GRID:
        raise ValidationFailedError(_("责任网格应为网格一级的区域。"), field="owner_grid")
    today = timezone.localdate()
    if not today <= deadline <= today + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise ValidationFailedError(_("完成时限应在今天到一年之内。"), field="deadline")
    if len(instructions) > MAX_TEXT:
        raise ValidationFailedError(_("工作要求不能超过 {n} 字。").format(n=MAX_TEXT), field="instructions")
    with transaction.atomic():
        locked = ProactiveTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != TaskStatus.PROPOSED:
            raise ConflictError(_("这条建议已经处理过了。"))
        task.status, task.owner_unit, task.owner_grid = TaskStatus.OPEN, owner_unit, owner_grid
        task.deadline, task.instructions, task.accepted_at = deadline, instructions.strip(), timezone.now()
        task.save(
            update_fields=["status", "owner_unit", "owner_grid", "deadline", "instructions", "accepted_at"]
        )
        record(
            task,
            Accepted(
                deadline=deadline.isoformat(),
                owner_unit=owner_unit.pk if owner_unit else None,
                owner_grid=owner_grid.pk if owner_grid else None,
            ),
            actor=actor,
            note=task.instructions,
        )
        notify_users(
            user_ids=_owner_user_ids(task),
            title=_("主动治理任务：{t}").format(t=task.title),
            body=_("请在 {d} 前办理并反馈结果。").format(d=deadline.isoformat()),
            link=reverse("proactive:task", args=[task.pk]),
            kind="proactive_task",
        )
    return task


def task_dismiss(*, task: ProactiveTask, actor: User, reason: str) -> ProactiveTask:
    if not policy.can(actor, task, policy.Action.DECIDE):
        raise ForbiddenError(_("只有辖区督查员可以对待研判的建议作出决定。"))
    reason = reason.strip()
    if not reason or len(reason) > MAX_TEXT:
        raise ValidationFailedError(
            _("请写明不予立项的理由（{n} 字以内）。").format(n=MAX_TEXT), field="reason"
        )
    with transaction.atomic():
        locked = ProactiveTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != TaskStatus.PROPOSED:
            raise ConflictError(_("这条建议已经处理过了。"))
        task.status = TaskStatus.DISMISSED
        task.save(update_fields=["status"])
        record(task, Dismissed(), actor=actor, note=reason)
    return task


def task_record_outcome(*, task: ProactiveTask, actor: User, outcome: str) -> ProactiveTask:
    """The owner (or a supervisor) records what was done; subscribers of the area/category are told."""
    if not policy.can(actor, task, policy.Action.RECORD_OUTCOME):
        raise ForbiddenError(_("只有责任单位、责任网格的干部或督查员可以反馈办理中任务的结果。"))
    outcome = outcome.strip()
    if not outcome or len(outcome) > MAX_OUTCOME:
        raise ValidationFailedError(
            _("请填写办理结果（{n} 字以内）。").format(n=MAX_OUTCOME), field="outcome"
        )
    with transaction.atomic():
        locked = ProactiveTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != TaskStatus.OPEN:
            raise ConflictError(_("只有办理中的任务可以反馈结果。"))
        task.status, task.outcome, task.done_at = TaskStatus.DONE, outcome, timezone.now()
        task.save(update_fields=["status", "outcome", "done_at"])
        record(task, Done(), actor=actor, note=outcome)
        subscribers_notify(
            area=task.area,
            category=task.category,
            kind="proactive_outcome",
            title=_("主动治理结果：{t}").format(t=task.title),
            body=outcome[:500],
        )
    return task


# --- subscriptions --------------------------------------------------------------------------------

MAX_SUBSCRIPTIONS = 20


def _subscription_target(area: Area | None, category: Category | None) -> None:
    if area is None and category is None:
        raise ValidationFailedError(_("请选择要订阅的区域或类别（至少一项）。"), field="area")


def subscription_create(
    *, user: User, area: Area | None = None, category: Category | None = None
) -> Subscription:
    if not user.is_authenticated:
        raise ForbiddenError(_("请先登录再订阅。"))
    _subscription_target(area, category)
    if Subscription.objects.filter(user=user).count() >= MAX_SUBSCRIPTIONS:
        raise ValidationFailedError(_("每个账户最多订阅 20 项，请先取消一些。"), field="area")
    sub, _created = Subscription.objects.get_or_create(user=user, area=area, category=category)
    return sub


def subscription_create_for_phone(
    *, phone: str, area: Area | None = None, category: Category | None = None
) -> Subscription:
    """Subscribe a phone without an account. `phone` must come from `core.phoneverify.verified_phone`
    (the view's proof); notices go out by SMS, each with the unsubscribe link."""
    if not phone:
        raise ForbiddenError(_("请先验证手机号再订阅。"))
    _subscription_target(area, category)
    phone_hash = phone_lookup_hash(phone)
    if Subscription.objects.filter(phone_hash=phone_hash).count() >= MAX_SUBSCRIPTIONS:
        raise ValidationFailedError(_("每个手机号最多订阅 20 项，请先退订一些。"), field="area")
    sub, created = Subscription.objects.get_or_create(
        phone_hash=phone_hash, area=area, category=category, defaults={"phone": phone}
    )
    if created:
        what = "、".join(x.name for x in (area, category) if x is not None)
        text = _("【连心】已订阅“{what}”的通知公告、计划施工和主动治理结果。").format(what=what[:60])
        transaction.on_commit(lambda: _sms(sub, text))
    return sub


def subscription_cancel(*, token: str) -> bool:
    """Unsubscribe by the link's token (no login needed). False when there is no such subscription."""
    return Subscription.objects.filter(token=token[:40]).delete()[0] > 0


def subscribers_of(*, area: Area | None, category: Category | None) -> list[Subscription]:
    """Subscriptions that match: to the area or an area above it (any category, or this one), or to
    the category (or one above it) anywhere."""
    from django.db.models import Q

    area_ids: list[int] = []
    if area is not None:
        parts = area.path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        area_ids = list(Area.objects.filter(path__in=prefixes).values_list("pk", flat=True)) or [area.pk]
    cat_ids: list[int] = []
    cur = category
    while cur is not None and len(cat_ids) < 10:
        cat_ids.append(cur.pk)
        cur = cur.parent
    cat_q = Q(category__isnull=True) | Q(category_id__in=cat_ids)
    q = (Q(area_id__in=area_ids) & cat_q) if area_ids else Q(pk__in=[])
    if cat_ids:
        q |= Q(area__isnull=True, category_id__in=cat_ids)
    return list(Subscription.objects.filter(q).select_related("user"))


def unsubscribe_url(sub: Subscription) -> str:
    base = str(settings.LIANXIN.get("PUBLIC_BASE_URL", "")).rstrip("/")
    return base + reverse("proactive:unsubscribe", args=[sub.token])


def _sms(sub: Subscription, text: str) -> None:
    """One text to a phone subscriber, ending with the unsubscribe link; a provider failure is logged."""
    tail = _(" 退订：{link}").format(link=unsubscribe_url(sub))
    room = SMS_MAX_LENGTH - len(tail)
    body = text if len(text) <= room else text[: room - 1] + "…"
    try:
        sms_send(number=sub.phone, text=body + tail, reference=f"subscription-{sub.pk}")
    except Exception:
        logger.exception("SMS to subscription %s failed", sub.pk)


def subscribers_notify(
    *, area: Area | None, category: Category | None, title: str, body: str, kind: str = "subscription"
) -> int:
    """Tell every matching subscriber (notices, planned works, task outcomes): one notification per
    account, one SMS per phone (after commit), each with its own unsubscribe link. Any app may call
    it. Returns how many were told."""
    subs = subscribers_of(area=area, category=category)
    seen: set[int] = set()
    phones: set[str] = set()
    for sub in subs:
        if sub.user_id is None:
            if sub.phone_hash in phones:
                continue
            phones.add(sub.phone_hash)
            text = f"【连心】{title}：{body}"
            transaction.on_commit(lambda sub=sub, text=text: _sms(sub, text))  # type: ignore[misc]
            continue
        if sub.user is None or sub.user_id in seen or not sub.user.is_active:
            continue
        seen.add(sub.user_id)
        unsubscribe = reverse("proactive:unsubscribe", args=[sub.token])
        notify_users(
            user_ids=[sub.user_id],
            title=title,
            body=f"{body}\n\n" + _("退订：{link}").format(link=unsubscribe),
            link=reverse("proactive:subscriptions"),
            kind=kind,
        )
    return len(seen) + len(phones)
