"""Importing a community's household register from CSV or XLSX.

One row per member; rows with the same grid + building + unit + room form one household. Columns
(Chinese or English headers): 网格编码/grid, 楼栋/building, 单元/unit, 房号/room, 详细地址/address,
姓名/name, 关系/relation, 电话/phone, 身份证号/id_number, 重点人群/groups (separated by 、 or ,),
同意日期/consent_on, 同意范围/consent_scope.

A dry run checks every row and lists each refused one with its reason (bad phone, unknown grid,
a household already registered, …) and writes nothing; the real run writes the households whose
rows are all good, in one transaction, and refuses the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import DomainError, ValidationFailedError
from lianxin.org.models import User

from .models import Relation
from .services import HouseholdInput, MemberInput, household_register, validate_household

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
HEADERS = {
    "网格编码": "grid",
    "grid": "grid",
    "楼栋": "building",
    "building": "building",
    "单元": "unit",
    "unit": "unit",
    "房号": "room",
    "room": "room",
    "详细地址": "address",
    "address": "address",
    "姓名": "name",
    "name": "name",
    "关系": "relation",
    "relation": "relation",
    "电话": "phone",
    "phone": "phone",
    "身份证号": "id_number",
    "id_number": "id_number",
    "重点人群": "groups",
    "groups": "groups",
    "同意日期": "consent_on",
    "consent_on": "consent_on",
    "同意范围": "consent_scope",
    "consent_scope": "consent_scope",
}
REQUIRED = ("grid", "building", "room", "name")
RELATIONS = {str(label): value for value, label in Relation.choices} | {v: v for v in Relation.values}


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    households: int = 0
    members: int = 0
    refused: list[RefusedRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "households": self.households,
            "members": self.members,
            "refused": [{"line": r.line, "reason": r.reason} for r in self.refused],
        }


def read_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file, keyed by column."""
    if len(content) > MAX_BYTES:
        raise ValidationFailedError(_("文件超过 10 MB，请分成几个文件导入。"), field="file")
    raw: list[list[object]]
    if name.lower().endswith(".xlsx"):
        raw = _xlsx_rows(content)
    elif name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030", errors="replace")
        raw = [list[object](row) for row in csv.reader(io.StringIO(text))]
    else:
        raise ValidationFailedError(_("只支持 .csv 或 .xlsx 文件。"), field="file")
    if not raw:
        raise ValidationFailedError(_("文件是空的。"), field="file")
    columns = [
        HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip(), "")) for h in raw[0]
    ]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationFailedError(
            _("缺少必需的列：{cols}（表头应包括 网格编码、楼栋、房号、姓名）。").format(
                cols=", ".join(missing)
            ),
            field="file",
        )
    if len(raw) - 1 > MAX_ROWS:
        raise ValidationFailedError(_("一次最多导入 {n} 行。").format(n=MAX_ROWS), field="file")
    return [
        {c: str(v if v is not None else "").strip() for c, v in zip(columns, row, strict=False) if c}
        for row in raw[1:]
    ]


def _xlsx_rows(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailedError(
            _("无法读取该 XLSX 文件，请确认它是 Excel 工作簿。"), field="file"
        ) from None
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _consent(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationFailedError(
            _("同意日期“{v}”应为 YYYY-MM-DD。").format(v=value[:20]), field="consent_on"
        ) from None


def _group_rows(
    rows: list[dict[str, str]], report: ImportReport
) -> dict[tuple[str, str, str, str], list[tuple[int, dict[str, str]]]]:
    grouped: dict[tuple[str, str, str, str], list[tuple[int, dict[str, str]]]] = {}
    for line, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        report.rows += 1
        key = (row.get("grid", ""), row.get("building", ""), row.get("unit", ""), row.get("room", ""))
        grouped.setdefault(key, []).append((line, row))
    return grouped


def _household_input(lines: list[tuple[int, dict[str, str]]]) -> HouseholdInput:
    first = lines[0][1]
    members = []
    for _line, row in lines:
        relation = RELATIONS.get(row.get("relation", "") or "户主")
        if relation is None:
            raise ValidationFailedError(
                _("关系“{v}”无效，可选：{c}。").format(
                    v=row.get("relation", "")[:20], c="、".join(str(label) for _v, label in Relation.choices)
                ),
                field="relation",
            )
        members.append(
            MemberInput(
                name=row.get("name", ""),
                relation=relation,
                phone=row.get("phone", ""),
                id_number=row.get("id_number", ""),
            )
        )
    groups = sorted(
        {
            g.strip()
            for _l, row in lines
            for g in row.get("groups", "").replace("、", ",").split(",")
            if g.strip()
        }
    )
    return HouseholdInput(
        grid_code=first.get("grid", ""),
        building=first.get("building", ""),
        unit_no=first.get("unit", ""),
        room=first.get("room", ""),
        address_detail=first.get("address", ""),
        groups=groups,
        members=members,
        consent_on=_consent(first.get("consent_on", "")),
        consent_scope=first.get("consent_scope", ""),
    )


def households_import(*, actor: User, name: str, content: bytes, dry_run: bool) -> ImportReport:
    """Check (and unless `dry_run`, write) a register file; every refused row is listed with why."""
    report = ImportReport(dry_run=dry_run)
    grouped = _group_rows(read_rows(name, content), report)
    good: list[HouseholdInput] = []
    for lines in grouped.values():
        try:
            data = _household_input(lines)
            validate_household(data, actor=actor)
        except DomainError as error:
            report.refused.extend(RefusedRow(line, error.message) for line, _row in lines)
            continue
        good.append(data)
        report.households += 1
        report.members += len(data.members)
    report.refused.sort(key=lambda r: r.line)
    if dry_run:
        return report
    with transaction.atomic():
        for data in good:
            household_register(actor=actor, data=data, source="import")
        audit_append(
            action=AuditAction.STATE_CHANGE,
            object_type="household_import",
            object_id=name[:100],
            actor=actor,
            data={"households": report.households, "members": report.members, "refused": len(report.refused)},
        )
    return report
