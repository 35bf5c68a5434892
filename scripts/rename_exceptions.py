"""Rename exception classes to end in `Error` (ruff N818), everywhere they are used.

Run by `scripts/lint-fix.sh`; idempotent (a renamed name never matches again), so it can be re-run
on a tree that merged branches still using the old names. Python files: every identifier token with
an old name, and the whole word in comments and triple-quoted strings (docstrings); user-visible
single-line strings are never touched. Markdown in docs/ and README.md: the name in backticks.
A line containing `lint-fix: keep` is left alone (the compatibility aliases in core/errors.py).
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from pathlib import Path

# Names used across the tree (distinctive enough to rename wherever they appear).
EVERYWHERE = {
    "ValidationFailed": "ValidationFailedError",
    "NotFound": "NotFoundError",
    "Forbidden": "ForbiddenError",
    "TransitionNotAllowed": "TransitionNotAllowedError",
    "Conflict": "ConflictError",
    "RateLimited": "RateLimitedError",
    "UnknownEventType": "UnknownEventTypeError",
    "ImportRefused": "ImportRefusedError",
    "AnchorTampered": "AnchorTamperedError",
    "DecryptionFailed": "DecryptionFailedError",
    "PdfUnavailable": "PdfUnavailableError",
    "PhoneInvalid": "PhoneInvalidError",
    "InboundRefused": "InboundRefusedError",
    "InboundMalformed": "InboundMalformedError",
    "EgressRefused": "EgressRefusedError",
    "BoundaryFileInvalid": "BoundaryFileInvalidError",
    "GeometryInvalid": "GeometryInvalidError",
}
# Generic names, renamed only in the files that define and use them.
IN_FILES = {
    "lianxin/deployment/checks.py": {"Failed": "CheckFailedError"},
    "lianxin/appeals/importer.py": {"_Refuse": "_RefuseError"},
}
KEEP = "lint-fix: keep"


def _word_pattern(mapping: dict[str, str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")


def rename_python(source: str, mapping: dict[str, str]) -> str:
    words = _word_pattern(mapping)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, str]] = []  # (row0, col0, row1, col1, new text)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.start[0] > len(lines) or KEEP in lines[tok.start[0] - 1]:
            continue
        if tok.type == tokenize.NAME and tok.string in mapping:
            new = mapping[tok.string]
        elif tok.type == tokenize.COMMENT or (
            tok.type == tokenize.STRING and re.match(r"^[rRbBuUfF]*('''|\"\"\")", tok.string)
        ):
            new = words.sub(lambda m: mapping[m.group(1)], tok.string)
            if new == tok.string:
                continue
        else:
            continue
        edits.append((*tok.start, *tok.end, new))
    for r0, c0, r1, c1, new in reversed(edits):
        head, tail = lines[r0 - 1][:c0], lines[r1 - 1][c1:]
        new_lines = (head + new + tail).splitlines(keepends=True)
        lines[r0 - 1 : r1] = new_lines
    return "".join(lines)


def rename_markdown(text: str, mapping: dict[str, str]) -> str:
    pattern = re.compile(r"`(" + "|".join(map(re.escape, mapping)) + r")`")
    return pattern.sub(lambda m: f"`{mapping[m.group(1)]}`", text)


def main(root: Path) -> int:
    changed = 0
    for top in ("lianxin", "tests", "bench", "scripts"):
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if "/migrations/" in rel or rel == "scripts/rename_exceptions.py":
                continue
            mapping = {**EVERYWHERE, **IN_FILES.get(rel, {})}
            old = path.read_text(encoding="utf-8")
            new = rename_python(old, mapping)
            if new != old:
                path.write_text(new, encoding="utf-8")
                changed += 1
    for path in [root / "README.md", *sorted((root / "docs").rglob("*.md"))]:
        old = path.read_text(encoding="utf-8")
        new = rename_markdown(old, EVERYWHERE)
        if new != old:
            path.write_text(new, encoding="utf-8")
            changed += 1
    print(f"rename_exceptions: {changed} files changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
