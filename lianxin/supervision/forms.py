from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Unit

from .services import MAX_DUE_DAYS, NOTE_MAX, TEXT_MAX, TITLE_MAX

YES_NO = [("", _("未询问")), ("yes", _("是")), ("no", _("否"))]


class OrderForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.filter(active=True),
        required=False,
        help_text=_("从诉求或预警转督办时可留空，默认为其承办单位。"),
    )
    title = forms.CharField(label=_("督办标题"), max_length=TITLE_MAX)
    instructions = forms.CharField(
        label=_("督办要求"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    due_working_days = forms.IntegerField(
        label=_("反馈时限（工作日）"), min_value=1, max_value=MAX_DUE_DAYS, initial=3
    )


class RespondForm(forms.Form):
    text = forms.CharField(label=_("反馈内容"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("办结意见"), max_length=NOTE_MAX, required=False)


class FollowUpForm(forms.Form):
    reached = forms.ChoiceField(
        label=_("是否联系上群众"),
        choices=[("yes", _("已联系上")), ("no", _("无法联系"))],
        widget=forms.RadioSelect,
    )
    really_solved = forms.ChoiceField(label=_("问题是否真正解决"), choices=YES_NO, required=False)
    satisfied = forms.ChoiceField(label=_("群众是否满意"), choices=YES_NO, required=False)
    pressured = forms.ChoiceField(label=_("是否被要求给好评"), choices=YES_NO, required=False)
    note = forms.CharField(
        label=_("回访记录"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reached") == "yes" and not data.get("really_solved"):
            self.add_error("really_solved", _("已联系上群众时，请选择问题是否真正解决。"))
        return data


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")
