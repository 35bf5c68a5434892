from django.contrib import admin

from .models import Activity, Membership, Organization, VolunteerProfile


class MembershipInline(admin.TabularInline[Membership, Organization]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("name", "kind", "registration_number", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "registration_number")
    filter_horizontal = ("areas",)
    inlines = [MembershipInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin[Activity]):
    list_display = ("title", "kind", "area", "starts_at", "capacity", "status")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    raw_id_fields = ("organiser",)
    exclude = ("checkin_code", "visit_notes")  # the QR secret and the visit notes stay in the app

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # created by organisers on their pages (activity_create makes the check-in code)


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(admin.ModelAdmin[VolunteerProfile]):
    list_display = ("user", "availability")
    raw_id_fields = ("user",)
