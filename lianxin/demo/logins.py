"""The demo logins, read back from the database (printed by `lianxin seed` and `lianxin serve`)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.utils import DatabaseError

from lianxin.org.models import ApiToken, Role, RoleAssignment, User

from .district import DEMO_API_KEY, DEMO_API_USER, DEMO_PASSWORD

ROLE_ORDER = [
    Role.ADMIN,
    Role.OPERATOR,
    Role.DISPATCHER,
    Role.HANDLER,
    Role.GRID_WORKER,
    Role.SUPERVISOR,
    Role.LEADER,
]
MAX_PER_ROLE = 4


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role label, scope) for the seeded demo accounts, a few per role."""
    rows: list[tuple[str, str, str]] = []
    assignments = (
        RoleAssignment.objects.select_related("user", "unit", "area")
        .exclude(user__username=DEMO_API_USER)
        .order_by("role", "user__username")
    )
    by_role: dict[str, list[RoleAssignment]] = {}
    for assignment in assignments:
        by_role.setdefault(assignment.role, []).append(assignment)
    for role in ROLE_ORDER:
        items = by_role.get(role, [])
        for assignment in items[:MAX_PER_ROLE]:
            scope = assignment.unit or assignment.area
            rows.append((assignment.user.username, str(Role(role).label), str(scope) if scope else "全区"))
        if len(items) > MAX_PER_ROLE:
            rows.append(("…", str(Role(role).label), f"另有 {len(items) - MAX_PER_ROLE} 个同类账号"))
    resident = User.objects.filter(username="resident").first()
    if resident is not None:
        rows.append((resident.username, "群众", resident.phone))
    return rows


def demo_api_key_present() -> bool:
    return ApiToken.objects.filter(
        key_hash=hashlib.sha256(DEMO_API_KEY.encode()).hexdigest(), revoked=False
    ).exists()


def print_demo_logins(stdout: Any) -> None:
    """Print the demo accounts if this database was made by `lianxin seed`; silent otherwise.

    `stdout` is anything with `write(str)`: a text stream or a management command's `self.stdout`.
    """
    try:
        rows = demo_logins()
        api_key = demo_api_key_present()
    except DatabaseError:
        return  # not migrated yet
    if not rows:
        return
    width = max(len(r[0]) for r in rows) + 2
    stdout.write("\nDemo logins (演示账号) — password for all: " + DEMO_PASSWORD + "\n")
    for username, role, scope in rows:
        stdout.write(f"  {username:<{width}}{role}\t{scope}\n")
    if api_key:
        stdout.write(
            f"Demo API key (演示接口密钥, FOR THE DEMO ONLY — it is published; revoke it on a real system):\n"
            f"  {DEMO_API_KEY}   (user {DEMO_API_USER}: operator + dispatcher; "
            "Authorization: Bearer <key> for /api/v1/, api_key=<key> for /open311/v2/)\n"
        )
    stdout.write("\n")
