from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .alerts import warning_message
from .indicators import indicators
from .models import (
    AssessmentScheme,
    FollowUp,
    RaisedWarning,
    SchemeIndicatorWeight,
    SupervisionOrder,
    WarningRule,
)


class IndicatorWeightForm(forms.ModelForm[SchemeIndicatorWeight]):
    """The indicator is chosen from the registered shares (the model's clean says so again)."""

    class Meta:
        model = SchemeIndicatorWeight
        fields = ("indicator_code", "weight")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator_code"] = forms.ChoiceField(
            label=_("指标"),
            choices=[(i.code, f"{i.label}（{i.code}）") for i in indicators() if i.kind == "share"],
        )


class IndicatorWeightInline(admin.TabularInline[SchemeIndicatorWeight, AssessmentScheme]):
    model = SchemeIndicatorWeight
    form = IndicatorWeightForm
    extra = 0
    verbose_name = _("其他指标权重（只计入街道排名）")


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin[AssessmentScheme]):
    inlines = [IndicatorWeightInline]
    list_display = (
        "name",
        "valid_from",
        "active",
        "weight_response",
        "weight_resolution",
        "weight_satisfaction",
        "deduction_per_overdue",
        "deduction_per_false_closure",
        "deduction_per_unjustified_return",
        "follow_up_sample_percent",
    )


@admin.register(WarningRule)
class WarningRuleAdmin(admin.ModelAdmin[WarningRule]):
    list_display = ("name", "kind", "threshold", "window_days", "min_count", "active")
    list_filter = ("kind", "active")


@admin.register(RaisedWarning)
class RaisedWarningAdmin(admin.ModelAdmin[RaisedWarning]):
    list_display = ("shown_message", "rule", "status", "raised_at", "cleared_at")
    list_filter = ("status", "rule")
    list_select_related = ("rule",)
    readonly_fields = ["shown_message", *(f.name for f in RaisedWarning._meta.fields)]

    @admin.display(description=_("内容"))
    def shown_message(self, warning: RaisedWarning) -> str:
        """The message in the reader's language (the stored text is the Chinese one, as raised)."""
        return warning_message(warning)


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin[SupervisionOrder]):
    list_display = ("number", "title", "unit", "status", "due_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in SupervisionOrder._meta.fields]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin[FollowUp]):
    list_display = ("appeal", "unit", "reason", "status", "false_closure", "done_at")
    list_filter = ("status", "reason", "false_closure")
    readonly_fields = [f.name for f in FollowUp._meta.fields]
