"""HTML to PDF with WeasyPrint, one place for every app's documents (reports, certificates,
mediation agreements). WeasyPrint needs Pango from the system; where it is missing the caller gets
a clear 503 that says what to install, never a 500."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lianxin.core.errors import DomainError


class PdfUnavailableError(DomainError):
    status_code = 503
    code = "pdf_unavailable"


def pdf_unavailable() -> PdfUnavailableError | None:
    """The error to give when this server cannot render PDFs (None when it can)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # WeasyPrint needs Pango from the system
        return PdfUnavailableError(
            _(
                "此服务器无法生成 PDF（缺少 Pango 库：{error}）。请安装 libpango-1.0-0 和 fonts-noto-cjk，"
                "或下载 HTML / Excel 版本。"
            ).format(error=exc.__class__.__name__)
        )
    return None


def html_to_pdf(html: str) -> bytes:
    """Render a whole HTML document (with its own @page CSS) to PDF bytes, now."""
    error = pdf_unavailable()
    if error is not None:
        raise error
    from weasyprint import HTML

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
