from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in: lockout, the second factor, staff session timeouts (docs/security.md)."""

    name = "lianxin.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (lockouts into the audit log)
