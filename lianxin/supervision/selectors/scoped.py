"""The slice a caller may ask figures for (the KPI API): overseers within their jurisdiction,
a unit's staff for their own unit, nobody else."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lianxin.core.errors import Forbidden, NotFound
from lianxin.org.models import Area, Category, Role, Unit, User
from lianxin.org.selectors import scope_of

from .periods import Slice, jurisdiction_of


def caller_slice(user: User | None, *, area: str = "", unit: str = "", category: str = "") -> Slice:
    """The caller's slice narrowed by area, unit and category codes ("" for none).

    Overseers (supervisors, leaders, admins) get their jurisdiction and may narrow it to an area
    inside it or to any unit; a unit's handlers or leader get their units only (an area code is
    still allowed: their unit's figures in that area). An unknown code, or one outside what the
    caller may see, is a 404 that says so."""
    j = jurisdiction_of(user)
    own_units = j.unit_ids | scope_of(user).units_for(Role.LEADER)
    if j.is_overseer:
        slc = j.slice()
    elif own_units:
        slc = Slice(unit_ids=frozenset(own_units))
    else:
        raise Forbidden(_("考核数据仅对督查员、领导、管理员和承办单位工作人员开放。"))
    if unit:
        found = Unit.objects.filter(code=unit).first()
        if found is None or (not j.is_overseer and found.pk not in own_units):
            raise NotFound(_("没有找到单位“{code}”，或它不在您的查看范围内。").format(code=unit))
        slc = slc.narrow(unit=found)
    if area:
        found_area = Area.objects.filter(code=area).first()
        if found_area is None or (j.is_overseer and not j.covers_area(found_area)):
            raise NotFound(_("没有找到区域“{code}”，或它不在您的督查范围内。").format(code=area))
        slc = slc.narrow(area=found_area)
    if category:
        found_category = Category.objects.filter(code=category).first()
        if found_category is None:
            raise NotFound(_("没有找到分类“{code}”。").format(code=category))
        slc = slc.narrow(category=found_category)
    return slc
