"""Admin: registering mediators. Cases are worked on the mediation pages (every change through the
services), so the admin shows them read-only and without the parties' personal data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import MediationCase, Mediator


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin[Mediator]):
    list_display = ("user", "area", "kind", "active")
    list_filter = ("kind", "active")
    autocomplete_fields = ("user",)
    search_fields = ("user__username", "user__display_name", "area__name")


@admin.register(MediationCase)
class MediationCaseAdmin(admin.ModelAdmin[MediationCase]):
    list_display = ("number", "title", "dispute_type", "status", "area", "mediator", "high_risk", "opened_at")
    list_filter = ("status", "dispute_type", "high_risk")
    search_fields = ("number", "title")
    fields = (
        "number",
        "title",
        "dispute_type",
        "source",
        "area",
        "status",
        "mediator",
        "opened_at",
        "due_at",
        "closed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
