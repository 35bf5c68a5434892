from typing import Any

from django.apps import AppConfig


def _print_demo_logins(stdout: Any) -> None:
    from .logins import print_demo_logins

    print_demo_logins(stdout)


class DemoConfig(AppConfig):
    name = "lianxin.demo"
    label = "demo"

    def ready(self) -> None:
        from lianxin.core import startup

        startup.register_banner(_print_demo_logins)  # `lianxin serve` prints the demo's logins
