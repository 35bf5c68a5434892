from django.contrib import admin

from .models import Delivery, DeliveryAttempt, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = (
        "name",
        "owner",
        "url",
        "active",
        "paused_at",
        "consecutive_failures",
        "include_personal_data",
    )
    list_filter = ("active", "include_personal_data")
    raw_id_fields = ("owner",)
    readonly_fields = ("paused_at", "consecutive_failures", "created_at")


class AttemptInline(admin.TabularInline[DeliveryAttempt, Delivery]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "status_code", "response_excerpt", "error", "duration_ms")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("subscription", "event_type", "status", "attempts", "last_status_code", "created_at")
    list_filter = ("status", "event_type")
    inlines = [AttemptInline]
    readonly_fields = (
        "subscription",
        "event",
        "event_type",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_response",
        "last_error",
    )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
