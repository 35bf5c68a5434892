from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.errors import ValidationFailedError
from lianxin.org.categories import categories_import, read_category_rows


class Command(BaseCommand):
    help = "Import a category tree from a CSV whose columns are the levels (e.g. 一级分类,二级分类,三级分类)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = categories_import(rows=read_category_rows(options["file"]))
        except ValidationFailedError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Categories: {result.created} created, {result.existing} already present.")
