"""What a report PDF looks like apart from its content: a digest of the files it is drawn from.

A stored PDF is current while the report's content key is unchanged (`Report.pdf_key`). The key
includes this digest, so a release that changes the report's templates, its charts, its renderer
or its translations makes every stored rendering stale: the next request renders it again
instead of serving the old layout for ever. The digest is computed once per process.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import to_locale

_APP_DIR = Path(__file__).resolve().parent
_SOURCES = ("rendering.py", "charts.py")


def _layout_files(language: str) -> list[tuple[str, Path]]:
    """(stable name, path) of each file; names do not depend on where the project is installed,
    so the web processes and the workers of one release agree on the digest."""
    files = [
        (path.relative_to(_APP_DIR).as_posix(), path)
        for path in sorted((_APP_DIR / "templates" / "reports").rglob("*"))
    ]
    files += [(name, _APP_DIR / name) for name in _SOURCES]
    for number, base in enumerate(settings.LOCALE_PATHS):
        mo = Path(base) / to_locale(language) / "LC_MESSAGES" / "django.mo"
        files.append((f"locale{number}/{language}/django.mo", mo))
    return [(name, path) for name, path in files if path.is_file()]


@functools.cache
def layout_digest(language: str) -> str:
    """A short hash of everything, other than the report's data, that a PDF in `language` shows."""
    digest = hashlib.sha256()
    for name, path in _layout_files(language):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@receiver(setting_changed)
def _forget_digest(*, setting: str, **kwargs: object) -> None:
    if setting == "LOCALE_PATHS":
        layout_digest.cache_clear()
