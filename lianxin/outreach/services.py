"""Every state change of outreach: one keyword-only function each, atomic, recorded as an event row
(and in the audit log where it touches who is tied to whom). Web, API, CLI and tasks call these."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.attachments import AttachmentInput
from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.crypto import (
    id_number_lookup_hash,
    is_valid_id_number,
    normalise_id_number,
    normalise_phone,
    phone_lookup_hash,
)
from lianxin.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.org.models import Area, AreaLevel, Category, User
from lianxin.org.selectors import in_area_subtree

from . import events, policy
from .events import record
from .models import (
    ADDRESS_MAX,
    CLIENT_REF_MAX,
    COMPANIONS_MAX,
    CONCERN_MAX,
    CONSENT_SCOPE_MAX,
    FOLLOW_UP_MAX,
    NAME_MAX,
    TEXT_MAX,
    AssignmentKind,
    Concern,
    ContactAssignment,
    FollowUp,
    Household,
    HouseholdGroup,
    Member,
    Relation,
    SpecialGroup,
    Visit,
    VisitPhoto,
)
from .photos import check_photos, save_photos

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{9,11}$|^\d{7,8}$")
DOOR_PART = re.compile(r"^[0-9A-Za-z\-]{1,10}$")
DEFAULT_HOUSEHOLD_LIMIT = 10
MAX_CONCERNS = 20
MAX_FOLLOW_UPS = 20
MAX_MEMBERS = 20


def household_limit() -> int:
    """How many households one cadre may be tied to at once (联系户 per person)."""
    return int(settings.LIANXIN.get("OUTREACH_HOUSEHOLD_LIMIT", DEFAULT_HOUSEHOLD_LIMIT))


# --- validation ------------------------------------------------------------------------------------


def clean_phone(value: str, *, field_name: str = "phone") -> str:
    phone = normalise_phone(value)
    if value.strip() and not (MOBILE.match(phone) or LANDLINE.match(phone)):
        raise ValidationFailedError(
            _("电话“{value}”格式不正确：请填写 11 位手机号或带区号的固定电话。").format(
                value=value.strip()[:20]
            ),
            field=field_name,
        )
    return phone


def clean_door(building: str, unit_no: str, room: str) -> tuple[str, str, str]:
    parts = (building.strip(), unit_no.strip(), room.strip())
    for value, name, label, required in (
        (parts[0], "building", _("楼栋"), True),
        (parts[1], "unit_no", _("单元"), False),
        (parts[2], "room", _("房号"), True),
    ):
        if not value and not required:
            continue
        if not DOOR_PART.match(value):
            raise ValidationFailedError(
                _("{label}“{value}”无效：请填写 1–10 位数字或字母（如 3、A、1-2）。").format(
                    label=label, value=value[:20]
                ),
                field=name,
            )
    return parts


def grid_by_code(code: str) -> Area:
    grid = Area.objects.filter(code=code.strip(), level=AreaLevel.GRID).first()
    if grid is None:
        raise ValidationFailedError(
            _("网格编码“{code}”不存在，请填写系统中的网格编码。").format(code=code.strip()[:40]), field="grid"
        )
    return grid


def clean_groups(values: list[str]) -> list[str]:
    groups = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        label_to_value = {str(label): key for key, label in SpecialGroup.choices}
        key = value if value in SpecialGroup.values else label_to_value.get(value)
        if key is None:
            raise ValidationFailedError(
                _("重点人群“{value}”无效，可选：{choices}。").format(
                    value=value[:20], choices="、".join(str(label) for _k, label in SpecialGroup.choices)
                ),
                field="groups",
            )
        groups.append(key)
    return sorted(set(groups))


@dataclass
class MemberInput:
    name: str
    relation: str = Relation.HEAD
    phone: str = ""
    id_number: str = ""


@dataclass
class HouseholdInput:
    grid_code: str
    building: str
    room: str
    unit_no: str = ""
    address_detail: str = ""
    groups: list[str] = field(default_factory=list)
    members: list[MemberInput] = field(default_factory=list)
    consent_on: dt.date | None = None
    consent_scope: str = ""


def _clean_member(data: MemberInput) -> MemberInput:
    name = data.name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailedError(_("成员姓名必填，最多 {n} 字。").format(n=NAME_MAX), field="members.name")
    if data.relation not in Relation.values:
        raise ValidationFailedError(
            _("与户主关系“{value}”无效，可选：{choices}。").format(
                value=data.relation[:20], choices=", ".join(Relation.values)
            ),
            field="members.relation",
        )
    id_number = normalise_id_number(data.id_number)
    if id_number and not is_valid_id_number(id_number):
        raise ValidationFailedError(
            _("身份证号格式不正确：应为 18 位（末位可为 X）或 15 位数字。"), field="members.id_number"
        )
    return MemberInput(
        name=name,
        relation=data.relation,
        phone=clean_phone(data.phone, field_name="members.phone"),
        id_number=id_number,
    )


def validate_household(
    data: HouseholdInput, *, actor: User
) -> tuple[Area, tuple[str, str, str], list[MemberInput]]:
    """Check a household's input and that `actor` may register it in that grid."""
    grid = grid_by_code(data.grid_code)
    paths = policy.manageable_area_paths(actor)
    if paths is not None and not in_area_subtree(grid.path, paths):
        raise ForbiddenError(
            _("您不能在网格“{grid}”登记住户：只能登记您负责的网格或社区。").format(grid=grid.name),
            code="forbidden",
        )
    door = clean_door(data.building, data.unit_no, data.room)
    if len(data.address_detail) > ADDRESS_MAX or len(data.consent_scope) > CONSENT_SCOPE_MAX:
        raise ValidationFailedError(_("详细地址和同意范围最多 200 字。"), field="address_detail")
    if len(data.members) > MAX_MEMBERS:
        raise ValidationFailedError(_("一户最多登记 {n} 名成员。").format(n=MAX_MEMBERS), field="members")
    members = [_clean_member(m) for m in data.members]
    clean_groups(data.groups)
    if Household.objects.filter(grid=grid, building=door[0], unit_no=door[1], room=door[2]).exists():
        raise ConflictError(
            _("该网格已登记 {door} 的住户，请勿重复登记。").format(
                door=Household(building=door[0], unit_no=door[1], room=door[2]).door_label()
            ),
            code="duplicate_household",
        )
    return grid, door, members


def household_register(*, actor: User, data: HouseholdInput, source: str = "form") -> Household:
    grid, door, members = validate_household(data, actor=actor)
    groups = clean_groups(data.groups)
    try:
        with transaction.atomic():
            household = Household.objects.create(
                grid=grid,
                building=door[0],
                unit_no=door[1],
                room=door[2],
                address_detail=data.address_detail.strip(),
                consent_on=data.consent_on,
                consent_scope=data.consent_scope.strip(),
                registered_on=timezone.localdate(),
            )
            HouseholdGroup.objects.bulk_create([HouseholdGroup(household=household, group=g) for g in groups])
            Member.objects.bulk_create(
                [
                    Member(
                        household=household,
                        relation=m.relation,
                        name=m.name,
                        phone=m.phone,
                        phone_hash=phone_lookup_hash(m.phone),
                        id_number=m.id_number,
                        id_hash=id_number_lookup_hash(m.id_number),
                    )
                    for m in members
                ]
            )
            record(events.Registered(source=source, members=len(members)), actor=actor, household=household)
    except IntegrityError:
        raise ConflictError(
            _("该门牌的住户刚刚已被登记，请勿重复登记。"), code="duplicate_household"
        ) from None
    return household


# --- assignments -----------------------------------------------------------------------------------


def assignment_create(
    *, actor: User, cadre: User, household: Household, started_on: dt.date | None = None
) -> ContactAssignment:
    """Tie a cadre to a household (联系户). One open assignment per household: reassigning ends the
    previous one (the history stays); each cadre at most `household_limit()` households."""
    if not policy.can(actor, household, policy.Action.MANAGE):
        raise NotFoundError(_("住户不存在或您无权管理。"))
    started_on = started_on or timezone.localdate()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=cadre.pk).first()  # serialise one cadre's limit
        open_here = ContactAssignment.objects.select_for_update().filter(
            household=household, kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True
        )
        if open_here.filter(cadre=cadre).exists():
            raise ConflictError(_("该干部已联系这户，无需重复分配。"), code="already_assigned")
        count = ContactAssignment.objects.filter(
            cadre=cadre, kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True
        ).count()
        if count >= household_limit():
            raise ConflictError(
                _("{name} 已联系 {n} 户，达到每人上限 {limit} 户；请先结束其他联系户或另选干部。").format(
                    name=cadre.display_name or cadre.username, n=count, limit=household_limit()
                ),
                code="limit_reached",
            )
        for previous in open_here:
            previous.ended_on = started_on
            previous.end_reason = _("改由他人联系")
            previous.save(update_fields=["ended_on", "end_reason"])
        assignment = ContactAssignment.objects.create(
            kind=AssignmentKind.HOUSEHOLD,
            cadre=cadre,
            household=household,
            started_on=started_on,
            created_by=actor,
        )
        record(events.Assigned(cadre=cadre.pk), actor=actor, household=household)
        audit_append(
            action=AuditAction.STATE_CHANGE,
            object_type="contact_assignment",
            object_id=assignment.pk,
            actor=actor,
            data={"cadre": cadre.pk, "household": household.pk},
        )
    return assignment


def point_assign(
    *, actor: User, cadre: User, area: Area, started_on: dt.date | None = None
) -> ContactAssignment:
    """Tie a leading cadre to a community (干部联系点). Administrators and leaders above it assign."""
    if not policy.may_assign_point(actor, area.path):
        raise ForbiddenError(_("只有上级领导或管理员可以分配联系点。"), code="forbidden")
    if area.level not in (AreaLevel.COMMUNITY, AreaLevel.STREET, AreaLevel.GRID):
        raise ValidationFailedError(_("联系点应为街道、社区或网格。"), field="area")
    with transaction.atomic():
        if ContactAssignment.objects.filter(cadre=cadre, area=area, ended_on__isnull=True).exists():
            raise ConflictError(_("该干部已联系这个联系点。"), code="already_assigned")
        assignment = ContactAssignment.objects.create(
            kind=AssignmentKind.POINT,
            cadre=cadre,
            area=area,
            started_on=started_on or timezone.localdate(),
            created_by=actor,
        )
        record(events.PointAssigned(cadre=cadre.pk, area=area.code), actor=actor)
    return assignment


def assignment_end(
    *, actor: User, assignment: ContactAssignment, reason: str = "", ended_on: dt.date | None = None
) -> ContactAssignment:
    if assignment.household is not None and not policy.can(actor, assignment.household, policy.Action.MANAGE):
        raise NotFoundError(_("联系关系不存在或您无权管理。"))
    if assignment.ended_on is not None:
        raise ConflictError(
            _("该联系关系已于 {day} 结束。").format(day=assignment.ended_on), code="already_ended"
        )
    with transaction.atomic():
        assignment.ended_on = ended_on or timezone.localdate()
        assignment.end_reason = reason.strip()[:200]
        assignment.save(update_fields=["ended_on", "end_reason"])
        record(events.AssignmentEnded(assignment=assignment.pk), actor=actor, household=assignment.household)
    return assignment


# --- visits ----------------------------------------------------------------------------------------


@dataclass
class ConcernInput:
    text: str
    category_code: str = ""
    solved_on_spot: bool = False


@dataclass
class FollowUpInput:
    text: str
    due_on: dt.date


@dataclass
class VisitInput:
    household_id: int
    visited_on: dt.date
    said: str = ""
    companions: str = ""
    concerns: list[ConcernInput] = field(default_factory=list)
    follow_ups: list[FollowUpInput] = field(default_factory=list)
    client_ref: str = ""
    photos: list[AttachmentInput] = field(default_factory=list)  # checked as appeal attachments (photos.py)


def _clean_visit(data: VisitInput) -> dict[int, Category | None]:
    today = timezone.localdate()
    if data.visited_on > today:
        raise ValidationFailedError(_("走访日期不能晚于今天。"), field="visited_on")
    if data.visited_on < today - dt.timedelta(days=90):
        raise ValidationFailedError(_("只能补录 90 天内的走访。"), field="visited_on")
    if (
        len(data.said) > TEXT_MAX
        or len(data.companions) > COMPANIONS_MAX
        or len(data.client_ref) > CLIENT_REF_MAX
    ):
        raise ValidationFailedError(
            _("走访内容最多 {n} 字，同行人员最多 200 字。").format(n=TEXT_MAX), field="said"
        )
    if len(data.concerns) > MAX_CONCERNS or len(data.follow_ups) > MAX_FOLLOW_UPS:
        raise ValidationFailedError(
            _("每次走访最多记录 {n} 个问题和 {n} 项承诺。").format(n=MAX_CONCERNS), field="concerns"
        )
    categories: dict[int, Category | None] = {}
    for i, concern in enumerate(data.concerns):
        if not concern.text.strip() or len(concern.text) > CONCERN_MAX:
            raise ValidationFailedError(
                _("第 {i} 个问题：请填写内容（最多 500 字）。").format(i=i + 1), field="concerns"
            )
        category = None
        if concern.category_code:
            category = Category.objects.filter(code=concern.category_code, active=True).first()
            if category is None:
                raise ValidationFailedError(
                    _("第 {i} 个问题：分类编码“{code}”不存在。").format(
                        i=i + 1, code=concern.category_code[:40]
                    ),
                    field="concerns",
                )
        categories[i] = category
    for i, follow in enumerate(data.follow_ups):
        if not follow.text.strip() or len(follow.text) > FOLLOW_UP_MAX:
            raise ValidationFailedError(
                _("第 {i} 项承诺：请填写内容（最多 300 字）。").format(i=i + 1), field="follow_ups"
            )
        if follow.due_on < data.visited_on:
            raise ValidationFailedError(
                _("第 {i} 项承诺：完成期限不能早于走访日期。").format(i=i + 1), field="follow_ups"
            )
    return categories


def visit_log(*, actor: User, data: VisitInput) -> tuple[Visit, bool]:
    """Record a visit with its concerns and follow-ups. The same `client_ref` (the phone's draft id)
    sent again returns the visit already recorded: (visit, created)."""
    household = Household.objects.select_related("grid").filter(pk=data.household_id).first()
    if household is None or not policy.can(actor, household, policy.Action.LOG_VISIT):
        raise NotFoundError(_("住户不存在或您无权走访记录。"))
    if data.client_ref:
        existing = Visit.objects.filter(cadre=actor, client_ref=data.client_ref).first()
        if existing is not None:
            return existing, False
    categories = _clean_visit(data)
    checked_photos = check_photos(data.photos) if data.photos else []
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household,
                cadre=actor,
                visited_on=data.visited_on,
                said=data.said.strip(),
                companions=data.companions.strip(),
                client_ref=data.client_ref,
            )
            Concern.objects.bulk_create(
                [
                    Concern(
                        visit=visit,
                        text=c.text.strip(),
                        category=categories[i],
                        solved_on_spot=c.solved_on_spot,
                    )
                    for i, c in enumerate(data.concerns)
                ]
            )
            FollowUp.objects.bulk_create(
                [FollowUp(visit=visit, text=f.text.strip(), due_on=f.due_on) for f in data.follow_ups]
            )
            Household.objects.filter(pk=household.pk).filter(
                Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=data.visited_on)
            ).update(last_visited_on=data.visited_on)
            if checked_photos:
                save_photos(visit=visit, actor=actor, checked=checked_photos)
            record(
                events.Visited(visit=visit.pk, concerns=len(data.concerns), photos=len(checked_photos)),
                actor=actor,
                household=household,
            )
    except IntegrityError:
        existing = Visit.objects.filter(cadre=actor, client_ref=data.client_ref).first()
        if existing is None:
            raise
        return existing, False
    return visit, True


def follow_up_done(*, actor: User, follow_up: FollowUp, done_on: dt.date | None = None) -> FollowUp:
    if not policy.can(actor, follow_up.visit.household, policy.Action.LOG_VISIT):
        raise NotFoundError(_("承诺事项不存在或您无权处理。"))
    if follow_up.done_on is not None:
        raise ConflictError(_("该承诺事项已完成。"), code="already_done")
    with transaction.atomic():
        follow_up.done_on = done_on or timezone.localdate()
        follow_up.save(update_fields=["done_on"])
        record(events.FollowUpDone(follow_up=follow_up.pk), actor=actor, household=follow_up.visit.household)
    return follow_up


def visit_add_photos(*, actor: User, visit: Visit, photos: list[AttachmentInput]) -> list[VisitPhoto]:
    """Add photos to a visit already recorded (a weak signal in the field: sent later)."""
    if not policy.can(actor, visit.household, policy.Action.LOG_VISIT):
        raise NotFoundError(_("走访记录不存在或您无权添加照片。"))
    if not photos:
        raise ValidationFailedError(_("请选择要上传的照片。"), field="photos")
    checked = check_photos(photos)
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        saved = save_photos(visit=locked, actor=actor, checked=checked)
        record(
            events.VisitPhotosAdded(visit=visit.pk, photos=len(saved)), actor=actor, household=visit.household
        )
    return saved
