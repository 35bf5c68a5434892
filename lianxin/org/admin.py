from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, Area, Category, DispatchRule, RoleAssignment, Unit, User


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "active")
    list_filter = ("level", "active")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "area", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "area", "unit", "note")
    search_fields = ("category__name", "area__name", "unit__name")
    raw_id_fields = ("category", "area", "unit")


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    raw_id_fields = ("unit", "area")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ("username", "display_name", "is_staff", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Lianxin", {"fields": ("display_name", "phone")}))  # type: ignore[misc]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")
