from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lianxin.core.masking import mask_phone

from .gazetteer import estates_changed, normalise
from .geometry import GeometryInvalid, parse_geometry
from .locating import set_boundary
from .models import AddressEntry, ApiScope, ApiToken, Area, Category, DispatchRule, RoleAssignment, Unit, User
from .services import api_token_fill


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ("code", "name", "level", "parent", "boundary")

    def clean_boundary(self) -> Any:
        boundary = self.cleaned_data.get("boundary")
        if boundary is not None:
            try:
                parse_geometry(boundary)
            except GeometryInvalid as exc:
                raise forms.ValidationError(
                    _("边界不是可用的 GeoJSON Polygon/MultiPolygon：%(reason)s"), params={"reason": exc}
                ) from None
        return boundary


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaForm
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        set_boundary(obj, obj.boundary)  # keeps the bounding box that locating prefilters on


@admin.register(AddressEntry)
class AddressEntryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "road", "number_from", "number_to", "parity", "estate", "grid", "source")
    list_filter = ("source", "parity")
    search_fields = ("road", "estate", "grid__code", "grid__name")
    raw_id_fields = ("grid",)

    def save_model(self, request: HttpRequest, obj: AddressEntry, form: Any, change: bool) -> None:
        obj.road, obj.estate = normalise(obj.road), normalise(obj.estate)  # the form lookups compare in
        super().save_model(request, obj, form, change)
        estates_changed()

    def delete_model(self, request: HttpRequest, obj: AddressEntry) -> None:
        super().delete_model(request, obj)
        estates_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        estates_changed()


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
    # a resident's phone is personal data: the admin shows it masked (residents keep it themselves)
    fieldsets = (*BaseUserAdmin.fieldsets, ("Lianxin", {"fields": ("display_name", "masked_phone")}))  # type: ignore[misc]
    readonly_fields = ("masked_phone",)

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: User) -> str:
        return mask_phone(obj.phone or "")


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, initial=["read"],
        help_text=_("只授予对接系统需要的权限。令牌永远不会超出其所属用户的角色权限。"),
    )

    class Meta:
        model = ApiToken
        fields = ("name", "user", "scopes", "expires_at", "revoked")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are made here, not typed: a new token gets a random key, shown once after saving;
    only its hash and first characters are stored."""

    list_display = ("name", "prefix", "user", "created_at", "expires_at", "last_used_at", "revoked")
    fields = ("name", "user", "scopes", "expires_at", "revoked", "prefix", "created_at", "last_used_at")
    form = ApiTokenForm
    readonly_fields = ("prefix", "created_at", "last_used_at")
    raw_id_fields = ("user",)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        raw_key = None if change else api_token_fill(obj)
        super().save_model(request, obj, form, change)
        if raw_key:
            messages.warning(request, _("新令牌：%(key)s —— 只显示这一次，请立即复制保存。") % {"key": raw_key})
