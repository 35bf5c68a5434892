"""The admin configures coverage rules and sees the contact network. Members' personal data is not
shown here: it is read only through the audited household page."""

from __future__ import annotations

from django.contrib import admin

from .models import ContactAssignment, CoverageRule


@admin.register(CoverageRule)
class CoverageRuleAdmin(admin.ModelAdmin[CoverageRule]):
    list_display = ("area", "group", "interval_days", "working_days")
    list_filter = ("group", "working_days")
    autocomplete_fields = ("area",)


@admin.register(ContactAssignment)
class ContactAssignmentAdmin(admin.ModelAdmin[ContactAssignment]):
    list_display = ("kind", "cadre", "household", "area", "unit", "started_on", "ended_on")
    list_filter = ("kind",)
    raw_id_fields = ("cadre", "household", "area", "unit", "created_by")
    readonly_fields = ("created_by",)
