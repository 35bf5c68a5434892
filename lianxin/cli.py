"""The `lianxin` console script.

`lianxin triage ...` runs the text engine's own command line (no database, no Django);
everything else is a Django management command run with the project's settings.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "triage":
        if "--from-db" in args:
            # Learning from the platform's own closed appeals needs the database: a Django command.
            args = ["train_triage", *[a for a in args[2:] if a != "--from-db"]]
        else:
            from lianxin.triage.cli import main as triage_main

            return triage_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lianxin", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
