from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from lianxin.core.masking import mask_phone

from .boundaries import BoundaryFileInvalidError, boundaries_import
from .gazetteer import estates_changed, normalise
from .geometry import GeometryInvalidError, parse_geometry
from .locating import set_boundary
from .models import AddressEntry, ApiScope, ApiToken, Area, Category, DispatchRule, RoleAssignment, Unit, User
from .services import api_token_fill


class AreaForm(forms.ModelForm[Area]):
    class Meta:
        model = Area
        fields = ("code", "name", "level", "parent", "boundary")

    def clean_boundary(self) -> Any:
        boundary = self.cleaned_data.get("boundary")
        if boundary is not None:
            try:
                parse_geometry(boundary)
            except GeometryInvalidError as exc:
                raise forms.ValidationError(
                    _("边界不是可用的 GeoJSON Polygon/MultiPolygon：%(reason)s"), params={"reason": exc}
                ) from None
        return boundary


class BoundaryImportForm(forms.Form):
    MAX_BYTES = 20 * 1024 * 1024
    file = forms.FileField(label=_("GeoJSON 文件"))
    property = forms.CharField(label=_("区域编码所在的属性名"), initial="code", max_length=60)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                self.add_error("file", _("文件超过 20 MB；请按街道拆分后分别导入。"))
            else:
                try:
                    data["text"] = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    self.add_error("file", _("文件不是 UTF-8 编码；请另存为 UTF-8 后再上传。"))
        return data


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    form = AreaForm
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        set_boundary(obj, obj.boundary)  # keeps the bounding box that locating prefilters on

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "import-boundaries/",
                self.admin_site.admin_view(self.import_boundaries),
                name="org_area_import_boundaries",
            )
        ]
        return extra + super().get_urls()

    def import_boundaries(self, request: HttpRequest) -> HttpResponse:
        """Boundaries from a GeoJSON file: preview first, then import (lianxin/org/boundaries.py)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoundaryImportForm(request.POST or None, request.FILES or None)
        report, applied, status = None, False, 200
        if request.method == "POST" and form.is_valid():
            applied = "apply" in request.POST
            try:
                report = boundaries_import(
                    text=form.cleaned_data["text"],
                    code_property=form.cleaned_data["property"],
                    dry_run=not applied,
                )
            except BoundaryFileInvalidError as exc:
                form.add_error("file", str(exc))
                applied = False
        if form.errors:
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "applied": applied,
            "title": _("导入网格边界"),
        }
        return TemplateResponse(request, "admin/org/area/import_boundaries.html", context, status=status)


@admin.register(AddressEntry)
class AddressEntryAdmin(admin.ModelAdmin[AddressEntry]):
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
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "code", "level", "parent", "active")
    list_filter = ("level", "active")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("name", "code", "kind", "area", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin[DispatchRule]):
    list_display = ("category", "area", "unit", "note")
    search_fields = ("category__name", "area__name", "unit__name")
    raw_id_fields = ("category", "area", "unit")


class RoleInline(admin.TabularInline[RoleAssignment, User]):
    model = RoleAssignment
    extra = 1
    raw_id_fields = ("unit", "area")


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    inlines = [RoleInline]
    list_display = ("username", "display_name", "is_staff", "is_active")
    # a resident's phone is personal data: the admin shows it masked (residents keep it themselves)
    fieldsets = (*BaseUserAdmin.fieldsets, ("Lianxin", {"fields": ("display_name", "masked_phone")}))  # type: ignore[misc]
    readonly_fields = ("masked_phone",)

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: User) -> str:
        return mask_phone(obj.phone or "")


class ApiTokenForm(forms.ModelForm[ApiToken]):
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["read"],
        help_text=_("只授予对接系统需要的权限。令牌永远不会超出其所属用户的角色权限。"),
    )

    class Meta:
        model = ApiToken
        fields = ("name", "user", "scopes", "expires_at", "revoked")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
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
            messages.warning(
                request, _("新令牌：%(key)s —— 只显示这一次，请立即复制保存。") % {"key": raw_key}
            )
