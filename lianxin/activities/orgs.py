"""Social organizations (社会组织) and volunteers: registration, members, profiles."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import ConflictError, ForbiddenError, ValidationFailedError
from lianxin.org.models import Area, User

from .events import Payload, record
from .models import (
    TEXT_MAX,
    TITLE_MAX,
    EventType,
    Membership,
    Organization,
    OrgKind,
    Project,
    VolunteerProfile,
)
from .policy import is_organiser_anywhere, may_organise_in
from .services import _text

MAX_TAGS = 20
TAG_MAX = 20


def _tags(values: list[str], *, field: str) -> list[str]:
    if len(values) > MAX_TAGS:
        raise ValidationFailedError(_("最多 {n} 项。").format(n=MAX_TAGS), field=field)
    tags: list[str] = []
    for value in values:
        value = (value or "").strip()
        if len(value) > TAG_MAX:
            raise ValidationFailedError(_("每项最多 {n} 个字符。").format(n=TAG_MAX), field=field)
        if value and value not in tags:
            tags.append(value)
    return tags


def may_manage_organization(user: User | None, organization: Organization) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if Membership.objects.filter(organization=organization, user=user, manager=True).exists():
        return True
    areas = list(organization.areas.all())
    return any(may_organise_in(user, a) for a in areas) if areas else is_organiser_anywhere(user)


def organization_register(
    *,
    actor: User,
    name: str,
    kind: str,
    areas: list[Area],
    registration_number: str = "",
    categories: list[str] | None = None,
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Organization:
    """Register an organization serving `areas`; only the cadres of every one of them may."""
    if not areas:
        raise ValidationFailedError(_("请至少选择一个服务区域。"), field="areas")
    if not all(may_organise_in(actor, a) for a in areas):
        raise ForbiddenError(_("只有服务区域的社区工作人员可以登记社会组织。"))
    if kind not in OrgKind.values:
        raise ValidationFailedError(
            _("组织类型应为：{k}。").format(k="、".join(OrgKind.values)), field="kind"
        )
    try:
        with transaction.atomic():
            org = Organization.objects.create(
                name=_text(name, field="name", max_length=TITLE_MAX),
                kind=kind,
                registration_number=_text(
                    registration_number, field="registration_number", max_length=40, required=False
                ),
                categories=_tags(categories or [], field="categories"),
                description=_text(description, field="description", max_length=TEXT_MAX, required=False),
                contact_name=_text(contact_name, field="contact_name", max_length=50, required=False),
                contact_phone=_text(contact_phone, field="contact_phone", max_length=20, required=False),
            )
            org.areas.set(areas)
            record(
                EventType.ORG_REGISTERED,
                actor=actor,
                organization=org,
                audit=True,
                payload=Payload(extra={"name": org.name}),
            )
    except IntegrityError:
        raise ConflictError(_("已有同名的组织“{name}”。").format(name=name), field="name") from None
    return org


def organization_add_member(
    *, actor: User, organization: Organization, user: User, manager: bool = False
) -> Membership:
    if not may_manage_organization(actor, organization):
        raise ForbiddenError(_("只有该组织的负责人或服务区域的社区工作人员可以添加成员。"))
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"manager": manager}
        )
        if not created:
            raise ConflictError(_("该用户已经是本组织成员。"), code="already_member")
        record(
            EventType.ORG_MEMBER_ADDED,
            actor=actor,
            organization=organization,
            payload=Payload(subject_user_id=user.pk, extra={"manager": manager}),
        )
    return membership


def volunteer_profile_save(
    *, actor: User, skills: list[str], areas: list[Area], availability: str = ""
) -> VolunteerProfile:
    """A person's own volunteer profile: skills, the areas they serve, when they are free."""
    if not actor.is_authenticated:
        raise ForbiddenError(_("请先登录。"), code="login_required")
    with transaction.atomic():
        profile, _created = VolunteerProfile.objects.get_or_create(user=actor)
        profile.skills = _tags(skills, field="skills")
        profile.availability = _text(availability, field="availability", max_length=200, required=False)
        profile.save()
        profile.areas.set(areas[:MAX_TAGS])
    return profile


def project_add(
    *,
    actor: User,
    organization: Organization,
    title: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    description: str = "",
) -> Project:
    """A project the organization runs; its managers or the cadres of its areas record it."""
    if not may_manage_organization(actor, organization):
        raise ForbiddenError(_("只有该组织的负责人或服务区域的社区工作人员可以登记服务项目。"))
    if ended_on is not None and ended_on < started_on:
        raise ValidationFailedError(_("结束日期不能早于开始日期。"), field="ended_on")
    with transaction.atomic():
        project = Project.objects.create(
            organization=organization,
            title=_text(title, field="title", max_length=TITLE_MAX),
            description=_text(description, field="description", max_length=TEXT_MAX, required=False),
            started_on=started_on,
            ended_on=ended_on,
        )
        record(
            EventType.ORG_PROJECT_ADDED,
            actor=actor,
            organization=organization,
            payload=Payload(extra={"project": project.pk, "title": project.title}),
        )
    return project
