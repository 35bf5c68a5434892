"""`lianxin report --period 2026-10 [--area CODE] [--format pdf|html|xlsx] [--output PATH] [--publish]`"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from lianxin.core.errors import DomainError
from lianxin.org.models import Area
from lianxin.supervision.selectors import Period

from ... import rendering, services


class Command(BaseCommand):
    help = (
        "Generate the monthly or quarterly evaluation report (a draft version, shown on /reports/) "
        "and write it as PDF, HTML or XLSX. Figures come from the KPI rollups as last refreshed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="A month (2026-10) or a quarter (2026-Q3).")
        parser.add_argument("--area", default="", help="Area code (default: the whole platform).")
        parser.add_argument("--format", choices=("pdf", "html", "xlsx"), default="pdf")
        parser.add_argument("--output", default="", help="File to write (default: ./<report name>.<format>).")
        parser.add_argument(
            "--publish", action="store_true", help="Publish (freeze) the report after generating it."
        )
        parser.add_argument("--language", default="zh-hans", choices=("zh-hans", "en"))

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(options["language"])
        try:
            period = Period.parse(options["period"])
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from None
        if period.kind not in ("month", "quarter") or not options["period"].strip():
            raise CommandError(
                "--period must be a month such as 2026-10 or a quarter such as 2026-Q3.", returncode=2
            )
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"No area with code {options['area']!r}.", returncode=2)
        started = time.perf_counter()
        fmt = options["format"]
        # Synchronous: the PDF is rendered here (not queued) and stored as the report's current
        # rendering, so the web serves the same file without rendering it again.
        try:
            report = services.report_generate(
                period=period, area=area, actor=services.SERVER, queue_pdf=False
            )
            if options["publish"]:
                report = services.report_publish(report=report, actor=services.SERVER, queue_pdf=False)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from None
        generated = time.perf_counter()
        pdf = b""
        if fmt == "pdf" or options["publish"]:
            try:
                pdf = rendering.render_pdf(report)
            except DomainError as exc:
                raise CommandError(exc.message, returncode=2) from None
            services.report_pdf_store(report=report, language=translation.get_language(), body=pdf)
        if fmt == "pdf":
            body = pdf
        elif fmt == "xlsx":
            body = rendering.render_xlsx(report)
        else:
            body = rendering.render_html(report).encode()
        output = Path(options["output"] or f"{report.file_stem}.{fmt}")
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(body)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}", returncode=2) from None
        done = time.perf_counter()
        self.stdout.write(
            f"Report #{report.pk} {report.period_label} v{report.version} ({report.get_status_display()}) "
            f"written to {output} ({len(body)} bytes; data {generated - started:.2f}s, "
            f"{fmt} {done - generated:.2f}s)"
        )
