"""Exporting the register (CSV, the import's own columns, so a file exported can be imported
elsewhere) for those who manage households: grid workers of their grids, community staff, admins.
It holds personal data in clear, so every export is written to the audit log (how many rows)."""

from __future__ import annotations

import csv
import io

from lianxin.audit.services import AuditAction, audit_append
from lianxin.org.models import User

from . import policy
from .models import Household, Member, SpecialGroup

COLUMNS = [
    "网格编码",
    "楼栋",
    "单元",
    "房号",
    "姓名",
    "关系",
    "电话",
    "身份证号",
    "重点人群",
    "详细地址",
    "同意日期",
    "同意范围",
]
MAX_HOUSEHOLDS = 50_000


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def register_csv(*, actor: User) -> tuple[str, int]:
    """The households `actor` may manage as CSV text (UTF-8 with BOM for Excel), and the row count."""
    households = (
        Household.objects.filter(policy.households_visible_q(actor, policy.Action.MANAGE))
        .select_related("grid")
        .prefetch_related("groups")
        .order_by("grid__path", "pk")[:MAX_HOUSEHOLDS]
    )
    labels = dict(SpecialGroup.choices)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    rows = 0
    ids = []
    for h in households:
        ids.append(h.pk)
        groups = "、".join(str(labels.get(g.group, g.group)) for g in h.groups.all())
        members: list[Member] = list(h.members.all()) or [Member(name="", relation="")]
        for m in members:
            writer.writerow(
                [
                    _safe(v)
                    for v in (
                        h.grid.code,
                        h.building,
                        h.unit_no,
                        h.room,
                        m.name,
                        m.get_relation_display() if m.relation else "",
                        m.phone,
                        m.id_number,
                        groups,
                        h.address_detail,
                        h.consent_on.isoformat() if h.consent_on else "",
                        h.consent_scope,
                    )
                ]
            )
            rows += 1
    audit_append(
        action=AuditAction.PERSONAL_DATA_VIEW,
        object_type="household_export",
        object_id=len(ids),
        actor=actor,
        data={"households": len(ids), "rows": rows, "purpose": "export"},
    )
    return out.getvalue(), rows
