from django.contrib import admin

from .models import ProactiveTask, Subscription


@admin.register(ProactiveTask)
class ProactiveTaskAdmin(admin.ModelAdmin[ProactiveTask]):
    list_display = ("title", "kind", "status", "area", "deadline", "proposed_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("evidence",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ("user", "area", "category", "created_at")
    raw_id_fields = ("user",)
    exclude = ("phone", "phone_hash")  # a phone subscriber stays masked here too
