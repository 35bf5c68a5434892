"""Importing a category tree from a table of paths (一级分类, 二级分类, 三级分类)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError

from .models import Category


@dataclass
class ImportResult:
    created: int = 0
    existing: int = 0


def read_category_rows(path: Path) -> list[list[str]]:
    """Rows of category names, one column per level; the first row is a header."""
    if not path.exists():
        raise ValidationFailedError(_("找不到文件 {path}。").format(path=path), field="file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [[cell.strip() for cell in row] for row in csv.reader(handle)]
    except UnicodeDecodeError:
        raise ValidationFailedError(
            _("文件不是 UTF-8 编码的 CSV，请另存为 UTF-8 后再导入。"), field="file"
        ) from None
    if len(rows) < 2:
        raise ValidationFailedError(_("文件没有分类行：第一行是表头，其后每行一条分类路径。"), field="file")
    body = [row for row in rows[1:] if any(row)]
    for number, row in enumerate(body, start=2):
        names = [n for n in row if n]
        if len(names) > 3:
            raise ValidationFailedError(_("第 {line} 行超过三级分类。").format(line=number), field="file")
        if any(len(n) > 100 for n in names):
            raise ValidationFailedError(
                _("第 {line} 行的分类名称超过 100 字。").format(line=number), field="file"
            )
    return body


@transaction.atomic
def categories_import(*, rows: Iterable[list[str]]) -> ImportResult:
    """Create the categories named by each row's path; existing ones (same name, same parent) are kept.

    New codes are positional: `07`, `07-03`, `07-03-12` (level by level, in order of appearance).
    """
    result = ImportResult()
    cache: dict[tuple[int | None, str], Category] = {}
    for row in rows:
        parent: Category | None = None
        for name in [n for n in row if n]:
            key = (parent.pk if parent else None, name)
            category = cache.get(key) or Category.objects.filter(parent=parent, name=name).first()
            if category is None:
                siblings = Category.objects.filter(parent=parent).count()
                prefix = f"{parent.code}-" if parent else ""
                code = f"{prefix}{siblings + 1:02d}"
                while Category.objects.filter(code=code).exists():
                    siblings += 1
                    code = f"{prefix}{siblings + 1:02d}"
                category = Category.objects.create(code=code, name=name, parent=parent)
                result.created += 1
            elif key not in cache:
                result.existing += 1
            cache[key] = category
            parent = category
    return result
