from django.contrib import admin

from .models import AbuseReport, Consultation, ConsultationEvent, SensitiveWord


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin[SensitiveWord]):
    """The configurable sensitive-word list: contributions containing one wait for moderation."""

    list_display = ("word",)
    search_fields = ("word",)


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin[Consultation]):
    list_display = ("title", "unit", "status", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "slug")
    readonly_fields = ("status", "published_at", "closed_at", "decision_published_at", "created_by", "source")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # created through the staff pages, which apply the rules and record the events


@admin.register(ConsultationEvent)
class ConsultationEventAdmin(admin.ModelAdmin[ConsultationEvent]):
    list_display = ("consultation", "type", "at", "actor_label")
    list_filter = ("type",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin[AbuseReport]):
    list_display = ("consultation", "kind", "object_id", "created_at", "resolved_at")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
