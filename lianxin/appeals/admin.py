"""Admin: deadline policies are configuration; appeals and their events are read-only here
(every change goes through the services, so it is checked and recorded)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Appeal, AppealEvent, DeadlinePolicy, ReplyReviewRule


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin[DeadlinePolicy]):
    list_display = ("category", "urgency", "accept_working_hours", "resolve_working_days")
    list_filter = ("urgency",)
    raw_id_fields = ("category",)


@admin.register(ReplyReviewRule)
class ReplyReviewRuleAdmin(admin.ModelAdmin[ReplyReviewRule]):
    """Which units' replies (in which categories) the centre or the unit's leader reviews first."""

    list_display = ("unit", "category", "reviewer", "active")
    list_filter = ("reviewer", "active")
    raw_id_fields = ("unit", "category")


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AppealEventInline(admin.TabularInline[AppealEvent, Appeal]):
    model = AppealEvent
    fields = ("at", "type", "actor_label", "unit", "from_status", "to_status", "note", "public")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = (
        "tracking_number",
        "title",
        "kind",
        "channel",
        "status",
        "unit",
        "submitted_at",
        "overdue",
    )
    list_filter = ("status", "kind", "channel", "urgency", "overdue")
    search_fields = ("tracking_number", "title")
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    list_select_related = ("unit",)
    exclude = ("contact_name", "contact_phone", "contact_phone_hash", "callback_sealed", "access_code_hash")
    inlines = [AppealEventInline]


@admin.register(AppealEvent)
class AppealEventAdmin(ReadOnlyAdmin):
    list_display = ("appeal", "type", "at", "actor_label", "unit", "public")
    list_filter = ("type", "public")
    search_fields = ("appeal__tracking_number",)
    raw_id_fields = ("appeal", "actor", "unit")
    list_select_related = ("appeal", "unit")
    show_full_result_count = False
